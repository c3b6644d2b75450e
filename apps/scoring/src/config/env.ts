import { z } from 'zod';
import { BaseEnvSchema } from '@baton/platform';

export const ScoringEnvSchema = BaseEnvSchema.extend({
  /** deterministic (default, no network) or llm (an OpenAI-compatible endpoint, with fallback). */
  SUMMARIZER: z.enum(['deterministic', 'llm']).default('deterministic'),
  LLM_API_URL: z.url().optional(),
  LLM_API_KEY: z.string().optional(),
  LLM_MODEL: z.string().min(1).default('gpt-4o-mini'),
  LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(2000),
  SCORING_CONSUMER_GROUP: z.string().min(1).default('baton-scoring'),
  SCORING_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(2000),
  /** Partition batches of one fetch taken at once; at least the partitions a replica may hold. */
  SCORING_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(256).default(24),
  /** Merged intake batches (one transaction each) in flight at once. */
  SCORING_TRANSACTIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(16).default(2),
  /** Leads whose stored signals a replica keeps in memory between batches; 0 reads them every time. */
  SCORING_SIGNAL_CACHE_LEADS: z.coerce.number().int().min(0).max(1_000_000).default(20_000),
  /** How long the group waits for a silent replica before giving its partitions to the others. */
  SCORING_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300_000).default(30_000),
}).superRefine((env, ctx) => {
  if (env.SUMMARIZER === 'llm' && !env.LLM_API_URL) {
    ctx.addIssue({ code: 'custom', path: ['LLM_API_URL'], message: 'is required when SUMMARIZER=llm' });
  }
});
export type ScoringEnv = z.infer<typeof ScoringEnvSchema>;
