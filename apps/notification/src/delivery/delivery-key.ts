import { createHash } from 'node:crypto';
import type { NotificationSent } from '@baton/domain';

export type Purpose = NotificationSent['purpose'];
export type Channel = NotificationSent['channel'];

/**
 * The id of a delivery: one per (cause event, recipient, channel, purpose). It is the primary key
 * of the delivery row (a second claim of the same delivery finds it), the `metadata` Slack keeps on
 * the message (checked after a crash before posting again) and the notification id of the receipt.
 */
export function deliveryId(causeId: string, recipient: string, channel: Channel, purpose: Purpose): string {
  return createHash('sha256')
    .update([causeId, recipient, channel, purpose].join('\u0000'))
    .digest('hex')
    .slice(0, 32);
}
