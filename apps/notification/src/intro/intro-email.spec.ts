import { describe, expect, it } from 'vitest';
import type { LeadAssigned } from '@baton/domain';
import { BUNDLED_POLICY_DIR, loadNotificationPolicy } from '../policy/policy.js';
import { composeIntro, introDecision, stillWanted } from './intro-email.js';

const { policy, templates } = loadNotificationPolicy(BUNDLED_POLICY_DIR);
const intro = policy.introEmail;

function assigned(change: (a: LeadAssigned) => void = () => undefined): LeadAssigned {
  const a: LeadAssigned = {
    leadId: 'hubspot:contact:51',
    assignmentId: 'a1',
    qualificationId: 'q1',
    crm: { provider: 'hubspot', objectType: 'contact', id: '51' },
    rep: {
      repId: 'ana.silva',
      name: 'Ana Silva',
      email: 'ana.silva@example.com',
      timeZone: 'America/New_York',
    },
    ruleId: 'r',
    pool: 'p',
    strategy: 'weighted_rotation',
    reason: 'next in rotation',
    lead: {
      identity: {
        firstName: 'Priya',
        lastName: 'Raman',
        email: 'priya@northwind.test',
        company: 'Northwind',
        country: 'US',
      },
      firmographics: { segment: 'mid_market' },
      score: 80,
      summary: 's',
      emailOptOut: false,
    },
    assignedAt: '2026-11-23T15:00:00.000Z',
  };
  change(a);
  return a;
}

describe('whether the intro e-mail goes out', () => {
  it('goes out for a new prospect, in the language of the country when the CRM holds none', () => {
    expect(introDecision(assigned(), intro)).toEqual({
      send: true,
      to: 'priya@northwind.test',
      language: 'en',
    });
    expect(
      introDecision(
        assigned((a) => (a.lead.identity.country = 'DE')),
        intro,
      ),
    ).toMatchObject({ language: 'de' });
    expect(
      introDecision(
        assigned((a) => (a.lead.language = 'pt-BR')),
        intro,
      ),
    ).toMatchObject({ language: 'pt-br' });
  });

  it('not for opted-out contacts, existing customers, leads already owned, suppressed domains, no address', () => {
    const reason = (change: (a: LeadAssigned) => void) => {
      const d = introDecision(assigned(change), intro);
      return d.send ? 'send' : d.reason;
    };
    expect(reason((a) => (a.lead.emailOptOut = true))).toBe('the contact opted out of e-mail (CRM)');
    expect(reason((a) => delete a.lead.emailOptOut)).toBe(
      "the contact's e-mail opt-out is not known (lead.emailOptOut not set)",
    );
    expect(
      introDecision(
        assigned((a) => delete a.lead.emailOptOut),
        { ...intro, whenOptOutUnknown: 'send' },
      ).send,
    ).toBe(true);
    expect(reason((a) => (a.lead.existingCustomer = true))).toBe('an existing customer (CRM)');
    expect(reason((a) => (a.strategy = 'existing_owner'))).toBe(
      'already being worked (routing strategy existing_owner)',
    );
    expect(reason((a) => (a.lead.identity.email = 'x@sub.example.org'))).toBe(
      'suppressed domain sub.example.org',
    );
    expect(reason((a) => (a.lead.identity.email = undefined))).toBe('the lead has no e-mail address');
    expect(introDecision(assigned(), { ...intro, customerDomains: ['northwind.test'] })).toEqual({
      send: false,
      reason: 'an existing customer (customer domain)',
    });
  });

  it('is stopped at send time by the rep’s own touch or a reassignment', () => {
    expect(stillWanted({})).toEqual({ send: true });
    expect(stillWanted({ touch: { kind: 'call_logged', at: '2026-11-23T15:02:00Z' } })).toMatchObject({
      send: false,
    });
    expect(stillWanted({ replacedBy: 'a2' })).toEqual({ send: false, reason: 'reassigned (now a2)' });
  });
});

describe('the intro e-mail', () => {
  it('is from the rep, in the most specific template, with the rep’s signature and no blanks', () => {
    const mail = composeIntro(assigned(), templates.policy, 'en', 'en');
    expect(mail.templateId).toBe('default-en');
    expect(mail.from).toEqual({ name: 'Ana Silva', address: 'ana.silva@example.com' });
    expect(mail.subject).toBe('Northwind request, and a quick hello');
    expect(mail.text).toContain('Hi Priya,');
    expect(mail.text).toContain('I saw you were looking into how we could help;');
    expect(mail.text.endsWith('Ana Silva\nana.silva@example.com')).toBe(true);
    const enterprise = composeIntro(
      assigned((a) => (a.lead.firmographics.segment = 'enterprise')),
      templates.policy,
      'en',
      'en',
    );
    expect(enterprise.templateId).toBe('enterprise-en');
    const german = composeIntro(assigned(), templates.policy, 'de', 'en');
    expect(german.subject).toBe('Ihre Anfrage bei Baton');
    expect(german.text).toContain('Hallo Priya Raman,');
    expect(composeIntro(assigned(), templates.policy, 'ja', 'en').templateId).toBe('default-en');
  });
});
