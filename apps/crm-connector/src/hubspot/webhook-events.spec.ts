import { describe, expect, it } from 'vitest';
import { actorOfChange, isOwnChange, parseWebhookBatch, userIdsOf } from './webhook-events.js';

describe('who made a HubSpot change', () => {
  const owners = (userId: string) => ({ '9001': '1001' })[userId];

  it('reads a person from sourceId userId:<id>, with their owner id when known', () => {
    expect(actorOfChange({ changeSource: 'CRM_UI', sourceId: 'userId:9001' }, '777', owners)).toEqual({
      kind: 'person',
      userId: '9001',
      ownerId: '1001',
      source: 'CRM_UI',
    });
    expect(actorOfChange({ changeSource: 'CRM', sourceId: 'userId:5' }, '777', owners)).toEqual({
      kind: 'person',
      userId: '5',
      source: 'CRM',
    });
    expect(actorOfChange({ changeSource: 'MOBILE_IOS' })).toEqual({ kind: 'person', source: 'MOBILE_IOS' });
  });

  it("tells Baton's own app from other integrations, imports and workflows", () => {
    expect(actorOfChange({ changeSource: 'INTEGRATION', sourceId: '777' }, '777')).toEqual({
      kind: 'baton',
      source: 'INTEGRATION',
      integrationId: '777',
    });
    expect(isOwnChange({ changeSource: 'API', sourceId: 'app:777' }, '777')).toBe(true);
    expect(actorOfChange({ changeSource: 'INTEGRATION', sourceId: '4242' }, '777')).toEqual({
      kind: 'integration',
      source: 'INTEGRATION',
      integrationId: '4242',
    });
    expect(actorOfChange({ changeSource: 'IMPORT' }, '777')).toEqual({
      kind: 'integration',
      source: 'IMPORT',
    });
    expect(actorOfChange({ changeSource: 'WORKFLOWS' }, '777')).toEqual({
      kind: 'integration',
      source: 'WORKFLOWS',
    });
    expect(actorOfChange({}, '777')).toBeUndefined();
  });

  it('lists the users behind a delivery once each', () => {
    expect(userIdsOf([{ sourceId: 'userId:1' }, { sourceId: 'userId:1' }, { sourceId: '777' }, {}])).toEqual([
      '1',
    ]);
  });
});

describe('webhook bodies', () => {
  it('rejects what is not a batch of events, saying why', () => {
    expect(parseWebhookBatch(Buffer.from('{nope'))).toEqual({ ok: false, problem: 'body is not JSON' });
    expect(parseWebhookBatch(Buffer.from('[]'))).toMatchObject({ ok: false });
    expect(parseWebhookBatch(Buffer.from('{"eventId":1}'))).toMatchObject({ ok: false });
  });

  const now = Date.UTC(2026, 11, 1);
  const valid = { eventId: 1, subscriptionType: 'contact.creation', objectId: 7, occurredAt: now - 1000 };

  it('sets aside each event that is not one, keeping the others of the batch', () => {
    const parsed = parseWebhookBatch(Buffer.from(JSON.stringify([{ eventId: 2 }, valid])), now);
    expect(parsed).toMatchObject({ ok: true, events: [valid], rejected: [{ eventId: '2' }] });
  });

  it('bounds occurredAt to 2000-01-01 … now + 1 day (a date function must never throw on it)', () => {
    const at = (occurredAt: number) =>
      parseWebhookBatch(Buffer.from(JSON.stringify([{ ...valid, occurredAt }])), now);
    for (const bad of [8.64e15 + 1, Number.MAX_SAFE_INTEGER, Date.UTC(1999, 11, 31), -1, now + 86_400_001])
      expect(at(bad)).toMatchObject({ ok: true, events: [], rejected: [{ reason: /occurredAt/ }] });
    expect(at(now + 60_000)).toMatchObject({
      ok: true,
      events: [{ occurredAt: now + 60_000 }],
      rejected: [],
    });
  });

  it('cleans NUL, controls and lone surrogates (keeping the event), cuts long strings, sets aside deep nesting', () => {
    const deep = `${'['.repeat(100_000)}"bottom"${']'.repeat(100_000)}`;
    const body = `[${JSON.stringify({ ...valid, propertyName: 'first\u0000name', propertyValue: 'A\ud800\u0007da', note: 'x'.repeat(20_000) })},${JSON.stringify({ ...valid, eventId: 3 }).slice(0, -1)},"nested":${deep}}]`;
    const parsed = parseWebhookBatch(Buffer.from(body), now);
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(parsed.events).toHaveLength(1);
    expect(parsed.events[0]).toMatchObject({ propertyName: 'firstname', propertyValue: 'A\ufffdda' });
    expect(parsed.events[0].note as string).toHaveLength(10_000);
    expect(parsed.rejected).toEqual([
      { eventId: '3', reason: 'nested deeper than 16 levels', raw: expect.any(String) },
    ]);
    expect(parsed.rejected[0].raw.length).toBeLessThanOrEqual(8_192);
  });

  it('refuses ids that are not HubSpot ids (huge numbers, non-digits)', () => {
    for (const eventId of [1e300, '1e5', -4, 1.5, 'abc'])
      expect(parseWebhookBatch(Buffer.from(JSON.stringify([{ ...valid, eventId }])), now)).toMatchObject({
        ok: true,
        events: [],
        rejected: [{ reason: /eventId/ }],
      });
  });
});
