import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Topics, isTouch, type CloudEvent, type EventOf } from '@baton/domain';
import { OnEvent, ServiceRuntime } from '@baton/platform';
import { LeadStateStore } from '../database/lead-state.store.js';

type Activity = EventOf<typeof Topics.LeadActivity>;

/** A rep working the lead in the CRM: a call, e-mail or meeting logged by a person (not an integration, not Baton). */
export function isRepTouch(a: Activity): boolean {
  const byPerson = a.actor ? a.actor.kind === 'person' : a.actorOwnerId !== undefined;
  return byPerson && isTouch(a.kind);
}

/**
 * lead.activity.v1 → the lead's last touch by a person: a scheduled intro e-mail does not go out
 * once the rep has called or written themselves. Idempotent (keeps the latest), no claim needed.
 */
@Controller()
export class LeadActivityConsumer {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly state: LeadStateStore,
  ) {}

  @OnEvent(Topics.LeadActivity)
  async activity(@Payload() event: CloudEvent<Activity>): Promise<void> {
    const a = event.data;
    if (!isRepTouch(a)) return;
    await this.runtime.transaction((manager) =>
      this.state.touched(manager, { leadId: a.leadId, kind: a.kind, occurredAt: new Date(a.occurredAt) }),
    );
  }
}
