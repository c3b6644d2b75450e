import { describe, expect, it } from 'vitest';
import { BudgetExhaustedError, SlidingWindowLimiter } from './rate-limiter.js';
import { retryAfterMs } from './retry.js';

function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end] - times[start] >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

describe('SlidingWindowLimiter', () => {
  it('never lets more than max requests into any window, whatever the server-side arrival delay', async () => {
    const limiter = new SlidingWindowLimiter('test', {
      max: 5,
      intervalMs: 200,
      dailyMax: 1000,
      safetyMarginMs: 0,
    });
    const arrivals: number[] = [];
    await Promise.all(
      Array.from({ length: 23 }, async (_, i) => {
        const release = await limiter.acquire();
        // The "server" sees the request somewhere between send and answer.
        const latency = (i * 37) % 60;
        await new Promise((r) => setTimeout(r, latency));
        arrivals.push(Date.now());
        await new Promise((r) => setTimeout(r, 60 - latency));
        release();
      }),
    );
    expect(maxInWindow(arrivals, 200)).toBeLessThanOrEqual(5);
    // 23 requests at 5 per 200 ms take at least four more windows.
    arrivals.sort((a, b) => a - b);
    expect(arrivals[22] - arrivals[0]).toBeGreaterThanOrEqual(4 * 200);
    limiter.close();
  });

  it('rejects with BudgetExhaustedError once the daily cap is used', async () => {
    const limiter = new SlidingWindowLimiter('test', { max: 100, intervalMs: 1000, dailyMax: 3 });
    (await limiter.acquire())();
    (await limiter.acquire())();
    (await limiter.acquire())();
    await expect(limiter.acquire()).rejects.toBeInstanceOf(BudgetExhaustedError);
    expect(limiter.usedToday()).toBe(3);
    limiter.close();
  });

  it('parses Retry-After as seconds or a date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});
