import { describe, expect, it } from 'vitest';
import {
  NOW,
  engagement,
  hoursAgo,
  profile,
  qualifyingJourney,
  sampleRules,
  signalOf,
} from '../../test/fixtures.js';
import { score, type ProfileFacts, type Signal } from '../scoring/score.js';
import { DeterministicSummarizer, SUMMARY_MAX_CHARS, ago, type Claim, type JourneyFacts } from './summary.js';

const rules = sampleRules();
const lead = 'hubspot:contact:7';
const PROFILE_EVENT = 'profile-event-1';

/** Words the summarizer's templates bring; every other word must come from a cited event. */
const TEMPLATE = new Set(
  `requested a demo quote viewed pricing downloaded booked meeting started trial asked to talk sales submitted attended webinar
   clicked e-mail did opened themes pages forms fit at employees ago i saw you were reading our on so wanted reach out
   thanks for requesting would like understand what want see noticed looking happy walk through the options`.split(
    /\s+/,
  ),
);

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9@.-]+/)
    .map((w) => w.replace(/^[.-]+|[.-]+$/g, ''))
    .filter(Boolean);
}

/** Everything the cited events say, as words (values, URL paths, recency relative to now). */
function evidenceWords(ids: string[], facts: JourneyFacts): Set<string> {
  const out = new Set<string>();
  for (const id of ids) {
    const signal = facts.signals.find((s) => s.sourceEventId === id);
    if (signal) {
      for (const v of Object.values(signal.detail))
        if (typeof v === 'string') words(v).forEach((w) => out.add(w));
      words(ago(signal.occurredAt, facts.asOf)).forEach((w) => out.add(w));
      words(signal.kind.replace(/_/g, ' ')).forEach((w) => out.add(w));
    } else if (id === facts.profileEventId && facts.profile) {
      const { identity, firmographics } = facts.profile;
      for (const v of [...Object.values(identity), ...Object.values(firmographics)])
        words(String(v)).forEach((w) => out.add(w));
    } else {
      throw new Error(`claim cites ${id}, which is not one of the lead's events`);
    }
  }
  return out;
}

function untraceable(claim: Claim, facts: JourneyFacts): string[] {
  const evidence = evidenceWords(claim.sourceEventIds, facts);
  return words(claim.text).filter((w) => !TEMPLATE.has(w) && !evidence.has(w) && !/^\d+[mhd]$/.test(w));
}

function factsFor(signals: Signal[], p?: ProfileFacts): JourneyFacts {
  return {
    leadId: lead,
    signals,
    profile: p,
    profileEventId: p ? PROFILE_EVENT : undefined,
    result: score(signals, p, rules.policy, NOW),
    asOf: NOW,
  };
}

const summarizer = new DeterministicSummarizer();

describe('deterministic journey summary', () => {
  const journey = [
    ...qualifyingJourney(lead).map(signalOf),
    signalOf(
      engagement(lead, 6, 'form_submitted', hoursAgo(30), { title: 'Contact sales', formId: 'contact' }),
    ),
    signalOf(
      engagement(lead, 7, 'page_viewed', hoursAgo(5), { url: 'https://acme.example/integrations/okta' }),
    ),
    signalOf(
      engagement(lead, 8, 'webinar_attended', hoursAgo(90), {
        title: 'Zero trust in practice',
        contentTag: 'Compliance',
      }),
    ),
  ];
  const facts = factsFor(journey, profile(lead, hoursAgo(100)));

  it('tells the rep the high-intent actions with recency, content and theme, pages, forms, fit, and an opening line', async () => {
    const s = await summarizer.summarize(facts);
    expect(s.text).toContain('Requested a demo "Book a demo" (2h ago)');
    expect(s.text).toContain('downloaded "Security whitepaper" (2d ago)');
    expect(s.text).toContain('viewed pricing /pricing (1d ago)');
    expect(s.text).toContain('Themes: security, compliance.');
    expect(s.text).toContain('Pages: /integrations/okta, /product/sso.');
    expect(s.text).toContain('Forms: Contact sales (1d ago)');
    expect(s.text).toContain('Fit: VP Engineering at Acme (1200 employees, Software, DE).');
    expect(s.openingLine).toBe(
      'I saw you were reading our "Security whitepaper" on security, so I wanted to reach out.',
    );
    expect(s.text.length).toBeLessThanOrEqual(SUMMARY_MAX_CHARS);
    expect(s.writtenBy).toBe('deterministic');
  });

  it('states nothing that is not in the cited events: every claim, word by word, and the opening line', async () => {
    const s = await summarizer.summarize(facts);
    expect(s.text).toBe(s.claims.map((c) => c.text).join(' '));
    for (const claim of s.claims) {
      expect(claim.sourceEventIds.length).toBeGreaterThan(0);
      expect(untraceable(claim, facts), claim.text).toEqual([]);
    }
    expect(untraceable({ text: s.openingLine!, sourceEventIds: s.openingLineSourceEventIds }, facts)).toEqual(
      [],
    );
  });

  it('the traceability check catches a claim that states something no cited event says', () => {
    expect(
      untraceable(
        { text: 'Downloaded "Pricing calculator" (2h ago).', sourceEventIds: [`${lead}#5`] },
        facts,
      ),
    ).toEqual(['calculator']);
    expect(() => untraceable({ text: 'Requested a demo.', sourceEventIds: ['made-up'] }, facts)).toThrow(
      /not one of the lead's events/,
    );
  });

  it("never mentions another lead's events, and stays under the limit with a long history", async () => {
    const long = Array.from({ length: 200 }, (_, n) =>
      signalOf(
        engagement(lead, 100 + n, n % 2 ? 'content_downloaded' : 'page_viewed', hoursAgo(n), {
          title: `A rather long asset title number ${n} about data governance and privacy`,
          url: `https://acme.example/resources/a-very-long-path-segment/${n}`,
          contentTag: `theme-${n % 7}`,
        }),
      ),
    );
    const s = await summarizer.summarize(factsFor(long, profile(lead, hoursAgo(1))));
    expect(s.text.length).toBeLessThanOrEqual(SUMMARY_MAX_CHARS);
    const ids = new Set(long.map((l) => l.sourceEventId).concat(PROFILE_EVENT));
    for (const c of s.claims) for (const id of c.sourceEventIds) expect(ids.has(id)).toBe(true);
  });

  it('writes no fit claim without a profile and no opening line without intent', async () => {
    const s = await summarizer.summarize(
      factsFor([signalOf(engagement(lead, 1, 'email_opened', hoursAgo(1), { campaign: 'nov' }))]),
    );
    expect(s.text).toBe('');
    expect(s.openingLine).toBeUndefined();
  });
});
