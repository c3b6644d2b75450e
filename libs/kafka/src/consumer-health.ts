export type ConsumerState = 'starting' | 'running' | 'crashed' | 'stopped';

export interface ConsumerHealth {
  /**
   * starting: start() called, not yet in the group; running: in the group, fetching; crashed:
   * kafkajs stopped it on an error (see `restarting`); stopped: stop() called.
   */
  state: ConsumerState;
  /** Crashes since the consumer was created. */
  crashes: number;
  /** Crashes within the crash-loop window (a minute by default). */
  recentCrashes: number;
  /** At least the crash-loop threshold of crashes within the window, whatever the state now. */
  crashLooping: boolean;
  /** After the last crash kafkajs restarts the consumer by itself (a retriable error); false: it stays down. */
  restarting: boolean;
  lastError?: string;
  lastCrashAt?: Date;
  /** When the consumer last joined its group. */
  lastJoinAt?: Date;
}

export interface CrashLoopPolicy {
  /** This many crashes within `windowMs` make a crash loop. */
  crashes: number;
  windowMs: number;
}

export const DEFAULT_CRASH_LOOP: CrashLoopPolicy = { crashes: 3, windowMs: 60_000 };

/**
 * What a consumer's lifecycle events (from kafkajs's instrumentation: GROUP_JOIN, CRASH, STOP)
 * say about it, for readiness probes and metrics.
 */
export class ConsumerHealthTracker {
  private state: ConsumerState = 'stopped';
  private crashes = 0;
  private crashTimes: number[] = [];
  private restarting = false;
  private lastError?: string;
  private lastCrashAt?: number;
  private lastJoinAt?: number;

  constructor(
    private readonly policy: CrashLoopPolicy = DEFAULT_CRASH_LOOP,
    private readonly now: () => number = Date.now,
  ) {}

  starting(): void {
    this.state = 'starting';
  }

  joined(): void {
    this.state = 'running';
    this.restarting = false;
    this.lastJoinAt = this.now();
  }

  crashed(error: unknown, restart: boolean): void {
    const at = this.now();
    this.state = 'crashed';
    this.crashes++;
    this.crashTimes.push(at);
    this.prune(at);
    this.restarting = restart;
    this.lastCrashAt = at;
    this.lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }

  stopped(): void {
    this.state = 'stopped';
    this.restarting = false;
  }

  get current(): ConsumerState {
    return this.state;
  }

  health(): ConsumerHealth {
    this.prune(this.now());
    const recentCrashes = this.crashTimes.length;
    return {
      state: this.state,
      crashes: this.crashes,
      recentCrashes,
      crashLooping: recentCrashes >= this.policy.crashes,
      restarting: this.restarting,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      ...(this.lastCrashAt !== undefined ? { lastCrashAt: new Date(this.lastCrashAt) } : {}),
      ...(this.lastJoinAt !== undefined ? { lastJoinAt: new Date(this.lastJoinAt) } : {}),
    };
  }

  /**
   * Why a readiness probe should fail, or undefined when the consumer is fine: not in its group
   * (starting, crashed, stopped) or crash-looping.
   */
  problem(): string | undefined {
    const h = this.health();
    const window = `${Math.round(this.policy.windowMs / 1000)} s`;
    if (h.state === 'crashed')
      return `crashed${h.restarting ? ' (restarting)' : ' (not restarting)'}: ${h.lastError ?? 'unknown error'}`;
    if (h.crashLooping) return `crash-looping: ${h.recentCrashes} crashes in ${window}, last: ${h.lastError}`;
    if (h.state === 'starting') return 'starting: not yet in its consumer group';
    if (h.state === 'stopped') return 'stopped';
    return undefined;
  }

  private prune(at: number): void {
    const from = at - this.policy.windowMs;
    while (this.crashTimes.length > 0 && this.crashTimes[0] <= from) this.crashTimes.shift();
  }
}
