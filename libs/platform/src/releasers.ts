import { JsonLogger } from '@baton/observability';

/**
 * What a starting service has opened, in order. Every piece registers how to release itself as
 * soon as it is up, so a start that fails half way — or a stop — releases exactly what was started,
 * in reverse order, each piece once, within a bound of time.
 */
export class Releasers {
  private readonly stack: { name: string; release: () => Promise<void> | void }[] = [];
  private releasing?: Promise<void>;
  private readonly log = new JsonLogger('releasers');

  constructor(private readonly timeoutMs = 8_000) {}

  /** Registers a releaser; a piece added after release began is released at once. */
  add(name: string, release: () => Promise<void> | void): void {
    if (this.releasing) {
      void this.releasing.then(() => this.releaseOne({ name, release }));
      return;
    }
    this.stack.push({ name, release });
  }

  get released(): boolean {
    return this.releasing !== undefined;
  }

  /** Releases everything registered, last first. Errors are logged; the rest are still released. */
  releaseAll(): Promise<void> {
    this.releasing ??= (async () => {
      while (this.stack.length > 0) await this.releaseOne(this.stack.pop()!);
    })();
    return this.releasing;
  }

  private async releaseOne(piece: { name: string; release: () => Promise<void> | void }): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(piece.release),
        new Promise<void>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`did not release within ${this.timeoutMs} ms`)),
            this.timeoutMs,
          );
          timer.unref();
        }),
      ]);
      this.log.info('released', { piece: piece.name });
    } catch (err) {
      this.log.error('release failed', { piece: piece.name, error: err as Error });
    } finally {
      clearTimeout(timer);
    }
  }
}
