import { Topics, type NewEvent, type NotificationSent } from '@baton/domain';
import type { NewDelivery } from '../database/delivery.store.js';
import type { DeliveryContext } from './context.js';

type Receipted = Pick<
  NewDelivery,
  'id' | 'leadId' | 'causeId' | 'channel' | 'purpose' | 'recipient' | 'assignmentId' | 'context'
>;

/**
 * notification.sent.v1 for a delivery's outcome: one per delivery and status (its event id), with
 * the provider's message id or the error, and for an assignment alert delivered the latency from
 * the lead's first webhook and from the assignment.
 */
export function receiptOf(
  row: Receipted,
  status: NotificationSent['status'],
  at: Date,
  outcome: { providerMessageId?: string; error?: string } = {},
): NewEvent<typeof Topics.NotificationSent> {
  const ctx = row.context as DeliveryContext;
  const assigned = ctx.kind === 'breach' ? undefined : ctx.assigned;
  const latency =
    status === 'delivered' && assigned && row.purpose === 'assignment_alert'
      ? {
          fromAssignmentMs: Math.max(0, at.getTime() - Date.parse(assigned.assignedAt)),
          ...(assigned.lead.signalReceivedAt
            ? { fromSignalMs: Math.max(0, at.getTime() - Date.parse(assigned.lead.signalReceivedAt)) }
            : {}),
        }
      : undefined;
  return {
    topic: Topics.NotificationSent,
    subject: row.leadId,
    id: `${row.id}:${status}`,
    // Built from typed, already-validated inputs: the hot path skips the schema parse.
    trusted: true,
    data: {
      leadId: row.leadId,
      notificationId: row.id,
      causationId: row.causeId,
      channel: row.channel,
      purpose: row.purpose,
      recipient: row.recipient,
      status,
      ...(outcome.providerMessageId ? { providerMessageId: outcome.providerMessageId } : {}),
      ...(outcome.error ? { error: outcome.error.slice(0, 1000) } : {}),
      sentAt: at.toISOString(),
      ...(row.assignmentId ? { assignmentId: row.assignmentId } : {}),
      ...(latency ? { latency } : {}),
    },
  };
}
