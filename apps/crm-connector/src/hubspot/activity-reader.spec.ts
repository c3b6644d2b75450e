import { describe, expect, it } from 'vitest';
import { toActivity } from './activity-reader.js';

const crm = { provider: 'hubspot' as const, objectType: 'contact', id: '51' };
const now = new Date('2026-11-23T12:00:00.000Z');

describe('logged HubSpot engagements as rep activity', () => {
  it('names the kind by object type and keys the event by the engagement', () => {
    const a = toActivity(
      'hubspot:contact:51',
      crm,
      { type: 'emails', id: '7', occurredAt: '2026-11-23T09:00:00.000Z', ownerId: '11', subject: 'Pricing' },
      now,
    );
    expect(a).toEqual({
      id: 'hubspot:contact:51/activity/email_logged/hubspot:emails:7',
      data: {
        leadId: 'hubspot:contact:51',
        crm,
        kind: 'email_logged',
        occurredAt: '2026-11-23T09:00:00.000Z',
        sourceEventId: 'hubspot:emails:7',
        actorOwnerId: '11',
        actor: { kind: 'person', ownerId: '11' },
        subject: 'Pricing',
      },
    });
  });

  it('falls back to the read time when the rep gave none, and leaves out what HubSpot did not say', () => {
    const a = toActivity('hubspot:contact:51', crm, { type: 'calls', id: '8' }, now);
    expect(a.data).toEqual({
      leadId: 'hubspot:contact:51',
      crm,
      kind: 'call_logged',
      occurredAt: now.toISOString(),
      sourceEventId: 'hubspot:calls:8',
    });
  });

  it('cleans and caps the title a rep typed', () => {
    const a = toActivity(
      'hubspot:contact:51',
      crm,
      { type: 'calls', id: '9', subject: `Call\u0000 ${'x'.repeat(5_000)}` },
      now,
    );
    expect(a.data.subject).toHaveLength(500);
    expect(a.data.subject!.startsWith('Call x')).toBe(true);
  });
});
