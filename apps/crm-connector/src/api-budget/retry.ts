import { PermanentError, backoffDelay, type RetryPolicy } from '@baton/kafka';
import { JsonLogger, counter } from '@baton/observability';
import { systemClock, type Clock } from './clock.js';
import { BudgetExhaustedError, type SlidingWindowLimiter } from './rate-limiter.js';

/** How a provider's error should be treated. */
export type FailureKind =
  | { kind: 'retryable'; status?: number; retryAfterMs?: number }
  | { kind: 'permanent'; status?: number }
  | { kind: 'budget'; retryAfterMs?: number };

export interface CallOptions {
  provider: string;
  limiter: SlidingWindowLimiter;
  classify: (err: unknown) => FailureKind;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  /** For logs and metrics, e.g. contacts.batch.read. */
  operation: string;
}

export const DEFAULT_CRM_RETRY: RetryPolicy = { attempts: 4, initialDelayMs: 250, maxDelayMs: 10_000 };

const calls = counter('baton_crm_api_calls_total', 'CRM API calls by outcome', [
  'provider',
  'operation',
  'outcome',
]);
const log = new JsonLogger('crm-api');

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function retryAfterMs(value: string | undefined | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/**
 * One CRM API call: every attempt waits for the provider's rate budget, 429/5xx are retried a
 * bounded number of times with backoff and jitter (never sooner than Retry-After), other 4xx
 * become PermanentError (the command goes to the dead-letter topic at once). When retries run
 * out the last error is thrown, so the consumer's own retries and then its DLQ take over.
 */
export async function callCrm<T>(opts: CallOptions, call: () => Promise<T>): Promise<T> {
  const policy = { ...DEFAULT_CRM_RETRY, ...opts.retry };
  const clock = opts.clock ?? systemClock;
  for (let attempt = 1; ; attempt++) {
    const release = await opts.limiter.acquire();
    try {
      const result = await call().finally(release);
      calls.inc({ provider: opts.provider, operation: opts.operation, outcome: 'ok' });
      return result;
    } catch (err) {
      const failure = opts.classify(err);
      const message = err instanceof Error ? err.message : String(err);
      switch (failure.kind) {
        case 'permanent':
          calls.inc({ provider: opts.provider, operation: opts.operation, outcome: 'rejected' });
          throw new PermanentError(
            `${opts.provider} ${opts.operation} rejected (${failure.status ?? 'no status'}): ${message}`,
            { cause: err },
          );
        case 'budget':
          calls.inc({ provider: opts.provider, operation: opts.operation, outcome: 'budget' });
          throw new BudgetExhaustedError(opts.provider, failure.retryAfterMs ?? 3_600_000);
        case 'retryable': {
          calls.inc({ provider: opts.provider, operation: opts.operation, outcome: 'retried' });
          if (attempt >= policy.attempts) throw err;
          const delay = Math.max(backoffDelay(policy, attempt), failure.retryAfterMs ?? 0);
          log.warn('CRM call failed, retrying', {
            provider: opts.provider,
            operation: opts.operation,
            status: failure.status,
            attempt,
            delayMs: delay,
            error: message,
          });
          await clock.sleep(delay);
          break;
        }
      }
    }
  }
}

/** Counts the HTTP requests one piece of work took (attempts included). */
export interface CallMeter {
  calls: number;
}

/** One CRM's API calls, all under its process-wide rate budget and retry policy. */
export class CrmCalls {
  /** Every HTTP request actually sent (attempts included), for the write-path figures. */
  requestsSent = 0;

  constructor(private readonly budget: Omit<CallOptions, 'operation'>) {}

  call<T>(operation: string, fn: () => Promise<T>, meter?: CallMeter): Promise<T> {
    return callCrm({ ...this.budget, operation }, () => {
      this.requestsSent++;
      if (meter) meter.calls++;
      return fn();
    });
  }
}
