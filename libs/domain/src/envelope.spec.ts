import { describe, expect, it } from 'vitest';
import { EventValidationError, makeEvent, parseEvent } from './envelope.js';
import { ALL_TOPICS, Topics, deadLetterTopic } from './topics.js';
import { isHighIntent, isTouch } from './lifecycle.js';

const crm = { provider: 'hubspot' as const, objectType: 'contact', id: '51' };
const engagement = {
  leadId: 'hubspot:contact:51',
  crm,
  kind: 'demo_requested' as const,
  occurredAt: '2026-11-20T10:00:00.000Z',
  sourceEventId: 'evt-1',
  detail: { title: 'Request a demo' },
};

describe('CloudEvents envelope', () => {
  it('wraps data with type, subject and id, and parses it back', () => {
    const e = makeEvent('baton/crm-connector', {
      topic: Topics.LeadEngagement,
      subject: engagement.leadId,
      data: engagement,
    });
    expect(e).toMatchObject({
      specversion: '1.0',
      type: 'baton.lead.engagement.v1',
      subject: 'hubspot:contact:51',
      source: 'baton/crm-connector',
    });
    const back = parseEvent(Topics.LeadEngagement, JSON.stringify(e));
    expect(back.data.kind).toBe('demo_requested');
    expect(back.id).toBe(e.id);
  });

  it('validates by default and skips the parse only for data the producer marks trusted', () => {
    const extra = { ...engagement, internalNote: 'not in the contract' };
    const validated = makeEvent('baton/x', { topic: Topics.LeadEngagement, subject: 'x', data: extra });
    expect(validated.data).not.toHaveProperty('internalNote');
    const trusted = makeEvent('baton/x', {
      topic: Topics.LeadEngagement,
      subject: 'x',
      data: engagement,
      trusted: true,
    });
    expect(trusted.data).toBe(engagement);
    expect(parseEvent(Topics.LeadEngagement, JSON.stringify(trusted)).data).toEqual(engagement);
  });

  it('rejects data that breaks the schema, naming the field', () => {
    expect(() =>
      makeEvent('baton/x', {
        topic: Topics.LeadEngagement,
        subject: 'x',
        data: { ...engagement, kind: 'nope' as never },
      }),
    ).toThrow();
    const bad = {
      ...makeEvent('baton/x', { topic: Topics.LeadEngagement, subject: engagement.leadId, data: engagement }),
    };
    (bad.data as Record<string, unknown>).leadId = 'not-a-lead';
    try {
      parseEvent(Topics.LeadEngagement, JSON.stringify(bad));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(EventValidationError);
      expect((err as EventValidationError).issues.join()).toContain('data.leadId');
    }
  });

  it('rejects non-JSON, null, a non-CloudEvent and the wrong type', () => {
    expect(() => parseEvent(Topics.LeadEngagement, '{oops')).toThrow('not JSON');
    expect(() => parseEvent(Topics.LeadEngagement, null)).toThrow('no value');
    expect(() => parseEvent(Topics.LeadEngagement, '{"a":1}')).toThrow('CloudEvents');
    const e = makeEvent('baton/x', {
      topic: Topics.LeadEngagement,
      subject: engagement.leadId,
      data: engagement,
    });
    expect(() => parseEvent(Topics.LeadActivity, JSON.stringify(e))).toThrow('wrong event type');
  });

  it('tolerates unknown fields from newer producers and drops them', () => {
    const e = makeEvent('baton/x', {
      topic: Topics.LeadEngagement,
      subject: engagement.leadId,
      data: engagement,
    });
    const raw = JSON.stringify({ ...e, data: { ...e.data, addedLater: true } });
    expect(parseEvent(Topics.LeadEngagement, raw).data).not.toHaveProperty('addedLater');
  });
});

describe('vocabulary', () => {
  it('names every topic once, versioned, with a DLQ beside it', () => {
    expect(new Set(ALL_TOPICS).size).toBe(ALL_TOPICS.length);
    for (const t of ALL_TOPICS) expect(t).toMatch(/\.v\d+$/);
    expect(deadLetterTopic(Topics.LeadQualified)).toBe('lead.qualified.v1.dlq');
  });

  it('counts demo requests as high intent and e-mail opens as soft', () => {
    expect(isHighIntent('demo_requested')).toBe(true);
    expect(isHighIntent('pricing_page_viewed')).toBe(true);
    expect(isHighIntent('email_opened')).toBe(false);
    expect(isTouch('call_logged')).toBe(true);
    expect(isTouch('owner_changed')).toBe(false);
  });
});
