import { describe, expect, it } from 'vitest';
import { parseScoringRules, type ScoringPolicy } from '../policy/scoring-policy.js';
import { judgeEvidence, nextStage } from '../lifecycle/qualification.js';
import {
  NOW,
  engagement,
  hoursAgo,
  profile,
  qualifyingJourney,
  sampleRules,
  signalOf,
} from '../../test/fixtures.js';
import { score, type Signal } from './score.js';

const rules = sampleRules();
const lead = 'hubspot:contact:1';
const DAY = 24;

function policy(yaml: string): ScoringPolicy {
  return parseScoringRules('test.yaml', yaml).policy;
}

const small = policy(`
version: t
thresholds: { sql: 50, mql: 20, minHighIntentSignals: 2 }
totalCap: 60
groups:
  intent: { cap: 40 }
  web: { cap: 10, decay: { halfLifeDays: 10 } }
  mail: { decay: { expireAfterDays: 7 } }
  fit: {}
engagementRules:
  - { id: pricing-url, label: Pricing page, group: intent, kind: page_viewed, match: { urlPattern: "/pricing" }, points: 15 }
  - { id: page, label: Page, group: web, kind: page_viewed, points: 3 }
  - { id: demo, label: Demo, group: intent, kind: demo_requested, points: 30, cap: 30 }
  - { id: whitepaper, label: Security content, group: intent, kind: content_downloaded, match: { contentTag: security }, points: 12 }
  - { id: form, label: Contact form, group: intent, kind: form_submitted, match: { formId: contact-us }, points: 10 }
  - { id: click, label: Click, group: mail, kind: email_clicked, match: { campaign: q4-launch }, points: 4 }
  - { id: open, label: Open, group: mail, kind: email_opened, points: 0 }
  - { id: webhook, label: Used API, group: intent, kind: custom_event, match: { eventName: api_key_created }, points: 9 }
fitRules:
  - { id: size, label: Mid-size, group: fit, when: { employees: { min: 100, max: 1000 } }, points: 10 }
  - { id: saas, label: Software, group: fit, when: { industries: [software] }, points: 5 }
  - { id: country, label: Country, group: fit, when: { countries: [DE] }, points: 5 }
  - { id: senior, label: Senior, group: fit, when: { titlePatterns: ["\\\\bvp\\\\b", "director"] }, points: 8 }
  - { id: freemail, label: Free mail, group: fit, when: { emailDomains: [gmail.com] }, points: -15 }
  - { id: competitor, label: Competitor, group: fit, when: { emailDomains: [rival.example] }, points: -40, disqualifying: true }
recycling: { nurtureProgram: n }
`);

const at = (h: number) => hoursAgo(h);
const s = (n: number, kind: Signal['kind'], h: number, detail: Signal['detail'] = {}) =>
  signalOf(engagement(lead, n, kind, at(h), detail));

describe('engagement rules', () => {
  it('gives each signal the points of the first matching rule, with URL, form, tag, campaign and event filters', () => {
    const r = score(
      [
        s(1, 'page_viewed', 0, { url: 'https://x.example/pricing' }),
        s(2, 'page_viewed', 0, { url: 'https://x.example/blog' }),
        s(3, 'content_downloaded', 0, { contentTag: 'Security' }),
        s(4, 'content_downloaded', 0, { contentTag: 'hr' }),
        s(5, 'form_submitted', 0, { formId: 'contact-us' }),
        s(6, 'form_submitted', 0, { formId: 'newsletter' }),
        s(7, 'email_clicked', 0, { campaign: 'q4-launch' }),
        s(8, 'custom_event', 0, { eventName: 'api_key_created' }),
      ],
      undefined,
      small,
      NOW,
    );
    const points = Object.fromEntries(r.breakdown.map((b) => [b.ruleId, b.points]));
    expect(points).toMatchObject({
      'pricing-url': 15,
      page: 3,
      whitepaper: 12,
      form: 10,
      click: 4,
      webhook: 9,
    });
    expect(r.matchedRules.get(`${lead}#4`)).toBeUndefined();
    expect(r.matchedRules.get(`${lead}#6`)).toBeUndefined();
    expect(r.matchedRules.get(`${lead}#1`)).toBe('pricing-url');
  });

  it('counts soft signals (e-mail opens) for nothing', () => {
    const r = score(
      [1, 2, 3, 4, 5].map((n) => s(n, 'email_opened', 1)),
      undefined,
      small,
      NOW,
    );
    expect(r.score).toBe(0);
    expect(r.breakdown).toEqual([expect.objectContaining({ ruleId: 'open', points: 0, occurrences: 5 })]);
  });
});

