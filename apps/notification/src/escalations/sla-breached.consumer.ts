import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Topics, type CloudEvent, type EventOf } from '@baton/domain';
import { JsonLogger } from '@baton/observability';
import type { ProcessedEvents } from '@baton/persistence';
import { CLOCK, OnEvent, ServiceRuntime, type Clock } from '@baton/platform';
import type { Person } from '../alerts/content.js';
import { planAlert, unreachableReceipt } from '../assignments/assignment-alert.js';
import { DeliveryStore } from '../database/delivery.store.js';
import type { DeliveryContext } from '../delivery/context.js';
import type { Purpose } from '../delivery/delivery-key.js';
import { Dispatcher } from '../delivery/dispatcher.js';

type Breach = EventOf<typeof Topics.SlaBreached>;

/** Who hears of a breach, with which wording: the rep is reminded, the manager gets the escalation (or the notice of an automatic reassignment). */
export function breachRecipient(
  breach: Breach,
): { person: Person; purpose: Purpose; alert: 'reminder' | 'escalation' | 'reassigned' } | undefined {
  switch (breach.action) {
    case 'remind_rep':
      return { person: breach.rep, purpose: 'sla_reminder', alert: 'reminder' };
    case 'escalate_to_manager':
      return breach.rep.manager
        ? { person: breach.rep.manager, purpose: 'sla_escalation', alert: 'escalation' }
        : undefined;
    case 'reassign':
      return breach.rep.manager
        ? { person: breach.rep.manager, purpose: 'sla_escalation', alert: 'reassigned' }
        : undefined;
  }
}

/**
 * sla.breached.v1 → a reminder to the rep or an escalation to the manager, on that person's own
 * channels (the manager's preference, time zone), with its own wording and, for the manager, a
 * one-click Reassign.
 */
@Controller()
export class SlaBreachedConsumer {
  private readonly processed: ProcessedEvents;
  private readonly log = new JsonLogger('notification.escalations');

  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly deliveries: DeliveryStore,
    private readonly dispatcher: Dispatcher,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.processed = runtime.processed('sla-breached');
  }

  @OnEvent(Topics.SlaBreached)
  async breached(@Payload() event: CloudEvent<Breach>): Promise<void> {
    const breach = event.data;
    const target = breachRecipient(breach);
    const now = this.clock.now();
    const claimed = await this.runtime.transaction(async (manager) => {
      if (!(await this.processed.claim(manager, event.id))) return [];
      if (!target) {
        this.log.warn('breach escalates to a manager, but the rep has none: the rep is reminded instead', {
          leadId: breach.leadId,
          rep: breach.rep.repId,
        });
      }
      const who = target ?? {
        person: breach.rep,
        purpose: 'sla_reminder' as const,
        alert: 'reminder' as const,
      };
      const context: DeliveryContext = { kind: 'breach', alert: who.alert, breach, recipient: who.person };
      const row = planAlert(
        event.id,
        who.person,
        who.purpose,
        context,
        breach,
        this.dispatcher.planSettings(now),
      );
      const inserted = await this.deliveries.insert(manager, [row]);
      if (row.status === 'failed' && inserted.has(row.id))
        await this.runtime.outbox.enqueue(manager, [unreachableReceipt(row, now)]);
      return row.status === 'sending' && inserted.has(row.id) ? [row] : [];
    });
    this.dispatcher.sendClaimed(claimed);
  }
}
