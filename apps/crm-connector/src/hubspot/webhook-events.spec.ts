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
    expect(parseWebhookBatch(Buffer.from('[{"eventId":1}]'))).toMatchObject({ ok: false });
  });
});
