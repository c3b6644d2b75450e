import type { JsonLogger } from '@baton/observability';
import type { Clock } from '../api-budget/clock.js';

export interface IntakeLoopOptions {
  log: JsonLogger;
  /** Logged when a round throws; says what is kept for the next round. */
  failureMessage: string;
  /** Pause between rounds that found nothing to do. */
  idleMs: number;
  /**
   * Pause after a failed round, baseMs × 2^failures in a row (capped at 2^6) up to maxMs, so an
   * unreachable CRM is not hammered; without it a failed round waits the idle pause like an empty one.
   */
  backoff?: { baseMs: number; maxMs: number };
  clock: Clock;
}

/**
 * How long stop() waits for a round in flight. A round waiting on an unreachable CRM (a hanging
 * call, the rate limiter) is abandoned after it: its transaction never commits, so its work stays
 * pending for the next start, and the service still stops within the kit's bound.
 */
export const STOP_GRACE_MS = 3_000;

/**
 * Runs an intake round again and again: straight on while a round found work (a backlog drains
 * at full speed), otherwise after the idle pause, which nudge() cuts short so fresh work (a
 * webhook delivery) is picked up at once rather than at the next poll.
 */
export abstract class IntakeLoop {
  protected readonly log: JsonLogger;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private nudged = false;
  /** Ends a backoff pause when the loop stops. */
  private stopWake?: () => void;

  constructor(private readonly intake: IntakeLoopOptions) {
    this.log = intake.log;
  }

  /** Resolves with how much the round worked; more than 0 runs the next round at once. */
  protected abstract round(): Promise<number>;

  protected get isRunning(): boolean {
    return this.running;
  }

  /** Nest: a loop starts once the application is up… */
  onApplicationBootstrap(): void {
    this.start();
  }

  /** …and stops before the commands consumer and the runtime do. */
  beforeApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.nudge();
    this.stopWake?.();
    if (!this.loop) return;
    let timer: NodeJS.Timeout | undefined;
    const abandoned = await Promise.race([
      this.loop.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), STOP_GRACE_MS);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    if (abandoned)
      this.log.warn('round still waiting on the CRM at stop; abandoned, its work stays pending', {
        graceMs: STOP_GRACE_MS,
      });
  }

  /** Cuts the idle pause short: new work is waiting. */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const n = await this.round();
        failures = 0;
        if (n > 0) continue;
      } catch (err) {
        failures++;
        this.log.error(this.intake.failureMessage, { error: err as Error, failures });
        const backoff = this.intake.backoff;
        if (backoff) {
          // The pause ends early on stop (nudge), not on fresh work: an outage is not hammered.
          await Promise.race([
            this.intake.clock.sleep(Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(failures, 6))),
            new Promise<void>((resolve) => {
              this.stopWake = resolve;
            }),
          ]);
          this.stopWake = undefined;
          continue;
        }
      }
      if (this.nudged) {
        this.nudged = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.intake.idleMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
      this.nudged = false;
    }
  }
}
