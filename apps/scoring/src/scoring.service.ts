import {
  Topics,
  type CloudEvent,
  type EventOf,
  type LeadActivity,
  type LeadEngagement,
  type LeadProfile,
  type TopicName,
} from '@baton/domain';
import type { EventConsumer } from '@baton/kafka';
import { ServiceRuntime, systemClock, type Clock } from '@baton/platform';
import type { ScoringEnv } from './config/scoring-env.js';
import { ScoringTables1763900000000 } from './leads/scoring-tables.migration.js';
import { ScoringSignalToken1764000000000 } from './leads/signal-token.migration.js';
import type { ScoringRules } from './policy/scoring-policy.js';
import { ScoringEngine, type IntakeEvent } from './scoring/scoring-engine.js';
import { LlmSummarizer } from './summary/llm-summarizer.js';
import { DeterministicSummarizer, type Summarizer } from './summary/summary.js';

export const SERVICE_NAME = 'scoring';

export const SCORING_TOPICS: readonly TopicName[] = [
  Topics.LeadEngagement,
  Topics.LeadProfile,
  Topics.LeadActivity,
  Topics.LeadDisqualified,
  Topics.LeadScored,
  Topics.LeadQualified,
  Topics.LeadRecycled,
  Topics.CrmCommand,
];

export const SCORING_MIGRATIONS = [ScoringTables1763900000000, ScoringSignalToken1764000000000];

export function summarizerFor(env: ScoringEnv): Summarizer {
  const deterministic = new DeterministicSummarizer();
  switch (env.SUMMARIZER) {
    case 'deterministic':
      return deterministic;
    case 'llm':
      return new LlmSummarizer(
        {
          apiUrl: env.LLM_API_URL!,
          apiKey: env.LLM_API_KEY,
          model: env.LLM_MODEL,
          timeoutMs: env.LLM_TIMEOUT_MS,
        },
        deterministic,
      );
  }
}

export interface ScoringService {
  runtime: ServiceRuntime;
  engine: ScoringEngine;
  consumer: EventConsumer;
  stop(): Promise<void>;
}

export interface ScoringServiceOptions {
  env: ScoringEnv;
  rules: ScoringRules;
  clock?: Clock;
  summarizer?: Summarizer;
  /** Start consuming at once (default); tools that only read set false. */
  consume?: boolean;
}

type IntakeTopic = typeof Topics.LeadEngagement | typeof Topics.LeadProfile | typeof Topics.LeadActivity;

function intakeEvent(topic: string, event: CloudEvent<EventOf<IntakeTopic>>): IntakeEvent {
  switch (topic) {
    case Topics.LeadEngagement:
      return { type: 'engagement', eventId: event.id, data: event.data as LeadEngagement };
    case Topics.LeadProfile:
      return { type: 'profile', eventId: event.id, data: event.data as LeadProfile };
    case Topics.LeadActivity:
      return { type: 'activity', eventId: event.id, data: event.data as LeadActivity };
    default:
      throw new Error(`scoring does not take ${topic} as intake`);
  }
}

/**
 * Opens the runtime (schema migrated, topics provisioned, outbox relay running) and consumes
 * the lead topics in group SCORING_CONSUMER_GROUP. Engagement, profile and activity events
 * go through the batch pipeline, the batches of one fetch (every partition and topic) merged
 * into one transaction; disqualifications one by one.
 */
export async function startScoringService(opts: ScoringServiceOptions): Promise<ScoringService> {
  const { env } = opts;
  const runtime = await ServiceRuntime.start({
    service: SERVICE_NAME,
    env,
    topics: SCORING_TOPICS,
    migrations: SCORING_MIGRATIONS,
  });
  const engine = new ScoringEngine({
    rules: opts.rules,
    outbox: runtime.outbox,
    processed: runtime.processed('scoring-intake'),
    summarizer: opts.summarizer ?? summarizerFor(env),
    clock: opts.clock ?? systemClock,
    source: runtime.source,
    signalCacheLeads: env.SCORING_SIGNAL_CACHE_LEADS,
  });
  const consumer = runtime.consumer({
    groupId: env.SCORING_CONSUMER_GROUP,
    maxBatchSize: env.SCORING_BATCH_SIZE,
    partitionsConsumedConcurrently: env.SCORING_PARTITIONS_CONCURRENTLY,
    coalesce: { maxConcurrent: env.SCORING_TRANSACTIONS_CONCURRENTLY },
    sessionTimeoutMs: env.SCORING_SESSION_TIMEOUT_MS,
    heartbeatIntervalMs: Math.min(3000, Math.floor(env.SCORING_SESSION_TIMEOUT_MS / 5)),
  });
  consumer
    .onBatch([Topics.LeadEngagement, Topics.LeadProfile, Topics.LeadActivity], async (items) => {
      await runtime.transaction((em) =>
        engine.apply(
          em,
          items.map(({ event, ctx }) => intakeEvent(ctx.topic, event)),
        ),
      );
    })
    .on(Topics.LeadDisqualified, async (event) => {
      await runtime.transaction((em) => engine.disqualify(em, event.id, event.data));
    });
  try {
    if (opts.consume !== false) await consumer.start();
  } catch (err) {
    await runtime.stop();
    throw err;
  }
  return { runtime, engine, consumer, stop: () => runtime.stop() };
}
