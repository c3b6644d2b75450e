import { Inject, Injectable } from '@nestjs/common';
import { Topics, type NewEvent, type TopicName } from '@baton/domain';
import { JsonLogger, counter } from '@baton/observability';
import { CLOCK, ServiceRuntime, type Clock } from '@baton/platform';
import type { AlertAction } from '../alerts/content.js';
import { DeliveryStore } from '../database/delivery.store.js';
import type { DeliveryRow } from '../database/entities.js';
import { RepActionStore } from '../database/rep-action.store.js';
import type { DeliveryContext } from '../delivery/context.js';
import type { Channel } from '../delivery/delivery-key.js';
import { Dispatcher } from '../delivery/dispatcher.js';

const actions = counter('baton_notification_rep_actions_total', 'Actions taken from alerts', [
  'action',
  'channel',
]);

/** Which actions an alert of each purpose offers. */
const OFFERED: Record<DeliveryRow['purpose'], readonly AlertAction[]> = {
  assignment_alert: ['accepted', 'call_logged', 'not_mine'],
  sla_reminder: ['accepted', 'call_logged', 'not_mine'],
  sla_escalation: ['reassign_requested'],
  intro_email: [],
};

export type ActResult = { recorded: boolean; message: string } | { refused: string };

/**
 * What a rep (or manager) did from an alert — a Slack button or a signed link — becomes, in one
 * transaction: the action's row, the rep-action event (the SLA service counts it), for "Not mine" and
 * "Reassign" a reassignment request, and the alert's revision (its Slack message is then
 * updated to show who did what). Each action counts once (Accept, Not mine, Reassign per person and
 * assignment; every "Log a call" click is a call).
 */
@Injectable()
export class RepActionsService {
  private readonly log = new JsonLogger('notification.actions');

  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly deliveries: DeliveryStore,
    private readonly repActions: RepActionStore,
    private readonly dispatcher: Dispatcher,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async act(row: DeliveryRow, action: AlertAction, channel: Channel, clickId: string): Promise<ActResult> {
    const ctx = row.context as DeliveryContext;
    if (ctx.kind === 'intro' || !row.assignmentId || !OFFERED[row.purpose].includes(action))
      return { refused: `this alert offers no ${action}` };
    const person = ctx.recipient;
    const repId = person.repId ?? person.email;
    const assignmentId = row.assignmentId;
    const actedAt = this.clock.now();
    const actionId =
      action === 'call_logged' ? `${row.id}:${action}:${clickId}` : `${assignmentId}:${repId}:${action}`;
    const events: NewEvent<TopicName>[] = [
      {
        topic: Topics.RepAction,
        subject: row.leadId,
        id: actionId,
        data: {
          leadId: row.leadId,
          actionId,
          assignmentId,
          repId,
          action,
          channel,
          actedAt: actedAt.toISOString(),
        },
      },
    ];
    // The rep the lead came from is not asked again either (no ping-pong between two reps).
    const earlier = ctx.kind === 'alert' ? ctx.assigned.reassignment?.previousRepId : undefined;
    const reassignment = (requestedBy: 'rep' | 'admin', cause: string, excluded: string) =>
      events.push({
        topic: Topics.LeadReassignmentRequested,
        subject: row.leadId,
        id: `${actionId}:reassignment`,
        data: {
          leadId: row.leadId,
          assignmentId,
          requestedBy,
          cause,
          excludeRepIds: earlier && earlier !== excluded ? [excluded, earlier] : [excluded],
          requestedAt: actedAt.toISOString(),
        },
      });
    if (action === 'not_mine')
      reassignment(
        'rep',
        `not_mine: ${person.name} said the lead is not theirs (from the ${channel} alert)`,
        repId,
      );
    if (action === 'reassign_requested' && ctx.kind === 'breach')
      reassignment(
        'admin',
        `manager_reassign: ${person.name} reassigned it after the ${ctx.breach.policy} breach (from the ${channel} escalation)`,
        ctx.breach.rep.repId,
      );
    const recorded = await this.runtime.transaction(async (manager) => {
      const fresh = await this.repActions.record(manager, {
        actionId,
        leadId: row.leadId,
        assignmentId,
        repId,
        action,
        channel,
        actor: person.name,
        deliveryId: row.id,
        actedAt,
      });
      if (!fresh) return false;
      await this.runtime.outbox.enqueue(manager, events);
      await this.deliveries.changed(manager, assignmentId, actedAt);
      return true;
    });
    if (recorded) {
      actions.inc({ action, channel });
      this.log.info('rep action recorded', { leadId: row.leadId, assignmentId, action, channel });
      this.dispatcher.nudge();
    }
    const words: Record<AlertAction, string> = {
      accepted: 'Accepted: the lead is yours.',
      call_logged: 'Call logged.',
      not_mine: 'Noted: the lead goes to someone else.',
      reassign_requested: 'Reassignment requested: routing picks another rep.',
    };
    return { recorded, message: recorded ? words[action] : 'Already recorded.' };
  }
}
