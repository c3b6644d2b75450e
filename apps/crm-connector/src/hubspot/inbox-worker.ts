import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { JsonLogger, counter, histogram } from '@baton/observability';
import { SERVICE_ENV, ServiceRuntime } from '@baton/platform';
import { CONNECTOR_CLOCK, type Clock } from '../api-budget/clock.js';
import type { ConnectorEnv } from '../config/env.js';
import { HubSpotInboxStore, type InboxEvent } from '../database/hubspot-inbox.store.js';
import { RoundLockStore } from '../database/round-lock.store.js';
import { WriteLogStore, echoKey } from '../database/write-log.store.js';
import { IntakeLoop } from '../ingest/intake-loop.js';
import { isPoisonSuspect, reasonOf } from '../ingest/poison.js';
import { LeadIngest } from '../ingest/lead-ingest.js';
import type { ObservedChange, TrackedField } from '../mapping/lead-changes.js';
import {
  canonicalFieldNames,
  crmRefOf,
  fieldsRead,
  leadIdFor,
  mapLead,
  type CanonicalLead,
} from '../mapping/lead-mapper.js';
import { HUBSPOT_MAPPING, type HubSpotMapping } from '../policy/policy.js';
import { HubSpotActivityReader } from './activity-reader.js';
import { HubSpotEngagementReader } from './engagement-reader.js';
import { HubSpotApi } from './hubspot-api.js';
import { HubSpotOwnerDirectory } from './owner-directory.js';
import { actorOfChange, isOwnChange, userIdsOf } from './webhook-events.js';

/** Events taken per round; one batch read per 100 distinct contacts. */
const BATCH_SIZE = 2000;
/** Pause between rounds that found nothing (a webhook delivery cuts it short). */
const IDLE_POLL_MS = 500;
/** A round failing on the same single event this many times sets it aside (hubspot_inbox_rejected). */
export const MAX_EVENT_ATTEMPTS = 3;
/** Processed events are kept this long to dedupe HubSpot's retries (it retries for up to 3 days). */
const KEEP_PROCESSED_MS = 4 * 86_400_000;

