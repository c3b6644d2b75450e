import { fileURLToPath } from 'node:url';
import { DEFAULT_RETRY } from '@baton/kafka';
import { defineService } from '@baton/platform';
import { ScoringEnvSchema } from './config/env.js';
import { DisqualificationEntity } from './database/disqualification.entity.js';
import { EngagementEntity } from './database/engagement.entity.js';
import { LeadEntity } from './database/lead.entity.js';
import { ScoringTables1763900000000 } from './database/migrations/scoring-tables.migration.js';
import { ScoringSignalToken1764000000000 } from './database/migrations/signal-token.migration.js';
import { QualificationEntity } from './database/qualification.entity.js';
import { StageChangeEntity } from './database/stage-change.entity.js';
import { loadScoringRules } from './policy/scoring-policy.js';
import { ScoringModule } from './scoring.module.js';

/**
 * The scoring service: consumes lead engagement, profiles, activity and disqualifications (group
 * baton-scoring), keeps each lead's score and stage, and produces lead.scored, lead.qualified,
 * lead.recycled and CRM commands through its outbox.
 */
export const scoringService = defineService({
  name: 'scoring',
  env: ScoringEnvSchema,
  deprecatedEnv: {
    SCORING_BATCH_SIZE: 'SCORING_CONSUMER_BATCH',
    SCORING_PARTITIONS_CONCURRENTLY: 'SCORING_CONSUMER_CONCURRENCY',
    SCORING_TRANSACTIONS_CONCURRENTLY: 'SCORING_CONSUMER_TRANSACTIONS',
    SCORING_SESSION_TIMEOUT_MS: 'SCORING_CONSUMER_SESSION_TIMEOUT_MS',
  },
  policy: {
    bundledDir: fileURLToPath(new URL('../config/policy', import.meta.url)),
    load: (dir) => loadScoringRules(dir),
  },
  migrations: [ScoringTables1763900000000, ScoringSignalToken1764000000000],
  entities: [LeadEntity, EngagementEntity, StageChangeEntity, QualificationEntity, DisqualificationEntity],
  module: ScoringModule,
  consumer: {
    // Most messages applied in one transaction.
    batch: 2000,
    // At least the partitions a replica may hold, so a fetch's batches are applied as one.
    concurrency: 24,
    // Merged intake batches (one transaction each) in flight at once.
    transactions: 2,
    // The retry policy scoring has always had: libs/kafka's defaults.
    retryAttempts: DEFAULT_RETRY.attempts,
    retryInitialDelayMs: DEFAULT_RETRY.initialDelayMs,
    retryMaxDelayMs: DEFAULT_RETRY.maxDelayMs,
  },
});
