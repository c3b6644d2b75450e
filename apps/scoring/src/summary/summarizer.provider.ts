import type { FactoryProvider } from '@nestjs/common';
import { SERVICE_ENV } from '@baton/platform';
import type { ScoringEnv } from '../config/env.js';
import { LlmSummarizer } from './llm-summarizer.js';
import { DeterministicSummarizer, type Summarizer } from './summary.js';

/** Injection token of the journey brief's writer (`@Inject(SUMMARIZER) summarizer: Summarizer`). */
export const SUMMARIZER = Symbol('SUMMARIZER');

/** SUMMARIZER=deterministic (default) or llm, which falls back to the deterministic brief. */
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

export const SummarizerProvider: FactoryProvider<Summarizer> = {
  provide: SUMMARIZER,
  inject: [SERVICE_ENV],
  useFactory: summarizerFor,
};
