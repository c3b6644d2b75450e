import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { JsonLogger } from '@baton/observability';
import { ServiceRuntime } from '@baton/platform';
import { CONNECTOR_CLOCK, type Clock } from '../api-budget/clock.js';
import { DueContactStore, type DueContact, type DueTable } from '../database/due-contact.store.js';
import { HubSpotInboxStore } from '../database/hubspot-inbox.store.js';
import { RoundLockStore } from '../database/round-lock.store.js';
import { IntakeLoop } from '../ingest/intake-loop.js';
import { LeadIngest } from '../ingest/lead-ingest.js';
import { isPoisonSuspect, reasonOf } from '../ingest/poison.js';
import { HUBSPOT_MAPPING, type HubSpotMapping } from '../policy/policy.js';
import { HubSpotApi } from './hubspot-api.js';

/** Contacts read per round. */
const CONTACTS_PER_ROUND = 20;
/** A round failing on one contact alone this many times sets it aside (hubspot_inbox_rejected). */
export const MAX_CONTACT_ATTEMPTS = 3;

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
    readonly inbox: HubSpotInboxStore,
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

  /** Contacts the next round takes: halved after a round failed on its data, down to one. */
  private limit = CONTACTS_PER_ROUND;
  private taken: string[] = [];

  /**
   * A round that fails on its data (see isPoisonSuspect: malformed CRM answers, a CRM refusing the
   * request) is narrowed to half as many contacts, down to one; a contact failing alone
   * MAX_CONTACT_ATTEMPTS times leaves the queue and is set aside in hubspot_inbox_rejected with
   * the error. An outage is thrown: the loop backs off and every contact stays due.
   */
  protected async round(): Promise<number> {
    this.taken = [];
    try {
      const n = await this.readRound();
      if (this.limit < CONTACTS_PER_ROUND) this.limit = Math.min(CONTACTS_PER_ROUND, this.limit * 2);
      return n;
    } catch (err) {
      if (!isPoisonSuspect(err) || this.taken.length === 0) throw err;
      if (this.taken.length > 1) {
        this.limit = Math.max(1, Math.floor(this.taken.length / 2));
        this.log.warn('read round failed on its data; narrowing the round to find the contact', {
          error: err as Error,
          contacts: this.taken.length,
        });
        return 1;
      }
      const reason = reasonOf(err);
      const { table } = this.queue;
      const poisoned = await this.deps.runtime.transaction(async (em) => {
        const out = await this.deps.due.countFailure(em, table, this.taken, MAX_CONTACT_ATTEMPTS);
        await this.deps.inbox.setAside(
          em,
          out.map((d) => ({
            objectId: d.objectId,
            reason: `${table}: failed ${d.attempts} reads: ${reason}`,
            raw: JSON.stringify(d),
          })),
        );
        return out;
      });
      if (poisoned.length)
        this.log.error('contact failed every read; set aside in hubspot_inbox_rejected', {
          objectId: this.taken[0],
          queue: table,
          reason,
        });
      return 1;
    }
  }

  /** One round: up to 20 due contacts; returns how many were read. */
  async readRound(): Promise<number> {
    const { table } = this.queue;
    const { runtime, due, locks } = this.deps;
    return runtime.transaction(async (em) => {
      if (!(await locks.tryTake(em, `${runtime.schema}.${table}`))) return 0;
      const contacts = await due.take(em, table, this.limit);
      if (contacts.length === 0) return 0;
      this.taken = contacts.map((c) => c.objectId);
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