describe('caps', () => {
  it('caps a rule, then its group, then the total, and shows each cap as a breakdown line', () => {
    const demos = [1, 2, 3].map((n) => s(n, 'demo_requested', 0));
    expect(score(demos, undefined, small, NOW).breakdown).toEqual([
      expect.objectContaining({ ruleId: 'demo', points: 30, occurrences: 3 }),
    ]);

    const pages = Array.from({ length: 10 }, (_, n) =>
      s(n, 'page_viewed', 0, { url: `https://x.example/p${n}` }),
    );
    const web = score(pages, undefined, small, NOW);
    expect(web.score).toBe(10);
    expect(web.breakdown.find((b) => b.ruleId === 'cap:web')!.points).toBe(-20);

    const lots = [
      ...demos,
      s(10, 'page_viewed', 0, { url: '/pricing' }),
      s(11, 'content_downloaded', 0, { contentTag: 'security' }),
      ...pages,
    ];
    const r = score(
      lots,
      profile(lead, at(1), { identity: {}, firmographics: { employees: 500, industry: 'Software' } }),
      small,
      NOW,
    );
    // intent 57 -> 40, web 10, fit 15 = 65 -> total cap 60
    expect(r.score).toBe(60);
    expect(r.breakdown.find((b) => b.ruleId === 'cap:intent')!.points).toBe(-17);
    expect(r.breakdown.find((b) => b.ruleId === 'cap:total')!.points).toBe(-5);
    expect(r.breakdown.reduce((a, b) => a + b.points, 0)).toBeCloseTo(r.score, 5);
  });
});

describe('decay', () => {
  it('halves points every half-life and drops expired ones', () => {
    expect(score([s(1, 'page_viewed', 10 * DAY, { url: '/a' })], undefined, small, NOW).score).toBe(1.5);
    expect(score([s(1, 'page_viewed', 20 * DAY, { url: '/a' })], undefined, small, NOW).score).toBe(0.8);
    expect(
      score([s(1, 'email_clicked', 6 * DAY, { campaign: 'q4-launch' })], undefined, small, NOW).score,
    ).toBe(4);
    expect(
      score([s(1, 'email_clicked', 8 * DAY, { campaign: 'q4-launch' })], undefined, small, NOW).score,
    ).toBe(0);
  });

  it('is computed against the moment of scoring, so the same events score lower later', () => {
    const events = qualifyingJourney(lead).map(signalOf);
    const now = score(events, undefined, rules.policy, NOW).score;
    const later = score(events, undefined, rules.policy, new Date(NOW.getTime() + 60 * 86_400_000)).score;
    expect(later).toBeLessThan(now);
  });

  it('resets or decays engagement before a recycle, and only counts fresh high-intent signals', () => {
    const events = [
      s(1, 'demo_requested', 100),
      s(2, 'page_viewed', 100, { url: '/pricing' }),
      s(3, 'demo_requested', 1),
    ];
    const since = hoursAgo(50);
    const reset = score(events, undefined, small, NOW, { since, keepFraction: 0 });
    const halved = score(events, undefined, small, NOW, { since, keepFraction: 0.5 });
    const plain = score(events, undefined, small, NOW);
    expect(plain.score).toBe(40);
    expect(reset.score).toBe(30);
    expect(halved.score).toBe(37.5);
    expect(reset.highIntentSignals.map((h) => h.kind)).toEqual(['demo_requested']);
  });
});

describe('fit rules', () => {
  const base = profile(lead, at(1), {
    identity: { email: 'ana@acme.example', title: 'VP of Sales', country: 'DE' },
    firmographics: { employees: 300, industry: 'SOFTWARE' },
  });

  it('adds size, industry, country and seniority points', () => {
    const r = score([], base, small, NOW);
    expect(r.breakdown.map((b) => b.ruleId)).toEqual(['size', 'saas', 'country', 'senior']);
    expect(r.score).toBe(28);
  });

  it('takes points off for free mail and blocks qualification for a competitor', () => {
    const free = score([], { ...base, identity: { ...base.identity, email: 'ana@gmail.com' } }, small, NOW);
    expect(free.score).toBe(13);
    expect(free.disqualifyingFitRules).toEqual([]);
    const rival = score(
      [],
      { ...base, identity: { ...base.identity, email: 'ana@Rival.example' } },
      small,
      NOW,
    );
    expect(rival.score).toBe(-12);
    expect(rival.disqualifyingFitRules).toEqual(['competitor']);
  });

  it('does not match range or list conditions when the fact is unknown', () => {
    const r = score([], profile(lead, at(1), { identity: {}, firmographics: {} }), small, NOW);
    expect(r.breakdown).toEqual([]);
  });
});

