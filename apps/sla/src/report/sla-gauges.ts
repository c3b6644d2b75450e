import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { JsonLogger } from '@baton/observability';
import { SERVICE_ENV, type Clock } from '@baton/platform';
import type { SlaEnv } from '../config/env.js';
import { ReportStore } from '../database/report.store.js';
import { TimerStore } from '../database/timer.store.js';
import { slaMetrics } from '../deadlines/metrics.js';
import { SLA_CLOCK } from '../deadlines/sla-clock.js';

/** Keeps the open-timer and 24 h compliance gauges read from the database (shared by every replica). */
@Injectable()
export class SlaGauges implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new JsonLogger('sla.gauges');
  private interval?: NodeJS.Timeout;
  private reading?: Promise<void>;

  constructor(
    private readonly timers: TimerStore,
    private readonly reports: ReportStore,
    @Inject(SLA_CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_ENV) private readonly env: SlaEnv,
  ) {}

  onApplicationBootstrap(): void {
    this.interval = setInterval(() => {
      this.reading ??= this.refresh().finally(() => (this.reading = undefined));
    }, this.env.SLA_STATS_INTERVAL_MS);
    this.interval.unref();
  }

  async refresh(): Promise<void> {
    try {
      const open = await this.timers.openByPolicy();
      slaMetrics.openTimers.reset();
      for (const [policy, n] of open) slaMetrics.openTimers.set({ policy }, n);
      const compliance = await this.reports.complianceSince(
        new Date(this.clock.now().getTime() - 86_400_000),
      );
      slaMetrics.compliance.reset();
      for (const [policy, r] of compliance) slaMetrics.compliance.set({ policy }, r);
    } catch (err) {
      this.log.warn('could not read the SLA gauges', { error: err as Error });
    }
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.interval);
    await this.reading;
  }
}
