import { counter, gauge } from '@baton/observability';
import { systemClock, type Clock } from './clock.js';

export interface RateBudget {
  /** Requests allowed in any window of `intervalMs`. */
  max: number;
  intervalMs: number;
  /** Requests allowed in any rolling 24 h. */
  dailyMax: number;
  /**
   * Kept between the last request of one window and the first of the next, so network jitter
   * between our clock and the CRM's can never put max+1 requests into one of its windows.
   */
  safetyMarginMs?: number;
}

/** The daily allocation is used up: retrying now cannot help; the command waits for the budget to refill. */
export class BudgetExhaustedError extends Error {
  constructor(
    readonly provider: string,
    readonly retryAfterMs: number,
  ) {
    super(`${provider} daily API budget exhausted; refills in ${Math.ceil(retryAfterMs / 60_000)} min`);
    this.name = 'BudgetExhaustedError';
  }
}

const granted = counter('baton_crm_api_requests_total', 'CRM API requests let through the rate limiter', [
  'provider',
]);
const waiting = gauge('baton_crm_api_waiting', 'CRM API requests waiting for budget', ['provider']);

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** Called when the request's response arrived (or it failed). */
export type Release = () => void;

/**
 * One limiter per provider, shared by every caller in the process (webhook worker, command
 * executor, CDC re-reads, provisioning). A sliding-window log kept in the CRM's terms: the
 * CRM counts a request when it arrives, which is somewhere between our send and its answer,
 * so a request occupies the window from the moment it is let through until `intervalMs` after
 * its answer came back. A request is let through only when fewer than `max` are in flight or
 * answered within the last window; then no window the CRM can see ever holds more than the
 * budget, whatever the network and connection-pool delays. Waiters are served in order.
 * The daily cap is counted in one-minute buckets over a rolling 24 h.
 */
export class SlidingWindowLimiter {
  /** Answer times of finished requests, oldest first. */
  private readonly answered: number[] = [];
  private inFlight = 0;
  private readonly queue: { resolve: (release: Release) => void; reject: (err: Error) => void }[] = [];
  private readonly minuteBuckets = new Map<number, number>();
  private timer?: NodeJS.Timeout;
  private readonly windowMs: number;

  constructor(
    readonly provider: string,
    private readonly budget: RateBudget,
    private readonly clock: Clock = systemClock,
  ) {
    if (budget.max < 1) throw new Error('rate budget max must be at least 1');
    this.windowMs = budget.intervalMs + (budget.safetyMarginMs ?? Math.ceil(budget.intervalMs * 0.02));
  }

  /**
   * Resolves when a request may be sent now, with the function to call once it was answered;
   * rejects with BudgetExhaustedError when the daily cap is used up.
   */
  acquire(): Promise<Release> {
    return new Promise<Release>((resolve, reject) => {
      this.queue.push({ resolve, reject });
      waiting.set({ provider: this.provider }, this.queue.length);
      this.pump();
    });
  }

  /** Requests let through in the last rolling 24 h. */
  usedToday(): number {
    this.pruneDaily();
    let n = 0;
    for (const v of this.minuteBuckets.values()) n += v;
    return n;
  }

  private pruneDaily(): void {
    const oldest = Math.floor((this.clock.now() - DAY_MS) / MINUTE_MS);
    for (const k of this.minuteBuckets.keys()) if (k <= oldest) this.minuteBuckets.delete(k);
  }

  private pump(): void {
    if (this.timer) return;
    for (;;) {
      if (this.queue.length === 0) break;
      const now = this.clock.now();
      while (this.answered.length && this.answered[0] <= now - this.windowMs) this.answered.shift();
      if (this.usedToday() >= this.budget.dailyMax) {
        const oldestBucket = Math.min(...this.minuteBuckets.keys());
        const refillMs = oldestBucket * MINUTE_MS + DAY_MS + MINUTE_MS - now;
        for (const w of this.queue.splice(0)) w.reject(new BudgetExhaustedError(this.provider, refillMs));
        break;
      }
      if (this.inFlight + this.answered.length >= this.budget.max) {
        // With every slot in flight, the next release pumps; otherwise the oldest answer ages out.
        if (this.answered.length) {
          const waitMs = this.answered[0] + this.windowMs - now + 1;
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.pump();
          }, waitMs);
        }
        break;
      }
      this.inFlight++;
      const minute = Math.floor(now / MINUTE_MS);
      this.minuteBuckets.set(minute, (this.minuteBuckets.get(minute) ?? 0) + 1);
      granted.inc({ provider: this.provider });
      let released = false;
      this.queue.shift()!.resolve(() => {
        if (released) return;
        released = true;
        this.inFlight--;
        this.answered.push(this.clock.now());
        this.pump();
      });
    }
    waiting.set({ provider: this.provider }, this.queue.length);
  }

  /** Nest calls it last on shutdown, after the commands consumer and the intake loops stopped. */
  onApplicationShutdown(): void {
    this.close();
  }

  /** Rejects every waiter (on shutdown). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.queue.splice(0)) w.reject(new Error(`${this.provider} rate limiter closed`));
  }
}
