import type { EntityManager } from 'typeorm';
import type { CrmRef } from '@baton/domain';
import { JsonLogger } from '@baton/observability';
import type { ServiceRuntime } from '@baton/platform';
import type { Clock } from '../api-budget/clock.js';
import { IntakeLoop, tryRoundLock } from '../ingest/intake-loop.js';
import { ingestDepsOf, type IngestDeps } from '../ingest/lead-ingest.js';
import type { HubSpotMapping, SignalsPolicy } from '../policy/policy.js';
import type { HubSpotApi } from './hubspot-api.js';

/** Contacts read per round. */
const CONTACTS_PER_ROUND = 20;

/** The queues of contacts whose HubSpot data the webhooks do not carry and must be read. */
export type DueTable = 'hubspot_engagement_due' | 'hubspot_activity_due';

export interface DueContact {
  objectId: string;
  leadId: string;
  crm: CrmRef;
}

export interface DueContactRow {
  object_id: string;
  lead_id: string;
  crm: CrmRef;
}

/** Notes, in the inbox transaction, that these contacts must be read by the reader of `table`. */
export async function markDue(em: EntityManager, table: DueTable, due: DueContact[]): Promise<void> {
  if (due.length === 0) return;
  await em.query(
    `INSERT INTO ${table} (object_id, lead_id, crm)
     SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[]) ON CONFLICT (object_id) DO NOTHING`,
    [due.map((d) => d.objectId), due.map((d) => d.leadId), due.map((d) => JSON.stringify(d.crm))],
  );
}

/** Webhook and events API intake dedupe engagement ids under one name, so a fact is signalled once. */
export function hubspotIngestDeps(
  runtime: ServiceRuntime,
  mapping: HubSpotMapping,
  signals: SignalsPolicy,
  clock: Clock,
): IngestDeps {
  return ingestDepsOf(runtime, mapping, signals, 'hubspot-events', () => new Date(clock.now()));
}

/** What a due-contact reader works with. */
export interface DueReaderDeps {
  runtime: ServiceRuntime;
  api: HubSpotApi;
  mapping: HubSpotMapping;
  signals: SignalsPolicy;
  clock: Clock;
}

/** The queue a reader drains and how it names itself in logs. */
export interface DueQueue {
  table: DueTable;
  logName: string;
  failureMessage: string;
}

/**
 * A loop that reads what the inbox marked due, one replica at a time: each round locks the
 * queue, takes up to 20 contacts, lets the subclass read and ingest them, and clears their due
 * marks in the same transaction (a failed round leaves them due).
 */
export abstract class DueContactReader extends IntakeLoop {
  protected readonly runtime: ServiceRuntime;
  protected readonly api: HubSpotApi;
  protected readonly mapping: HubSpotMapping;
  protected readonly signals: SignalsPolicy;
  protected readonly clock: Clock;

  protected constructor(
    private readonly queue: DueQueue,
    deps: DueReaderDeps,
    idlePollMs: number,
  ) {
    super({
      log: new JsonLogger(queue.logName),
      failureMessage: queue.failureMessage,
      idleMs: idlePollMs,
      backoff: { baseMs: 1000, maxMs: 60_000 },
      clock: deps.clock,
    });
    ({
      runtime: this.runtime,
      api: this.api,
      mapping: this.mapping,
      signals: this.signals,
      clock: this.clock,
    } = deps);
  }

  protected round(): Promise<number> {
    return this.readRound();
  }

  /** One round: up to 20 due contacts; returns how many were read. */
  async readRound(): Promise<number> {
    const { table } = this.queue;
    return this.runtime.transaction(async (em) => {
      if (!(await tryRoundLock(em, `${this.runtime.schema}.${table}`))) return 0;
      const due: DueContactRow[] = await em.query(
        `SELECT object_id, lead_id, crm FROM ${table} ORDER BY due_since LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [CONTACTS_PER_ROUND],
      );
      if (due.length === 0) return 0;
      await this.readDue(em, due);
      await em.query(`DELETE FROM ${table} WHERE object_id = ANY($1::text[])`, [due.map((d) => d.object_id)]);
      return due.length;
    });
  }

  /** Reads and ingests the due contacts' data inside the round's transaction. */
  protected abstract readDue(em: EntityManager, due: DueContactRow[]): Promise<void>;

  protected ingestDeps(): IngestDeps {
    return hubspotIngestDeps(this.runtime, this.mapping, this.signals, this.clock);
  }
}
