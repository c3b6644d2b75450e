import { z } from 'zod';
import { JsonLogger, counter } from '@baton/observability';
import {
  SUMMARY_MAX_CHARS,
  fitClaims,
  type JourneyFacts,
  type JourneySummary,
  type Summarizer,
} from './summary.js';

export interface LlmSettings {
  apiUrl: string;
  apiKey?: string;
  model: string;
  timeoutMs: number;
}

const fallbacks = counter(
  'baton_scoring_summary_fallbacks_total',
  'LLM summaries replaced by the deterministic one',
  ['cause'],
);

const AnswerSchema = z.object({
  claims: z.array(z.object({ text: z.string().min(1), sourceEventIds: z.array(z.string()).min(1) })).min(1),
  openingLine: z.string().optional(),
  openingLineSourceEventIds: z.array(z.string()).default([]),
});

const ChatCompletionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string() }) })).min(1),
});

const INSTRUCTIONS = `You write a brief for a sales rep about a lead, from the JSON facts given.
Answer with JSON only: {"claims":[{"text":"...","sourceEventIds":["..."]}],"openingLine":"...","openingLineSourceEventIds":["..."]}.
Each claim is one short sentence stating only what the listed events (by their "id") say. Never state a fact that is not in the events.
Cover the high-intent actions with how recent they are, the content and its theme, pages and forms, and fit facts.
The claims together stay under ${SUMMARY_MAX_CHARS} characters. The opening line is one sentence the rep can say first.`;

/** The facts as the model sees them: each with the id it must cite. */
export function promptFacts(facts: JourneyFacts): unknown {
  return {
    now: facts.asOf.toISOString(),
    events: facts.signals.map((s) => ({
      id: s.sourceEventId,
      kind: s.kind,
      occurredAt: s.occurredAt,
      ...s.detail,
    })),
    profile:
      facts.profile && facts.profileEventId ? { id: facts.profileEventId, ...facts.profile } : undefined,
    score: facts.result.score,
    breakdown: facts.result.breakdown.map((b) => ({ label: b.label, points: b.points })),
  };
}

/**
 * A summarizer backed by an OpenAI-compatible chat completions endpoint. Its answer is only
 * accepted when every claim cites events the lead really has and the brief fits the limit;
 * on any error, timeout or unproven claim, the deterministic summary is used instead.
 */
export class LlmSummarizer implements Summarizer {
  private readonly log = new JsonLogger('scoring.llm-summarizer');

  constructor(
    private readonly settings: LlmSettings,
    private readonly fallback: Summarizer,
  ) {}

  async summarize(facts: JourneyFacts): Promise<JourneySummary> {
    try {
      return await this.ask(facts);
    } catch (err) {
      const cause = err instanceof Error && err.name === 'TimeoutError' ? 'timeout' : 'error';
      fallbacks.inc({ cause });
      this.log.warn('llm summary rejected; using the deterministic one', {
        leadId: facts.leadId,
        cause,
        error: (err as Error).message,
      });
      return this.fallback.summarize(facts);
    }
  }

  private async ask(facts: JourneyFacts): Promise<JourneySummary> {
    const response = await fetch(`${this.settings.apiUrl.replace(/\/$/, '')}/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.settings.apiKey ? { authorization: `Bearer ${this.settings.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model: this.settings.model,
        temperature: 0,
        response_format: { type: 'json_object' },
        messages: [
          { role: 'system', content: INSTRUCTIONS },
          { role: 'user', content: JSON.stringify(promptFacts(facts)) },
        ],
      }),
      signal: AbortSignal.timeout(this.settings.timeoutMs),
    });
    if (!response.ok) throw new Error(`LLM endpoint answered ${response.status}`);
    const completion = ChatCompletionSchema.parse(await response.json());
    const answer = AnswerSchema.parse(JSON.parse(completion.choices[0].message.content));

    const known = new Set(facts.signals.map((s) => s.sourceEventId));
    if (facts.profileEventId) known.add(facts.profileEventId);
    const unproven = [
      ...answer.claims.flatMap((c) => c.sourceEventIds),
      ...answer.openingLineSourceEventIds,
    ].filter((id) => !known.has(id));
    if (unproven.length) throw new Error(`claims cite events the lead does not have: ${unproven.join(', ')}`);
    if (answer.openingLine && answer.openingLineSourceEventIds.length === 0)
      throw new Error('opening line cites no event');

    const claims = fitClaims(
      answer.claims.map((c) => ({ text: c.text.trim(), sourceEventIds: c.sourceEventIds })),
    );
    if (claims.length === 0) throw new Error('no claim fits the length limit');
    return {
      text: claims.map((c) => c.text).join(' '),
      openingLine: answer.openingLine,
      openingLineSourceEventIds: answer.openingLineSourceEventIds,
      claims,
      writtenBy: 'llm',
    };
  }
}
