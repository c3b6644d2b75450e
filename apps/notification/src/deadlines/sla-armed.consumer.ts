import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Topics, type CloudEvent, type EventOf } from '@baton/domain';
import { CLOCK, OnEvent, ServiceRuntime, type Clock } from '@baton/platform';
import { DeliveryStore } from '../database/delivery.store.js';
import { LeadStateStore } from '../database/lead-state.store.js';
import { Dispatcher } from '../delivery/dispatcher.js';

type Armed = EventOf<typeof Topics.SlaArmed>;

/** The deadline an alert shows as "first touch due": the first_touch policy's, else the earliest. */
export function firstTouchDue(armed: Armed): Date | null {
  const timers = [...armed.timers].sort((a, b) => a.deadline.localeCompare(b.deadline));
  const t = timers.find((x) => x.policy === 'first_touch') ?? timers[0];
  return t ? new Date(t.deadline) : null;
}

/**
 * sla.armed.v1 → the assignment's deadlines, kept; an alert sent before they arrived is updated
 * (chat.update) to show when first touch is due. Idempotent (an upsert), so no claim is needed.
 */
@Controller()
export class SlaArmedConsumer {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly state: LeadStateStore,
    private readonly deliveries: DeliveryStore,
    private readonly dispatcher: Dispatcher,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @OnEvent(Topics.SlaArmed)
  async armed(@Payload() event: CloudEvent<Armed>): Promise<void> {
    const a = event.data;
    await this.runtime.transaction(async (manager) => {
      await this.state.armed(manager, {
        assignmentId: a.assignmentId,
        leadId: a.leadId,
        firstTouchDue: firstTouchDue(a),
        timers: a.timers as unknown as Record<string, unknown>[],
        armedAt: new Date(a.armedAt),
      });
      await this.deliveries.changed(manager, a.assignmentId, this.clock.now());
    });
    this.dispatcher.nudge();
  }
}
