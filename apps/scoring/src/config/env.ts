import { z } from 'zod';
import { BaseEnvSchema } from '@baton/platform';

/**
 * scoring's own settings, beside the shared ones and the `SCORING_CONSUMER_*` settings the kit
 * reads (see scoring.service.ts for their defaults).
 */
export const ScoringEnvSchema = BaseEnvSchema.extend({
  SUMMARIZER: z
    .enum(['deterministic', 'llm'])
    .default('deterministic')
    .describe(
      'Who writes the journey brief: deterministic (no network) or llm (OpenAI-compatible, with fallback)',
    ),
  LLM_API_URL: z
    .url()
    .optional()
    .describe('OpenAI-compatible base URL (e.g. https://host/v1); required with SUMMARIZER=llm'),
  LLM_API_KEY: z.string().optional().describe('Sent as Authorization: Bearer to the LLM endpoint'),
  LLM_MODEL: z.string().min(1).default('gpt-4o-mini').describe('Model name sent to the LLM endpoint'),
  LLM_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(30_000)
    .default(2000)
    .describe('After it, the deterministic brief is used'),
  SCORING_SIGNAL_CACHE_LEADS: z.coerce
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .default(20_000)
    .describe(
      'Leads whose stored signals a replica keeps in memory between batches; 0 reads them every time',
    ),
}).superRefine((env, ctx) => {
  if (env.SUMMARIZER === 'llm' && !env.LLM_API_URL) {
    ctx.addIssue({ code: 'custom', path: ['LLM_API_URL'], message: 'is required when SUMMARIZER=llm' });
  }
});
export type ScoringEnv = z.infer<typeof ScoringEnvSchema>;
