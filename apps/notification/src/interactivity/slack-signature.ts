import { createHmac, timingSafeEqual } from 'node:crypto';

/** Requests older (or newer) than this are refused: a captured request cannot be replayed later. */
export const SLACK_MAX_SKEW_S = 5 * 60;

export type SlackVerdict = { valid: true } | { valid: false; reason: 'missing' | 'stale' | 'mismatch' };

/**
 * Slack's request signing (https://api.slack.com/docs/verifying-requests-from-slack):
 * `X-Slack-Signature: v0=` + hex(HMAC-SHA256(signing secret, "v0:" + X-Slack-Request-Timestamp +
 * ":" + raw body)), over the raw bytes as received, the timestamp within 5 minutes, compared in
 * constant time.
 */
export function verifySlackSignature(
  secret: string,
  headers: { signature?: string; timestamp?: string },
  rawBody: Buffer,
  now: Date,
): SlackVerdict {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return { valid: false, reason: 'missing' };
  if (Math.abs(Math.floor(now.getTime() / 1000) - Number(timestamp)) > SLACK_MAX_SKEW_S)
    return { valid: false, reason: 'stale' };
  const expected = Buffer.from(
    `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`,
  );
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { valid: false, reason: 'mismatch' };
  return { valid: true };
}
