import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Topics, type NewEvent, type TopicName } from '@baton/domain';
import { CLOCK, OnEvent, SERVICE_POLICY, ServiceRuntime, type BatchItem, type Clock } from '@baton/platform';
import type { ProcessedEvents } from '@baton/persistence';
import { DeliveryStore, type NewDelivery } from '../database/delivery.store.js';
import { LeadStateStore } from '../database/lead-state.store.js';
import { deliveryId } from '../delivery/delivery-key.js';
import { Dispatcher } from '../delivery/dispatcher.js';
import { introDecision } from '../intro/intro-email.js';
import type { LoadedNotificationPolicy } from '../policy/policy.js';
import { planAlert, unreachableReceipt } from './assignment-alert.js';

/**
 * lead.assigned.v1 → the rep's alert (a reassignment worded as such) and the prospect's intro
 * e-mail, scheduled. Per batch, one transaction: the events' claims, the alert deliveries
 * (inserted claimed by this process), the intro e-mail (a row due after the policy's delay, or
 * skipped with the reason) and the lead's current assignment. After the commit the alerts are
 * sent at once; the offsets are committed after that transaction, not after the sends — a crash
 * in between leaves claimed rows that the next claim (any replica) takes over.
 */
@Controller()
export class LeadAssignedConsumer {
  private readonly processed: ProcessedEvents;

  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly deliveries: DeliveryStore,
    private readonly state: LeadStateStore,
    private readonly dispatcher: Dispatcher,
    @Inject(SERVICE_POLICY) private readonly policy: LoadedNotificationPolicy,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.processed = runtime.processed('lead-assigned');
  }

  @OnEvent(Topics.LeadAssigned, { batch: true })
  async assigned(@Payload() items: BatchItem<typeof Topics.LeadAssigned>[]): Promise<void> {
    const now = this.clock.now();
    const settings = this.dispatcher.planSettings(now);
    const claimed = await this.runtime.transaction(async (manager) => {
      const fresh = await this.processed.claimMany(
        manager,
        items.map((i) => i.event.id),
      );
      const alerts: NewDelivery[] = [];
      const intros: NewDelivery[] = [];
      const failedReceipts: NewEvent<TopicName>[] = [];
      const introDelay = this.policy.policy.introEmail.delayMinutes * 60_000;
      for (const { event } of items) {
        if (!fresh.has(event.id)) continue;
        fresh.delete(event.id); // the same event twice in one batch
        const a = event.data;
        const alert = planAlert(
          event.id,
          a.rep,
          'assignment_alert',
          {
            kind: 'alert',
            alert: a.reassignment ? 'reassignment' : 'assignment',
            assigned: a,
            recipient: a.rep,
          },
          { leadId: a.leadId, assignmentId: a.assignmentId },
          settings,
        );
        alerts.push(alert);
        if (alert.status === 'failed') failedReceipts.push(unreachableReceipt(alert, now));
        const intro = introDecision(a, this.policy.policy.introEmail);
        const to = a.lead.identity.email?.toLowerCase() ?? `no-email:${a.leadId}`;
        // One intro per qualification: a reassignment before it went out hands it to the new rep.
        intros.push({
          id: deliveryId(a.qualificationId, to, 'email', 'intro_email'),
          causeId: a.qualificationId,
          purpose: 'intro_email',
          channel: 'email',
          recipient: to,
          leadId: a.leadId,
          assignmentId: a.assignmentId,
          status: intro.send ? 'pending' : 'skipped',
          dueAt: new Date(now.getTime() + introDelay),
          claimToken: null,
          fallbacks: [],
          context: { kind: 'intro', assigned: a, to, language: intro.send ? intro.language : 'en' },
          createdAt: now,
          error: intro.send ? null : intro.reason,
        });
      }
      await this.deliveries.scheduleIntros(manager, intros);
      await this.state.assigned(
        manager,
        items.map(({ event }) => ({
          leadId: event.data.leadId,
          assignmentId: event.data.assignmentId,
          assignedAt: new Date(event.data.assignedAt),
        })),
      );
      const inserted = await this.deliveries.insert(manager, alerts);
      await this.runtime.outbox.enqueue(
        manager,
        failedReceipts.filter((r) => inserted.has((r.data as { notificationId: string }).notificationId)),
      );
      return alerts.filter((d) => d.status === 'sending' && inserted.has(d.id));
    });
    this.dispatcher.sendClaimed(claimed);
  }
}
