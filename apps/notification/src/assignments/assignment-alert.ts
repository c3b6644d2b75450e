import type { NewEvent, NotifyChannel, Topics } from '@baton/domain';
import type { Person } from '../alerts/content.js';
import type { NewDelivery } from '../database/delivery.store.js';
import type { ConfiguredChannels } from '../delivery/channels.js';
import { channelsFor } from '../delivery/channels.js';
import type { DeliveryContext } from '../delivery/context.js';
import { deliveryId, type Channel, type Purpose } from '../delivery/delivery-key.js';
import { receiptOf } from '../delivery/receipt.js';

export interface PlanSettings {
  defaults: readonly NotifyChannel[];
  configured: ConfiguredChannels;
  /** This process's claim token and lease: the first channel is inserted claimed, sent right after commit. */
  token: string;
  leaseMs: number;
  now: Date;
}

/**
 * The first delivery of an alert to a person: on the first channel of their preference, claimed,
 * the others kept as its fallbacks. A person Baton cannot reach at all gets a failed row (and a
 * failed receipt): nothing is dropped without a trace.
 */
export function planAlert(
  causeId: string,
  person: Person,
  purpose: Purpose,
  context: DeliveryContext,
  ids: { leadId: string; assignmentId: string },
  s: PlanSettings,
): NewDelivery {
  const recipient = person.repId ?? person.email;
  const [first, ...rest] = channelsFor(person, s.defaults, s.configured);
  const channel: Channel = first ?? 'email';
  return {
    id: deliveryId(causeId, recipient, channel, purpose),
    causeId,
    purpose,
    channel,
    recipient,
    leadId: ids.leadId,
    assignmentId: ids.assignmentId,
    status: first ? 'sending' : 'failed',
    dueAt: new Date(s.now.getTime() + s.leaseMs),
    claimToken: first ? s.token : null,
    fallbacks: rest,
    context,
    createdAt: s.now,
    error: first
      ? null
      : 'no channel reaches this person (no Slack/Teams id or e-mail, or the channels are not configured)',
  };
}

/** The receipt of an alert that no channel could carry (recorded in the same transaction as its row). */
export function unreachableReceipt(row: NewDelivery, at: Date): NewEvent<typeof Topics.NotificationSent> {
  return receiptOf(row, 'failed', at, { error: row.error ?? 'no channel' });
}
