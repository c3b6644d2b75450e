import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { JsonLogger } from '@baton/observability';
import { ServiceRuntime } from '@baton/platform';
import { CONNECTOR_CLOCK, type Clock } from '../api-budget/clock.js';
import { DueContactStore, type DueContact, type DueTable } from '../database/due-contact.store.js';
import { RoundLockStore } from '../database/round-lock.store.js';
import { IntakeLoop } from '../ingest/intake-loop.js';
import { LeadIngest } from '../ingest/lead-ingest.js';
import { HUBSPOT_MAPPING, type HubSpotMapping } from '../policy/policy.js';
import { HubSpotApi } from './hubspot-api.js';

/** Contacts read per round. */
const CONTACTS_PER_ROUND = 20;

/** What a due-contact reader works with. */
@Injectable()
export class DueReaderDeps {
  constructor(
    readonly runtime: ServiceRuntime,
    readonly api: HubSpotApi,
    @Inject(HUBSPOT_MAPPING) readonly mapping: HubSpotMapping,
    readonly ingest: LeadIngest,
    readonly due: DueContactStore,
    readonly locks: RoundLockStore,
    @Inject(CONNECTOR_CLOCK) readonly clock: Clock,
  ) {}
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
  protected constructor(
    private readonly queue: DueQueue,
    protected readonly deps: DueReaderDeps,
    idlePollMs = 1000,
  ) {
    super({
      log: new JsonLogger(queue.logName),
      failureMessage: queue.failureMessage,
      idleMs: idlePollMs,
      backoff: { baseMs: 1000, maxMs: 60_000 },
      clock: deps.clock,
    });
  }

  /** Notes, in the inbox transaction, that these contacts must be read by this reader. */
  markDue(em: EntityManager, due: DueContact[]): Promise<void> {
    return this.deps.due.mark(em, this.queue.table, due);
  }

  protected round(): Promise<number> {
    return this.readRound();
  }

  /** One round: up to 20 due contacts; returns how many were read. */
  async readRound(): Promise<number> {
    const { table } = this.queue;
    const { runtime, due, locks } = this.deps;
    return runtime.transaction(async (em) => {
      if (!(await locks.tryTake(em, `${runtime.schema}.${table}`))) return 0;
      const contacts = await due.take(em, table, CONTACTS_PER_ROUND);
      if (contacts.length === 0) return 0;
      await this.readDue(em, contacts);
      await due.clear(
        em,
        table,
        contacts.map((d) => d.objectId),
      );
      return contacts.length;
    });
  }

  /** Reads and ingests the due contacts' data inside the round's transaction. */
  protected abstract readDue(em: EntityManager, due: DueContact[]): Promise<void>;
}
