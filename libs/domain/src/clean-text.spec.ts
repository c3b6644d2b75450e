import { describe, expect, it } from 'vitest';
import { Topics } from './topics.js';
import { cleanText, mayNeedCleaning } from './clean-text.js';
import { makeEvent, parseEvent } from './envelope.js';

describe('text no store can hold', () => {
  it('drops NUL and control characters, replaces lone surrogates, keeps the rest', () => {
    expect(cleanText('Ada\u0000 Lovelace')).toBe('Ada Lovelace');
    expect(cleanText('tab\tnew\nline\r')).toBe('tab\tnew\nline\r');
    expect(cleanText('bad \ud800 half')).toBe('bad \ufffd half');
    expect(cleanText('ok 😀 pair')).toBe('ok 😀 pair');
    expect(cleanText('Zoë Ñúñez')).toBe('Zoë Ñúñez');
  });

  it('is only walked for when the JSON text holds such an escape', () => {
    expect(mayNeedCleaning(JSON.stringify({ a: 'plain', b: 'Zoë 😀' }))).toBe(false);
    expect(mayNeedCleaning(JSON.stringify({ a: 'x\u0000' }))).toBe(true);
    expect(mayNeedCleaning(JSON.stringify({ a: '\udc00' }))).toBe(true);
    expect(mayNeedCleaning(JSON.stringify({ a: 'del\u007f' }))).toBe(true);
    expect(mayNeedCleaning(JSON.stringify({ a: 'form\ffeed' }))).toBe(true);
  });

  it('a consumer gets the event cleaned, not dead-lettered', () => {
    const raw = JSON.stringify(
      makeEvent('baton/test', {
        topic: Topics.LeadProfile,
        subject: 'hubspot:contact:1',
        trusted: true,
        data: {
          leadId: 'hubspot:contact:1',
          crm: { provider: 'hubspot', objectType: 'contact', id: '1' },
          change: 'created',
          occurredAt: '2026-11-23T14:00:00.000Z',
          identity: { firstName: 'Ada\u0000', lastName: 'Love\ud800lace', email: 'ada@example.com' },
          firmographics: {},
        },
      }),
    );
    const e = parseEvent(Topics.LeadProfile, raw);
    expect(e.data.identity.firstName).toBe('Ada');
    expect(e.data.identity.lastName).toBe('Love\ufffdlace');
  });
});
