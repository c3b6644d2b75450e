import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventValidationError, makeEvent, parseEvent } from './envelope.js';
import { ALL_TOPICS, Topics } from './topics.js';

// Strings as CRMs can fill them: any code unit, NUL and lone surrogates included.
const crmText = fc.string({ unit: 'binary', maxLength: 40 });
const anyJson = fc.jsonValue({ maxDepth: 6 });

describe('events from anywhere (fuzz)', () => {
  it('any message on any topic parses to a valid event or an EventValidationError, never anything else', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALL_TOPICS), anyJson, fc.boolean(), (topic, data, envelope) => {
        const raw = envelope
          ? JSON.stringify({
              specversion: '1.0',
              id: 'e1',
              source: 'baton/fuzz',
              type: `baton.${topic}`,
              subject: 'hubspot:contact:1',
              time: '2026-11-23T15:00:00.000Z',
              datacontenttype: 'application/json',
              data,
            })
          : JSON.stringify(data);
        try {
          const e = parseEvent(topic, raw);
          const text = JSON.stringify(e.data);
          expect(text.includes('\\u0000')).toBe(false);
          expect(text.isWellFormed()).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(EventValidationError);
        }
      }),
      { numRuns: 10_000 },
    );
  });

  it('a profile whose fields hold NUL, controls or lone surrogates is kept, cleaned', () => {
    fc.assert(
      fc.property(crmText, crmText, crmText, (firstName, company, title) => {
        const raw = JSON.stringify(
          makeEvent('baton/fuzz', {
            topic: Topics.LeadProfile,
            subject: 'hubspot:contact:7',
            trusted: true,
            data: {
              leadId: 'hubspot:contact:7',
              crm: { provider: 'hubspot', objectType: 'contact', id: '7' },
              change: 'updated',
              occurredAt: '2026-11-23T14:00:00.000Z',
              identity: { firstName, company, title, email: 'x@example.com' },
              firmographics: {},
            },
          }),
        );
        const e = parseEvent(Topics.LeadProfile, raw);
        for (const v of [e.data.identity.firstName, e.data.identity.company, e.data.identity.title]) {
          expect(v ?? '').not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/);
          expect((v ?? '').isWellFormed()).toBe(true);
        }
      }),
      { numRuns: 10_000 },
    );
  });
});
