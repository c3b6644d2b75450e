import type { EngagementKind } from '@baton/domain';
import type { ProfileFacts, ScoreResult, Signal } from '../scoring/score.js';

export const SUMMARY_MAX_CHARS = 600;

/** What a summarizer may talk about: the lead's own events, and nothing else. */
export interface JourneyFacts {
  leadId: string;
  signals: readonly Signal[];
  profile?: ProfileFacts;
  /** Id of the profile event the fit facts come from. */
  profileEventId?: string;
  result: ScoreResult;
  asOf: Date;
}

/** One statement of the summary and the events that prove it. */
export interface Claim {
  text: string;
  sourceEventIds: string[];
}

export interface JourneySummary {
  /** The brief, exactly the claims' texts joined with a space. */
  text: string;
  openingLine?: string;
  /** The events the opening line refers to. */
  openingLineSourceEventIds: string[];
  claims: Claim[];
  writtenBy: 'deterministic' | 'llm';
}

export interface Summarizer {
  summarize(facts: JourneyFacts): Promise<JourneySummary>;
}

const VERBS: Record<EngagementKind, string> = {
  demo_requested: 'requested a demo',
  quote_requested: 'requested a quote',
  pricing_page_viewed: 'viewed pricing',
  content_downloaded: 'downloaded',
  meeting_booked: 'booked a meeting',
  trial_started: 'started a trial',
  contact_sales_requested: 'asked to talk to sales',
  form_submitted: 'submitted',
  webinar_attended: 'attended webinar',
  page_viewed: 'viewed',
  email_clicked: 'clicked e-mail',
  custom_event: 'did',
  email_opened: 'opened e-mail',
};