const processedEvents = counter(
  'baton_hubspot_inbox_processed_total',
  'Webhook events turned into domain events',
  [],
);
const setAsideEvents = counter(
  'baton_hubspot_inbox_set_aside_total',
  'Inbox events that failed every attempt and were moved to hubspot_inbox_rejected',
  [],
);
const roundSeconds = histogram(
  'baton_hubspot_inbox_round_seconds',
  'Time to process one inbox round',
  [],
  [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
);

function isCreation(e: InboxEvent): boolean {
  return e.subscriptionType.endsWith('.creation');
}

/** Creation first, then by occurredAt (HubSpot delivers unordered), then by eventId. */
export function orderForObject(rows: InboxEvent[]): InboxEvent[] {
  return [...rows].sort(
    (a, b) =>
      Number(isCreation(b)) - Number(isCreation(a)) ||
      Number(a.occurredAt) - Number(b.occurredAt) ||
      (BigInt(a.eventId) < BigInt(b.eventId) ? -1 : BigInt(a.eventId) > BigInt(b.eventId) ? 1 : 0),
  );
}

/**
 * Works the webhook inbox: one round takes the oldest pending events (one worker at a time,
 * by advisory lock, which keeps per-contact order across replicas), reads the contacts they
 * touch with one batch read per 100, marks contacts whose trigger properties moved as due for
 * an events API read (HubSpotEngagementReader), and writes the domain events to the outbox in
 * the same transaction that marks the inbox rows done. A crash anywhere before COMMIT leaves
 * the rows pending for the next round.
 */
@Injectable()
export class HubSpotInboxWorker extends IntakeLoop {
  private lastPurge = 0;
  /** CRM property → the tracked canonical field it feeds. */
  private readonly tracked = new Map<string, TrackedField>();
  private readonly appId?: string;
  private readonly echoWindowMs: number;

  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly api: HubSpotApi,
    @Inject(HUBSPOT_MAPPING) private readonly mapping: HubSpotMapping,
    @Inject(SERVICE_ENV) env: ConnectorEnv,
    private readonly inbox: HubSpotInboxStore,
    private readonly writeLog: WriteLogStore,
    private readonly locks: RoundLockStore,
    private readonly ingest: LeadIngest,
    private readonly owners: HubSpotOwnerDirectory,
    private readonly engagements: HubSpotEngagementReader,
    private readonly activities: HubSpotActivityReader,
    @Inject(CONNECTOR_CLOCK) private readonly clock: Clock,
  ) {
    super({
      log: new JsonLogger('hubspot.inbox'),
      failureMessage: 'inbox round failed; events stay pending',
      idleMs: IDLE_POLL_MS,
      backoff: { baseMs: 500, maxMs: 30_000 },
      clock,
    });
    this.appId = env.HUBSPOT_APP_ID;
    this.echoWindowMs = env.ECHO_WINDOW_MS;
    for (const [field, crmName] of [
      ['leadStatus', mapping.fields.leadStatus],
      ['ownerId', mapping.fields.ownerId],
      ['lifecycleStage', mapping.fields.lifecycleStage],
      ['disqualificationReason', mapping.fields.disqualificationReason],
    ] as const) {
      this.tracked.set(crmName, field);
    }
  }

  /** Events the next round takes: halved after a round failed on its data, to find the poison event. */
  private limit = BATCH_SIZE;
  /** The events the last round took (its transaction may have rolled back). */
  private taken: string[] = [];

  /**
   * A round that fails on its data (see isPoisonSuspect) is tried again at once with half as
   * many events, down to one; a single event failing MAX_EVENT_ATTEMPTS rounds is moved to
   * hubspot_inbox_rejected with the error, and the inbox moves on. An outage (CRM unreachable,
   * 429/5xx, token refused, database down) is thrown: the loop backs off and nothing is set aside.
   */
  protected async round(): Promise<number> {
    this.taken = [];
    try {
      const n = await this.processRound();
      if (this.limit < BATCH_SIZE) this.limit = Math.min(BATCH_SIZE, this.limit * 2);
      return n;
    } catch (err) {
      if (!isPoisonSuspect(err) || this.taken.length === 0) throw err;
      const reason = reasonOf(err);
      if (this.taken.length > 1) {
        this.limit = Math.max(1, Math.floor(this.taken.length / 2));
        this.log.warn('inbox round failed on its data; narrowing the round to find the event', {
          error: err as Error,
          events: this.taken.length,
          next: this.limit,
        });
        return 1;
      }
      const moved = await this.inbox.countFailure(this.taken, reason, MAX_EVENT_ATTEMPTS);
      if (moved) {
        setAsideEvents.inc(moved);
        this.log.error('inbox event failed every attempt; set aside in hubspot_inbox_rejected', {
          eventId: this.taken[0],
          attempts: MAX_EVENT_ATTEMPTS,
          reason,
        });
      }
      return 1;
    }
  }

  /** Processes until the inbox is empty; returns how many events were worked. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.processRound();
      if (n === 0) return total;
      total += n;
    }
  }

  async processRound(): Promise<number> {
    const timer = roundSeconds.startTimer();
    const n = await this.runtime.transaction(async (em) => {
      if (!(await this.locks.tryTake(em, `${this.runtime.schema}.hubspot_inbox`))) return 0;
      const rows = await this.inbox.takePending(em, this.limit);
      if (rows.length === 0) return 0;
      this.taken = rows.map((r) => r.eventId);
      await this.work(em, rows);
      await this.inbox.markProcessed(
        em,
        rows.map((r) => r.eventId),
      );
      return rows.length;
    });
    timer();
    processedEvents.inc(n);
    if (n > 0) {
      // Contacts this round marked due are read by their readers at once.
      this.engagements.nudge();
      this.activities.nudge();
    }
    if (this.clock.now() - this.lastPurge > 3_600_000) {
      this.lastPurge = this.clock.now();
      await this.inbox.purgeProcessed(new Date(this.clock.now() - KEEP_PROCESSED_MS));
    }
    return n;
  }

  private isOwnChange(e: InboxEvent['payload']): boolean {
    return isOwnChange(e, this.appId);
  }

  private async work(em: EntityManager, rows: InboxEvent[]): Promise<void> {
    const byObject = new Map<string, InboxEvent[]>();
    for (const r of rows) {
      const list = byObject.get(r.objectId) ?? [];
      list.push(r);
      byObject.set(r.objectId, list);
    }
    const ctx = {};
    const contacts = await this.api.readContacts([...byObject.keys()], fieldsRead(this.mapping));

    const propertyChanges = rows.filter(
      (r) => r.subscriptionType.endsWith('.propertyChange') && r.payload.propertyName,
    );
    const logged = await this.writeLog.findEchoes(
      em,
      'hubspot',
      propertyChanges.map((r) => ({
        objectId: r.objectId,
        field: r.payload.propertyName!,
        value: r.payload.propertyValue ?? null,
      })),
      this.echoWindowMs,
      new Date(this.clock.now()),
    );

    const ownerOfUser = await this.owners.resolve(userIdsOf(propertyChanges.map((r) => r.payload)));
    const actorOf = (r: InboxEvent) => actorOfChange(r.payload, this.appId, ownerOfUser);

    const changes: ObservedChange[] = [];
    const engagementDue: { id: string; lead: CanonicalLead }[] = [];
    const activityDue: { id: string; lead: CanonicalLead }[] = [];
    for (const [objectId, group] of byObject) {
      const ordered = orderForObject(group);
      const last = ordered[ordered.length - 1];
      const record = contacts.get(objectId);
      const leadId = leadIdFor('hubspot', this.mapping.objectType, objectId);
      if (!record) {
        if (ordered.some((r) => r.subscriptionType.endsWith('.deletion'))) {
          const crm = crmRefOf(this.mapping, objectId, ctx);
          changes.push({
            lead: { leadId, crm, identity: {}, firmographics: {}, custom: {} },
            change: 'deleted',
            occurredAt: new Date(Number(last.occurredAt)).toISOString(),
            sourceEventId: last.eventId,
            echoFields: new Set(),
          });
        } else {
          this.log.warn('contact not readable (deleted or merged away); events skipped', {
            objectId,
            events: group.length,
          });
        }
        continue;
      }
      const lead = mapLead(this.mapping, objectId, record.properties, ctx);
      const props = ordered.filter(
        (r) => r.subscriptionType.endsWith('.propertyChange') && r.payload.propertyName,
      );
      const human = props.filter(
        (r) => !this.isOwnChange(r.payload) && !logged.has(echoKey(objectId, r.payload.propertyName!)),
      );
      const humanFields = new Set(human.map((r) => r.payload.propertyName!));
      const allFields = new Set(props.map((r) => r.payload.propertyName!));
      const echoCrmFields = [...allFields].filter((f) => !humanFields.has(f));
      const changedFields = canonicalFieldNames(this.mapping, allFields);
      const echoFields = new Set(canonicalFieldNames(this.mapping, echoCrmFields));

      const creation = ordered.find(isCreation);
      if (creation) {
        const unknownFields = [...allFields]
          .map((f) => this.tracked.get(f))
          .filter((f): f is TrackedField => f !== undefined);
        changes.push({
          lead,
          change: 'created',
          occurredAt: new Date(Number(creation.occurredAt)).toISOString(),
          sourceEventId: creation.eventId,
          echoFields: new Set(),
          unknownFields,
        });
      }
      const merge = ordered.find((r) => r.subscriptionType.endsWith('.merge'));
      if (merge) {
        const merged = (merge.payload.mergedObjectIds ?? []).map(String).filter((id) => id !== objectId);
        changes.push({
          lead,
          change: 'merged',
          occurredAt: new Date(Number(merge.occurredAt)).toISOString(),
          sourceEventId: merge.eventId,
          echoFields: new Set(),
          mergedLeadIds: merged.map((id) => leadIdFor('hubspot', this.mapping.objectType, id)),
        });
      }
      if (props.length) {
        const latest = props[props.length - 1];
        // Who moved each tracked field: the last person or integration to change it here.
        const fieldActors: ObservedChange['fieldActors'] = {};
        for (const r of human) {
          const field = this.tracked.get(r.payload.propertyName!);
          const actor = actorOf(r);
          if (field && actor) fieldActors[field] = actor;
        }
        const lastHuman = human[human.length - 1];
        const actor = lastHuman ? actorOf(lastHuman) : undefined;
        changes.push({
          lead,
          change: 'updated',
          occurredAt: new Date(Number(latest.occurredAt)).toISOString(),
          sourceEventId: latest.eventId,
          changedFields,
          echoFields,
          fieldActors,
          ...(actor ? { actor } : {}),
        });
      }
      const triggered =
        creation !== undefined ||
        human.some((r) => this.mapping.engagementTriggers.includes(r.payload.propertyName!));
      if (triggered) engagementDue.push({ id: objectId, lead });
      // Logging a call, e-mail or meeting moves these properties (HubSpot's default contact
      // properties "Last contacted", "Last activity date", "Number of sales activities"); the
      // engagements themselves send no contact webhook, so the change is the cue to read them.
      if (human.some((r) => this.mapping.activityTriggers.includes(r.payload.propertyName!)))
        activityDue.push({ id: objectId, lead });
    }

    // The events API is read later, outside this transaction, so webhook intake never waits on it.
    await this.engagements.markDue(
      em,
      engagementDue.map((d) => ({ objectId: d.id, leadId: d.lead.leadId, crm: d.lead.crm })),
    );
    await this.activities.markDue(
      em,
      activityDue.map((d) => ({ objectId: d.id, leadId: d.lead.leadId, crm: d.lead.crm })),
    );
    await this.ingest.ingest(em, { changes, engagements: [], activities: [] });
  }
}
