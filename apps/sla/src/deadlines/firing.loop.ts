import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { JsonLogger } from '@baton/observability';
import { SERVICE_ENV, type Clock } from '@baton/platform';
import type { SlaEnv } from '../config/env.js';
import { TimerStore } from '../database/timer.store.js';
import { FiringService } from './firing.service.js';
import { SLA_CLOCK } from './sla-clock.js';

/** After a failed round (database away, a deadlock chosen as victim) the loop tries again this soon. */
const RETRY_MS = 1_000;

/**
 * Fires due rungs: sleeps until the next one is due (at most SLA_FIRING_IDLE_MS, so rungs armed by
 * another replica are not missed for long), wakes at once when this instance arms an earlier one,
 * and runs rounds of SLA_FIRING_BATCH back to back while a backlog lasts. Several replicas run
 * it side by side; the claim's SKIP LOCKED gives each rung to exactly one of them.
 */
@Injectable()
export class FiringLoop implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new JsonLogger('sla.firing');
  private sleeper?: NodeJS.Timeout;
  private wakeAt = Infinity;
  private round?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly firing: FiringService,
    private readonly timers: TimerStore,
    @Inject(SLA_CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_ENV) private readonly env: SlaEnv,
  ) {}

  onApplicationBootstrap(): void {
    if (this.env.SLA_FIRING === 'on') this.sleep(0);
  }

  /** A rung due at `dueAt` was armed: fire it on time even if the loop was sleeping longer. */
  wake(dueAt?: Date): void {
    if (this.stopped || this.env.SLA_FIRING === 'off') return;
    const delay = dueAt ? Math.max(0, dueAt.getTime() - this.clock.now().getTime()) : 0;
    if (this.round) {
      if (delay === 0) this.again = true;
      return;
    }
    if (Date.now() + delay < this.wakeAt) this.sleep(delay);
  }

  /** Runs rounds until nothing is due now (tests and tools; the loop does the same on its own). */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const r = await this.firing.fireDue(this.clock.now(), this.env.SLA_FIRING_BATCH);
      total += r.claimed;
      if (r.claimed === 0) return total;
    }
  }

  private sleep(ms: number): void {
    clearTimeout(this.sleeper);
    const delay = Math.min(Math.max(0, ms), this.env.SLA_FIRING_IDLE_MS);
    this.wakeAt = Date.now() + delay;
    this.sleeper = setTimeout(() => {
      this.wakeAt = Infinity;
      this.round = this.run().finally(() => (this.round = undefined));
    }, delay);
  }

  private async run(): Promise<void> {
    let next = this.env.SLA_FIRING_IDLE_MS;
    try {
      for (;;) {
        this.again = false;
        const r = await this.firing.fireDue(this.clock.now(), this.env.SLA_FIRING_BATCH);
        if (this.stopped) return;
        if (r.claimed < this.env.SLA_FIRING_BATCH && !this.again) break;
      }
      const due = await this.timers.nextDueAt();
      if (due) next = due.getTime() - this.clock.now().getTime();
    } catch (err) {
      if (this.stopped) return;
      this.log.error('firing round failed; trying again', { error: err as Error });
      next = RETRY_MS;
    }
    if (!this.stopped) this.sleep(next);
  }

  /** Stops before the database closes: the round in flight finishes (commits or rolls back). */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.sleeper);
    await this.round;
  }
}
