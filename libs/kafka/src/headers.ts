import type { IHeaders } from 'kafkajs';

export const Headers = {
  contentType: 'content-type',
  traceparent: 'traceparent',
  ceId: 'ce_id',
  ceType: 'ce_type',
  dlqReason: 'x-baton-dlq-reason',
  dlqKind: 'x-baton-dlq-kind',
  dlqAttempts: 'x-baton-dlq-attempts',
  dlqFailedAt: 'x-baton-dlq-failed-at',
  dlqGroup: 'x-baton-dlq-consumer-group',
  /**
   * On a dead letter that had to be cut to fit the broker's size limit: the original value's size
   * in bytes. The full message stays on the original topic, partition and offset (until retention).
   */
  dlqTruncated: 'x-baton-dlq-truncated',
  /** The topic the message was consumed from, as named on the wire (with the deployment's prefix). */
  originalTopic: 'x-baton-original-topic',
  originalPartition: 'x-baton-original-partition',
  originalOffset: 'x-baton-original-offset',
} as const;

export function headerString(headers: IHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  if (v === undefined || v === null) return undefined;
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? undefined : first.toString();
}
