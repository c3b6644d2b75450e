import { PermanentError } from '@baton/kafka';

/** Postgres SQLSTATE classes of errors in the data itself: 22 data exception, 23 integrity violation. */
const DATA_SQLSTATE = /^2[23]/;

/**
 * Whether a failed round may be the fault of one of its events rather than of an outage:
 * a programming-level error on odd data (TypeError, RangeError, SyntaxError), a schema refusal
 * (ZodError), a CRM refusing the request itself (PermanentError other than 401/403, which are
 * the token's), or Postgres refusing the data. Network errors, 429/5xx after retries, the rate
 * budget and lost connections are outages.
 */
export function isPoisonSuspect(err: unknown): boolean {
  if (err instanceof PermanentError) return !/rejected \((401|403)\)/.test(err.message);
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError) {
    // fetch's network failures are TypeErrors ("fetch failed"): an outage.
    return !/fetch failed|network|ECONN|ETIMEDOUT|socket/i.test(err.message);
  }
  const e = err as { name?: string; code?: unknown; driverError?: { code?: unknown } } | null;
  if (e?.name === 'ZodError') return true;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' && DATA_SQLSTATE.test(code);
}

/** The error as a set-aside reason: its name and message, bounded. */
export function reasonOf(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.slice(0, 1_000);
}
