import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { JsonLogger, counter } from '@baton/observability';
import { SERVICE_ENV, SERVICE_POLICY, type Clock, type LoadedPolicy } from '@baton/platform';
import type { SlaEnv } from '../config/env.js';
import { RepPauseStore, type ClaimedPause } from '../database/rep-pause.store.js';
import type { RepPauseState } from '../database/sla.entities.js';
import { SLA_CLOCK } from '../deadlines/sla-clock.js';
import type { SlaPolicy } from '../policy/policy.js';

const ROUND_MS = 2_000;
const LEASE_MS = 60_000;
const CALL_TIMEOUT_MS = 5_000;
const MAX_ATTEMPTS = 8;

const pauses = counter(
  'baton_sla_rep_pauses_total',
  "Reps paused for the rest of their day through routing's admin API, by outcome",
  ['outcome'],
);

/** Routing's view of a rep (GET /roster/reps/{id}), the part the decision reads. */
interface RoutingRep {
  awayUntil?: string | null;
  awayFrom?: string | null;
  now?: { away?: boolean };
}

export type PauseCall =
  | { state: Extract<RepPauseState, 'done' | 'skipped' | 'failed'>; note?: string }
  | { state: 'pending'; note: string };

/**
 * Whether routing should be asked to pause the rep: not when they are already away at least as
 * long (sales ops' own absence is never shortened), nor away until further notice.
 */
export function alreadyAway(rep: RoutingRep, until: Date): boolean {
  if (!rep.now?.away) return false;
  if (!rep.awayUntil) return true;
  return Date.parse(rep.awayUntil) >= until.getTime();
}

/**
 * Pauses reps after too many breaches in a day (`repBreachAlert.pauseForTheDay`): rounds claim
 * the requests the firing rounds wrote, call routing's admin API outside any transaction
 * (`PUT /roster/reps/{id}/availability`, away until the rep's midnight), and record the outcome.
 * A failed call is tried again with backoff; a process that dies mid-call leaves its lease to
 * expire and the next round calls again (the PUT says the same thing twice).
 */
@Injectable()
export class RepPauseWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new JsonLogger('sla.rep-pause');
  private interval?: NodeJS.Timeout;
  private round?: Promise<void>;

  constructor(
    private readonly store: RepPauseStore,
    @Inject(SLA_CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_ENV) private readonly env: SlaEnv,
    @Inject(SERVICE_POLICY) private readonly loaded: LoadedPolicy<SlaPolicy>,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.loaded.policy.repBreachAlert.pauseForTheDay || this.env.SLA_FIRING === 'off') return;
    this.interval = setInterval(() => {
      this.round ??= this.runOnce()
        .then(() => undefined)
        .catch((err: unknown) => this.log.error('pause round failed', { error: err as Error }))
        .finally(() => (this.round = undefined));
    }, ROUND_MS);
    this.interval.unref();
  }

  /** One round: claim, call, record. Returns how many requests it handled. */
  async runOnce(): Promise<number> {
    const now = this.clock.now();
    const claimed = await this.store.claim(now, new Date(now.getTime() + LEASE_MS), 20);
    for (const p of claimed) {
      const result = await this.call(p);
      pauses.inc({ outcome: result.state });
      const at = this.clock.now();
      if (result.state === 'pending' && p.attempts >= MAX_ATTEMPTS) {
        await this.store.record(p, { state: 'failed', at, error: result.note });
      } else if (result.state === 'pending') {
        const backoff = Math.min(5_000 * 2 ** (p.attempts - 1), 600_000);
        await this.store.record(p, {
          state: 'pending',
          at,
          error: result.note,
          retryAt: new Date(at.getTime() + backoff),
        });
      } else {
        await this.store.record(p, { state: result.state, at, error: result.note });
      }
      if (result.state !== 'pending')
        this.log.info('rep pause', {
          repId: p.repId,
          day: p.day,
          breaches: p.breaches,
          outcome: result.state,
          note: result.note,
        });
    }
    return claimed.length;
  }

  private async call(p: ClaimedPause): Promise<PauseCall> {
    const base = this.env.SLA_ROUTING_URL;
    if (!base) return { state: 'failed', note: 'SLA_ROUTING_URL is not set' };
    const url = `${base.replace(/\/+$/, '')}/roster/reps/${encodeURIComponent(p.repId)}`;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.env.BATON_API_TOKEN) headers.authorization = `Bearer ${this.env.BATON_API_TOKEN}`;
    try {
      const current = await fetch(url, { headers, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
      if (current.status === 404) return { state: 'failed', note: `routing has no rep ${p.repId}` };
      if (!current.ok) return { state: 'pending', note: `GET rep: HTTP ${current.status}` };
      if (alreadyAway((await current.json()) as RoutingRep, p.awayUntil))
        return { state: 'skipped', note: 'already away at least as long' };
      const put = await fetch(`${url}/availability`, {
        method: 'PUT',
        headers,
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
        body: JSON.stringify({
          awayUntil: p.awayUntil.toISOString(),
          note: `sla: ${p.breaches} breached deadlines on ${p.day}; no new leads until tomorrow`,
          changedBy: 'sla',
        }),
      });
      if (put.ok) return { state: 'done' };
      if (put.status >= 400 && put.status < 500 && put.status !== 429)
        return {
          state: 'failed',
          note: `PUT availability: HTTP ${put.status} ${(await put.text()).slice(0, 200)}`,
        };
      return { state: 'pending', note: `PUT availability: HTTP ${put.status}` };
    } catch (err) {
      return { state: 'pending', note: `routing unreachable: ${(err as Error).message}` };
    }
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.interval);
    await this.round;
  }
}
