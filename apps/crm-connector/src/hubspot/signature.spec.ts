import { Signature } from '@hubspot/api-client';
import { describe, expect, it } from 'vitest';
import { hubspotDecodedUri, signV3, verifyHubSpotSignature } from './signature.js';

const secret = 'client-secret-123';
const body = Buffer.from(
  '[{"eventId":1,"subscriptionType":"contact.creation","objectId":51,"occurredAt":1700000000000}]',
);
const now = 1_763_900_000_000;

function signed(uri: string, ts = String(now), b = body) {
  return {
    method: 'POST',
    uri,
    rawBody: b,
    timestamp: ts,
    signature: signV3(secret, 'POST', uri, b, ts).toString('base64'),
  };
}

describe('HubSpot v3 signature', () => {
  it('accepts a valid signature and agrees with the official SDK', () => {
    const req = signed('https://baton.example.com/webhooks/hubspot');
    expect(verifyHubSpotSignature(req, secret, now)).toEqual({ valid: true });
    // The SDK checks the timestamp against its own clock, so compare at the current time.
    const ts = Date.now();
    const signature = signV3(secret, 'POST', req.uri, body, String(ts)).toString('base64');
    expect(
      Signature.isValid({
        signatureVersion: 'v3',
        method: 'POST',
        clientSecret: secret,
        requestBody: body.toString('utf8'),
        url: req.uri,
        timestamp: ts,
        signature,
      }),
    ).toBe(true);
    expect(verifyHubSpotSignature({ ...req, timestamp: String(ts), signature }, secret, ts)).toEqual({
      valid: true,
    });
  });

  it('rejects a forged body, a wrong secret and a missing header', () => {
    const req = signed('https://baton.example.com/webhooks/hubspot');
    expect(
      verifyHubSpotSignature(
        { ...req, rawBody: Buffer.from(body.toString().replace('51', '52')) },
        secret,
        now,
      ),
    ).toEqual({ valid: false, reason: 'mismatch' });
    expect(verifyHubSpotSignature(req, 'other-secret', now)).toEqual({ valid: false, reason: 'mismatch' });
    expect(verifyHubSpotSignature({ ...req, signature: undefined }, secret, now)).toEqual({
      valid: false,
      reason: 'missing',
    });
    expect(verifyHubSpotSignature({ ...req, signature: 'bm90LWEtc2lnbmF0dXJl' }, secret, now)).toEqual({
      valid: false,
      reason: 'mismatch',
    });
  });

  it('rejects timestamps more than five minutes away, accepts just inside', () => {
    const stale = signed('https://baton.example.com/webhooks/hubspot', String(now - 5 * 60_000 - 1));
    expect(verifyHubSpotSignature(stale, secret, now)).toEqual({ valid: false, reason: 'stale' });
    const future = signed('https://baton.example.com/webhooks/hubspot', String(now + 5 * 60_000 + 1));
    expect(verifyHubSpotSignature(future, secret, now)).toEqual({ valid: false, reason: 'stale' });
    const edge = signed('https://baton.example.com/webhooks/hubspot', String(now - 5 * 60_000 + 1000));
    expect(verifyHubSpotSignature(edge, secret, now)).toEqual({ valid: true });
  });

  it('signs over the query string, in the encoded or the HubSpot-decoded form', () => {
    const encoded = 'https://baton.example.com/webhooks/hubspot?portal=42&next=%2Fleads%3Fa%3Db';
    expect(hubspotDecodedUri(encoded)).toBe(
      'https://baton.example.com/webhooks/hubspot?portal=42&next=/leads?a%3Db',
    );
    const byHubSpot = signed(hubspotDecodedUri(encoded));
    expect(verifyHubSpotSignature({ ...byHubSpot, uri: encoded }, secret, now)).toEqual({ valid: true });
    const plain = signed(encoded);
    expect(verifyHubSpotSignature(plain, secret, now)).toEqual({ valid: true });
    const withoutQuery = signed('https://baton.example.com/webhooks/hubspot');
    expect(verifyHubSpotSignature({ ...withoutQuery, uri: encoded }, secret, now)).toEqual({
      valid: false,
      reason: 'mismatch',
    });
  });
});