describe('qualification definition', () => {
  const known = profile(lead, at(1), {
    identity: { email: 'a@acme.example' },
    firmographics: { employees: 500 },
  });
  const strong = [s(1, 'demo_requested', 1), s(2, 'page_viewed', 2, { url: '/pricing' })];

  it('needs the score AND the distinct high-intent signals AND no disqualifying fit AND a profile', () => {
    // intent 45 capped to 40, +10 fit = 50, but 1 high-intent kind (page_viewed is medium intent): MQL only
    const r1 = score(strong, known, small, NOW);
    expect(r1.score).toBe(50);
    expect(judgeEvidence(r1, small)).toEqual({ level: 'mql', missing: ['1 of 2 high-intent signals'] });
    expect(judgeEvidence(score(strong, undefined, small, NOW), small)).toEqual({
      level: 'mql',
      missing: ['score 40 < 50', '1 of 2 high-intent signals', 'no CRM profile yet'],
    });

    const withDownload = [...strong, s(3, 'content_downloaded', 3, { contentTag: 'security' })];
    expect(judgeEvidence(score(withDownload, known, small, NOW), small)).toEqual({ level: 'sql' });
    expect(judgeEvidence(score(withDownload, undefined, small, NOW), small).level).toBe('mql');

    const many = [1, 2, 3, 4, 5].map((n) => s(n, 'page_viewed', 1, { url: '/pricing' }));
    const manyPages = score([...many, s(9, 'demo_requested', 1)], known, small, NOW);
    expect(manyPages.score).toBe(50);
    expect(judgeEvidence(manyPages, small).level).toBe('mql'); // many views of one page are one signal

    const rival = profile(lead, at(1), { identity: { email: 'x@rival.example' }, firmographics: {} });
    const blocked = score(
      [...withDownload, s(10, 'form_submitted', 1, { formId: 'contact-us' })],
      rival,
      small,
      NOW,
    );
    expect(judgeEvidence(blocked, small).level).not.toBe('sql');
  });

  it('defaults to 50 points and 3 high-intent signals', () => {
    const p = policy(`
version: d
groups: { g: {} }
engagementRules: [{ id: r, label: R, group: g, kind: demo_requested, points: 1 }]
recycling: { nurtureProgram: n }
`);
    expect(p.thresholds).toEqual({ sql: 50, mql: 25, minHighIntentSignals: 3, requireProfile: true });
    expect(p.recycling.nurtureReasons).toEqual(['timing']);
  });

  it('moves stages only forward along the state machine', () => {
    expect(nextStage('lead', { level: 'sql' })).toBe('sql');
    expect(nextStage('subscriber', { level: 'mql', missing: [] })).toBe('mql');
    expect(nextStage('nurture', { level: 'sql' })).toBe('sql');
    expect(nextStage('mql', { level: 'mql', missing: [] })).toBeUndefined();
    expect(nextStage('sql', { level: 'sql' })).toBeUndefined();
    expect(nextStage('opportunity', { level: 'sql' })).toBeUndefined();
    expect(nextStage('disqualified', { level: 'sql' })).toBeUndefined();
    expect(nextStage('customer', { level: 'mql', missing: [] })).toBeUndefined();
  });
});

describe('order independence', () => {
  it('gives the same score and breakdown for every arrival order', () => {
    const journey = [
      ...qualifyingJourney(lead).map(signalOf),
      s(10, 'page_viewed', 5, { url: 'https://acme.example/product/a' }),
      s(11, 'page_viewed', 5, { url: 'https://acme.example/product/b' }),
      s(12, 'webinar_attended', 30),
      s(13, 'email_clicked', 3),
    ];
    const p = profile(lead, at(1));
    const expected = score(journey, p, rules.policy, NOW);
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let i = 0; i < 50; i++) {
      const shuffled = [...journey].sort(() => random() - 0.5);
      const r = score(shuffled, p, rules.policy, NOW);
      expect(r.score).toBe(expected.score);
      expect(r.breakdown).toEqual(expected.breakdown);
      expect(r.highIntentSignals).toEqual(expected.highIntentSignals);
    }
  });
});
