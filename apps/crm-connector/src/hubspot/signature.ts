import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-hubspot-signature-v3';
export const TIMESTAMP_HEADER = 'x-hubspot-request-timestamp';
export const MAX_SIGNATURE_AGE_MS = 5 * 60_000;

export interface SignedRequest {
  method: string;
  /** The full URL HubSpot called, query string included. */
  uri: string;
  rawBody: Buffer;
  signature: string | undefined;
  timestamp: string | undefined;
}

export type SignatureVerdict = { valid: true } | { valid: false; reason: 'missing' | 'stale' | 'mismatch' };

/**
 * HubSpot decodes these escapes in the URI before signing (v3); a URL may reach us either way,
 * so both forms are tried.
 */
const DECODED: Record<string, string> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

export function hubspotDecodedUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODED[m.toUpperCase()] ?? m);
}

export function signV3(
  secret: string,
  method: string,
  uri: string,
  rawBody: Buffer,
  timestamp: string,
): Buffer {
  return createHmac('sha256', secret)
    .update(Buffer.concat([Buffer.from(method + uri, 'utf8'), rawBody, Buffer.from(timestamp, 'utf8')]))
    .digest();
}

/**
 * Verifies HubSpot's v3 signature over the exact bytes received: HMAC-SHA256 of
 * method + uri + body + timestamp with the app's client secret, compared in constant time;
 * a timestamp more than 5 minutes away from now is rejected (a captured request cannot be
 * replayed later; within the window, eventId dedupe makes a replay harmless).
 */
export function verifyHubSpotSignature(
  req: SignedRequest,
  clientSecret: string,
  now: number,
): SignatureVerdict {
  if (!req.signature || !req.timestamp || !/^\d{10,16}$/.test(req.timestamp))
    return { valid: false, reason: 'missing' };
  const ts = Number(req.timestamp);
  if (Math.abs(now - ts) > MAX_SIGNATURE_AGE_MS) return { valid: false, reason: 'stale' };
  let given: Buffer;
  try {
    given = Buffer.from(req.signature, 'base64');
  } catch {
    return { valid: false, reason: 'mismatch' };
  }
  const method = req.method.toUpperCase();
  const candidates = new Set([req.uri, hubspotDecodedUri(req.uri)]);
  let ok = false;
  for (const uri of candidates) {
    const expected = signV3(clientSecret, method, uri, req.rawBody, req.timestamp);
    // Evaluate every candidate so timing does not reveal which form matched.
    if (given.length === expected.length && timingSafeEqual(given, expected)) ok = true;
  }
  return ok ? { valid: true } : { valid: false, reason: 'mismatch' };
}
