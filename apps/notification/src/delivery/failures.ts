/** How a provider call failed, which decides what happens to the delivery. */
export class RetryLater extends Error {
  constructor(
    readonly afterMs: number,
    message: string,
  ) {
    super(message);
    this.name = 'RetryLater';
  }
}

/** Worth another attempt (5xx, timeout, connection); `uncertain` when the provider may have it already. */
export class TransientFailure extends Error {
  constructor(
    message: string,
    readonly uncertain = false,
  ) {
    super(message);
    this.name = 'TransientFailure';
  }
}

/** Will not work on this channel (unknown user, bad auth, refused content): the next channel is tried. */
export class PermanentFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentFailure';
  }
}

/** Exponential backoff with full jitter: attempt 1 → up to base, 2 → up to 2·base … capped at 5 minutes. */
export function backoffMs(attempt: number, baseMs: number, random = Math.random): number {
  const ceiling = Math.min(300_000, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