export function ago(at: string, asOf: Date): string {
  const ms = asOf.getTime() - Date.parse(at);
  if (ms < 3_600_000) return `${Math.max(0, Math.round(ms / 60_000))}m ago`;
  if (ms < 86_400_000) return `${Math.round(ms / 3_600_000)}h ago`;
  return `${Math.round(ms / 86_400_000)}d ago`;
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/** What the signal was about, in the prospect's words where we have them. */
function objectOf(s: Signal): string {
  const d = s.detail;
  if (d.title) return `"${d.title}"`;
  if (d.eventName) return d.eventName;
  if (d.url) return pathOf(d.url);
  if (d.campaign) return d.campaign;
  return '';
}

function describe(s: Signal): string {
  const object = objectOf(s);
  return object ? `${VERBS[s.kind]} ${object}` : VERBS[s.kind];
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Keeps whole claims while they fit in the limit. */
export function fitClaims(claims: Claim[], max = SUMMARY_MAX_CHARS): Claim[] {
  const kept: Claim[] = [];
  let length = 0;
  for (const c of claims) {
    const add = (kept.length ? 1 : 0) + c.text.length;
    if (length + add > max) continue;
    kept.push(c);
    length += add;
  }
  return kept;
}

/**
 * Writes the brief from the events alone: high-intent actions with their recency, content
 * read and its theme, pages and forms, fit facts, and an opening line. Every sentence is a
 * claim carrying the ids of the events it states, so the brief can be checked against them.
 */
export class DeterministicSummarizer implements Summarizer {
  summarize(facts: JourneyFacts): Promise<JourneySummary> {
    return Promise.resolve(this.write(facts));
  }

  write(facts: JourneyFacts): JourneySummary {
    const { asOf } = facts;
    const newestFirst = [...facts.signals].sort(
      (a, b) =>
        Date.parse(b.occurredAt) - Date.parse(a.occurredAt) || (a.sourceEventId < b.sourceEventId ? -1 : 1),
    );
    const claims: Claim[] = [];

    // High-intent actions: the latest of each distinct signal, most recent first.
    const intent = facts.result.highIntentSignals
      .map((h) => newestFirst.find((s) => s.kind === h.kind && h.sourceEventIds.includes(s.sourceEventId)))
      .filter((s): s is Signal => s !== undefined)
      .sort((a, b) => Date.parse(b.occurredAt) - Date.parse(a.occurredAt));
    if (intent.length) {
      claims.push({
        text: `${capitalize(intent.map((s) => `${describe(s)} (${ago(s.occurredAt, asOf)})`).join('; '))}.`,
        sourceEventIds: intent.map((s) => s.sourceEventId),
      });
    }

    // Themes of the content they engaged with.
    const themed = newestFirst.filter((s) => s.detail.contentTag);
    const themes = [...new Set(themed.map((s) => s.detail.contentTag!.toLowerCase()))].slice(0, 3);
    if (themes.length) {
      claims.push({
        text: `Themes: ${themes.join(', ')}.`,
        sourceEventIds: themes.map(
          (t) => themed.find((s) => s.detail.contentTag!.toLowerCase() === t)!.sourceEventId,
        ),
      });
    }

    // Pages and forms beyond the high-intent ones.
    const intentIds = new Set(intent.map((s) => s.sourceEventId));
    const pages: Signal[] = [];
    const seenPaths = new Set<string>();
    for (const s of newestFirst) {
      if (s.kind !== 'page_viewed' || !s.detail.url || intentIds.has(s.sourceEventId)) continue;
      const p = pathOf(s.detail.url);
      if (seenPaths.has(p)) continue;
      seenPaths.add(p);
      pages.push(s);
      if (pages.length === 3) break;
    }
    if (pages.length) {
      claims.push({
        text: `Pages: ${pages.map((s) => pathOf(s.detail.url!)).join(', ')}.`,
        sourceEventIds: pages.map((s) => s.sourceEventId),
      });
    }
    const forms = newestFirst
      .filter((s) => s.kind === 'form_submitted' && (s.detail.title || s.detail.formId))
      .slice(0, 2);
    if (forms.length) {
      claims.push({
        text: `Forms: ${forms.map((s) => `${s.detail.title ?? s.detail.formId} (${ago(s.occurredAt, asOf)})`).join(', ')}.`,
        sourceEventIds: forms.map((s) => s.sourceEventId),
      });
    }

    // Fit facts straight from the profile event.
    if (facts.profile && facts.profileEventId) {
      const { identity: id, firmographics: f } = facts.profile;
      const who = [id.title, id.company && `at ${id.company}`].filter(Boolean).join(' ');
      const details = [
        f.employees !== undefined && `${f.employees} employees`,
        f.industry,
        id.country,
      ].filter(Boolean);
      if (who || details.length) {
        const text = `Fit: ${[who, details.length ? `(${details.join(', ')})` : ''].filter(Boolean).join(' ')}.`;
        claims.push({ text, sourceEventIds: [facts.profileEventId] });
      }
    }

    const kept = fitClaims(claims);
    const opening = this.openingLine(newestFirst, intent);
    return {
      text: kept.map((c) => c.text).join(' '),
      openingLine: opening?.text,
      openingLineSourceEventIds: opening?.sourceEventIds ?? [],
      claims: kept,
      writtenBy: 'deterministic',
    };
  }

  private openingLine(newestFirst: Signal[], intent: Signal[]): Claim | undefined {
    const content = newestFirst.find((s) => s.kind === 'content_downloaded' && s.detail.title);
    if (content) {
      const theme = content.detail.contentTag ? ` on ${content.detail.contentTag.toLowerCase()}` : '';
      return {
        text: `I saw you were reading our "${content.detail.title}"${theme}, so I wanted to reach out.`,
        sourceEventIds: [content.sourceEventId],
      };
    }
    const first = intent[0];
    if (!first) return undefined;
    const id = [first.sourceEventId];
    if (first.kind === 'demo_requested') {
      return {
        text: 'Thanks for requesting a demo; I would like to understand what you want to see.',
        sourceEventIds: id,
      };
    }
    if (first.kind === 'pricing_page_viewed') {
      return {
        text: 'I noticed you were looking at our pricing; happy to walk you through the options.',
        sourceEventIds: id,
      };
    }
    return { text: `I saw you ${describe(first)}, so I wanted to reach out.`, sourceEventIds: id };
  }
}
