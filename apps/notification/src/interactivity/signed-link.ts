import { createHmac, timingSafeEqual } from 'node:crypto';
import { RepActionSchema } from '@baton/domain';
import { z } from 'zod';

/**
 * The action links of Teams cards and e-mails (Workflows posts cannot submit, e-mail has no
 * buttons): `<public url>/actions/<token>`, token = base64url(JSON {d: delivery, a: action, e:
 * expiry s}) + "." + base64url(HMAC-SHA256(link secret, payload)). Only Baton can mint one, it names
 * the one delivery (so the one recipient) it was sent to, and it stops working at its expiry.
 */
const LinkPayload = z.object({ d: z.string().min(1), a: RepActionSchema.shape.action, e: z.number().int() });
export type LinkPayload = z.infer<typeof LinkPayload>;

function mac(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

export function signLink(secret: string, payload: LinkPayload): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(secret, body)}`;
}

export type LinkVerdict =
  { valid: true; payload: LinkPayload } | { valid: false; reason: 'malformed' | 'mismatch' | 'expired' };

export function verifyLink(secret: string, token: string, now: Date): LinkVerdict {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined || token.length > 1024)
    return { valid: false, reason: 'malformed' };
  const expected = Buffer.from(mac(secret, body));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { valid: false, reason: 'mismatch' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { valid: false, reason: 'malformed' };
  }
  const payload = LinkPayload.safeParse(parsed);
  if (!payload.success) return { valid: false, reason: 'malformed' };
  if (payload.data.e * 1000 < now.getTime()) return { valid: false, reason: 'expired' };
  return { valid: true, payload: payload.data };
}
