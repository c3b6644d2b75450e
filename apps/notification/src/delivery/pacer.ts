/**
 * Spaces messages to one destination (a Slack channel: ~1 message/s; the Teams webhook: ~4/s).
 * In-process: replicas each keep their own pace, and Slack's 429 with Retry-After covers the rest.
 */
export class Pacer {
  private readonly next = new Map<string, number>();

  constructor(private readonly intervalMs: number) {}

  /** Reserves the next slot for `key`; returns how long to wait for it (0: now). */
  reserve(key: string, nowMs: number): number {
    if (this.intervalMs <= 0) return 0;
    const slot = Math.max(nowMs, this.next.get(key) ?? 0);
    this.next.set(key, slot + this.intervalMs);
    if (this.next.size > 10_000) {
      for (const [k, t] of this.next) if (t < nowMs) this.next.delete(k);
    }
    return slot - nowMs;
  }

  /** The provider asked us to wait (Retry-After): nothing to `key` before then. */
  holdUntil(key: string, atMs: number): void {
    this.next.set(key, Math.max(this.next.get(key) ?? 0, atMs));
  }
}
