import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { JsonLogger } from '@baton/observability';
import { ReadinessRegistry, SERVICE_ENV } from '@baton/platform';
import { CONNECTOR_CLOCK, type Clock } from '../api-budget/clock.js';
import type { ConnectorEnv } from '../config/env.js';
import { CONNECTOR_TUNING, type ConnectorTuning } from '../config/tuning.js';
import { CrmSetupCheck, type SetupCheckResult } from './setup-check.js';

interface Verdict {
  ok: boolean;
  message: string;
}

/**
 * Whether the CRM holds what Baton writes, as the service acts on it: checked at start (or
 * provisioned, CRM_PROVISION_ON_START=true), shown as the readiness probe `crm-setup`, and awaited
 * by the commands consumer, so that no handoff is sent to a CRM that would reject it for good.
 * While it is not set up, it is checked again at most every `setupRecheckMs` (one CRM call each),
 * so a `provision` run elsewhere makes the service ready without a restart. Once set up, it stays
 * so: a CRM that cannot be reached later must not take the webhook intake out of service.
 */
@Injectable()
export class CrmSetupGate implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new JsonLogger('crm.setup');
  private verdict: Verdict = { ok: false, message: 'the CRM set-up is not checked yet' };
  private checkedAt = Number.NEGATIVE_INFINITY;
  private checking?: Promise<Verdict>;
  private stopping = false;
  private waitLogged = false;

  constructor(
    private readonly setup: CrmSetupCheck,
    @Inject(SERVICE_ENV) private readonly env: ConnectorEnv,
    @Inject(CONNECTOR_TUNING) private readonly tuning: ConnectorTuning,
    @Inject(CONNECTOR_CLOCK) private readonly clock: Clock,
    readiness: ReadinessRegistry,
  ) {
    readiness.add({ name: 'crm-setup', check: () => this.probe() });
  }

  /** Once the CRM clients exist; a CRM not set up is logged, and webhooks are still taken in. */
  async onApplicationBootstrap(): Promise<void> {
    const v = await this.judge(() =>
      this.env.CRM_PROVISION_ON_START ? this.setup.ensure() : this.setup.check(),
    );
    if (v.ok) this.log.info(v.message);
    else this.log.error(`${v.message} Until then CRM commands wait; webhooks are still accepted.`);
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
  }

  /** The readiness probe: fails with what is missing, or with why the CRM could not be asked. */
  async probe(): Promise<void> {
    const v = await this.current();
    if (!v.ok) throw new Error(v.message);
  }

  /**
   * Resolves once the CRM is set up. While the service stops it never resolves: the consumer's
   * bounded stop leaves the waiting batch uncommitted, and it is delivered again.
   */
  async ready(): Promise<void> {
    while (!(await this.current()).ok) {
      if (this.stopping) return new Promise<void>(() => undefined);
      if (!this.waitLogged) {
        this.waitLogged = true;
        this.log.warn('CRM commands wait for the CRM set-up', { reason: this.verdict.message });
      }
      await this.clock.sleep(this.checkedAt + this.tuning.setupRecheckMs - this.clock.now() + 1);
    }
  }

  /** The verdict; checked again (one CRM call) when not ok and the last check is old enough. */
  private current(): Promise<Verdict> {
    if (this.verdict.ok) return Promise.resolve(this.verdict);
    if (!this.checking && this.clock.now() - this.checkedAt >= this.tuning.setupRecheckMs) {
      this.checking = this.judge(() => this.setup.check()).finally(() => {
        this.checking = undefined;
      });
    }
    return this.checking ?? Promise.resolve(this.verdict);
  }

  private async judge(run: () => Promise<SetupCheckResult>): Promise<Verdict> {
    this.checkedAt = this.clock.now();
    const was = this.verdict.ok;
    try {
      const result = await run();
      this.verdict = { ok: result.ok, message: result.message };
    } catch (err) {
      this.verdict = { ok: false, message: `CRM not reachable: ${(err as Error).message}` };
    }
    if (this.verdict.ok && !was && this.waitLogged)
      this.log.info(`${this.verdict.message}; CRM commands go ahead`);
    return this.verdict;
  }
}
