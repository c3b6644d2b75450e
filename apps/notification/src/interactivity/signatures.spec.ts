import { describe, expect, it } from 'vitest';
import { slackSignature } from '@baton/chat-sandbox';
import { signLink, verifyLink } from './signed-link.js';
import { verifySlackSignature } from './slack-signature.js';

describe('Slack request signatures', () => {
  const secret = 'shh';
  const body = Buffer.from('payload=%7B%22type%22%3A%22block_actions%22%7D');
  const ts = 1_796_000_000;
  const now = new Date(ts * 1000 + 60_000);

  it('accepts Slack’s v0 signature over the raw body within 5 minutes', () => {
    expect(
      verifySlackSignature(
        secret,
        { signature: slackSignature(secret, ts, body), timestamp: String(ts) },
        body,
        now,
      ),
    ).toEqual({
      valid: true,
    });
  });

  it('refuses another secret, a changed body, a stale or future timestamp, missing headers', () => {
    const signature = slackSignature(secret, ts, body);
    expect(verifySlackSignature('other', { signature, timestamp: String(ts) }, body, now)).toEqual({
      valid: false,
      reason: 'mismatch',
    });
    expect(
      verifySlackSignature(
        secret,
        { signature, timestamp: String(ts) },
        Buffer.from(`${body.toString()}x`),
        now,
      ),
    ).toMatchObject({
      reason: 'mismatch',
    });
    expect(
      verifySlackSignature(secret, { signature, timestamp: String(ts) }, body, new Date(ts * 1000 + 301_000)),
    ).toMatchObject({
      reason: 'stale',
    });
    expect(
      verifySlackSignature(secret, { signature, timestamp: String(ts) }, body, new Date(ts * 1000 - 301_000)),
    ).toMatchObject({
      reason: 'stale',
    });
    expect(verifySlackSignature(secret, { timestamp: String(ts) }, body, now)).toMatchObject({
      reason: 'missing',
    });
    expect(verifySlackSignature(secret, { signature, timestamp: 'soon' }, body, now)).toMatchObject({
      reason: 'missing',
    });
    expect(
      verifySlackSignature(secret, { signature: 'v0=short', timestamp: String(ts) }, body, now),
    ).toMatchObject({ reason: 'mismatch' });
  });
});

describe('signed action links', () => {
  const secret = 'link-secret-0123456789abcdefghijklmnop';
  const now = new Date('2026-11-23T15:00:00.000Z');
  const payload = { d: 'delivery-1', a: 'accepted' as const, e: now.getTime() / 1000 + 3600 };

  it('round-trips until the expiry', () => {
    const token = signLink(secret, payload);
    expect(verifyLink(secret, token, now)).toEqual({ valid: true, payload });
    expect(verifyLink(secret, token, new Date(now.getTime() + 3_601_000))).toEqual({
      valid: false,
      reason: 'expired',
    });
  });

  it('refuses a token changed in any way, or signed with another secret', () => {
    const token = signLink(secret, payload);
    const [body, sig] = token.split('.');
    const other = Buffer.from(JSON.stringify({ ...payload, a: 'not_mine' })).toString('base64url');
    expect(verifyLink(secret, `${other}.${sig}`, now)).toEqual({ valid: false, reason: 'mismatch' });
    expect(verifyLink('another-secret-0123456789abcdefghijkl', token, now)).toEqual({
      valid: false,
      reason: 'mismatch',
    });
    expect(verifyLink(secret, body, now)).toEqual({ valid: false, reason: 'malformed' });
    expect(verifyLink(secret, `${token}.x`, now)).toEqual({ valid: false, reason: 'malformed' });
  });
});
