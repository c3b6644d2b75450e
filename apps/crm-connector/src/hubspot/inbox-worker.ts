import type { EntityManager } from 'typeorm';
import { JsonLogger, counter, histogram } from '@baton/observability';
import type { ServiceRuntime } from '@baton/platform';
import type { Clock } from '../api-budget/clock.js';
import { IntakeLoop, tryRoundLock } from '../ingest/intake-loop.js';
import { ingest } from '../ingest/lead-ingest.js';
import type { ObservedChange, TrackedField } from '../mapping/lead-changes.js';
import {
  canonicalFieldNames,
  crmRefOf,
  fieldsRead,
  leadIdFor,
  mapLead,
  type CanonicalLead,
} from '../mapping/lead-mapper.js';
import type { HubSpotMapping, SignalsPolicy } from '../policy/policy.js';
import { echoKey, findEchoes } from '../store/write-log.js';
import type { HubSpotApi } from './hubspot-api.js';
import { markActivitiesDue } from './activity-reader.js';
import { hubspotIngestDeps, markEngagementsDue } from './engagement-reader.js';
import { markProcessed, purgeInbox, takePending, type InboxRow } from './inbox.js';
import { HubSpotOwnerDirectory } from './owner-directory.js';
import { actorOfChange, isOwnChange, userIdsOf } from './webhook-events.js';

export interface InboxWorkerOptions {
  appId?: string;
  portalId?: string;
  echoWindowMs: number;
  /** Events taken per round; one batch read per 100 distinct contacts. */
  batchSize?: number;
  idlePollMs?: number;
  /** Called after a round that left contacts due for an events API read. */
  onEngagementsDue?: () => void;
}

const processedEvents = counter(
  'baton_hubspot_inbox_processed_total',
  'Webhook events turned into domain events',
  [],
);
const roundSeconds = histogram(
  'baton_hubspot_inbox_round_seconds',
  'Time to process one inbox round',
  [],
  [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
);

function isCreation(e: InboxRow): boolean {
  return e.subscription_type.endsWith('.creation');
}

/** Creation first, then by occurredAt (HubSpot delivers unordered), then by eventId. */
export function orderForObject(rows: InboxRow[]): InboxRow[] {
  return [...rows].sort(
    (a, b) =>
      Number(isCreation(b)) - Number(isCreation(a)) ||
      Number(a.occurred_at) - Number(b.occurred_at) ||
      (BigInt(a.event_id) < BigInt(b.event_id) ? -1 : BigInt(a.event_id) > BigInt(b.event_id) ? 1 : 0),
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
export class HubSpotInboxWorker extends IntakeLoop {
  private lastPurge = 0;
  /** CRM property → the tracked canonical field it feeds. */
  private readonly tracked = new Map<string, TrackedField>();
  private readonly owners: HubSpotOwnerDirectory;

  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly api: HubSpotApi,
    private readonly mapping: HubSpotMapping,
    private readonly signals: SignalsPolicy,
    private readonly opts: InboxWorkerOptions,
    private readonly clock: Clock,
  ) {
    super({
      log: new JsonLogger('hubspot.inbox'),
      failureMessage: 'inbox round failed; events stay pending',
      idleMs: opts.idlePollMs ?? 500,
      backoff: { baseMs: 500, maxMs: 30_000 },
      clock,
    });
    this.owners = new HubSpotOwnerDirectory(api, clock);
    for (const [field, crmName] of [
      ['leadStatus', mapping.fields.leadStatus],
      ['ownerId', mapping.fields.ownerId],
      ['lifecycleStage', mapping.fields.lifecycleStage],
      ['disqualificationReason', mapping.fields.disqualificationReason],
    ] as const) {
      this.tracked.set(crmName, field);
    }
  }

  protected round(): Promise<number> {
    return this.processRound();
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
      if (!(await tryRoundLock(em, `${this.runtime.schema}.hubspot_inbox`))) return 0;
      const rows = await takePending(em, this.opts.batchSize ?? 1000);
      if (rows.length === 0) return 0;
      await this.work(em, rows);
      await markProcessed(
        em,
        rows.map((r) => r.event_id),
      );
      return rows.length;
    });
    timer();
    processedEvents.inc(n);
    if (n > 0) this.opts.onEngagementsDue?.();
    if (this.clock.now() - this.lastPurge > 3_600_000) {
      this.lastPurge = this.clock.now();
      await this.runtime.transaction((em) => purgeInbox(em, new Date(this.clock.now() - 4 * 86_400_000)));
    }
    return n;
  }

  private isOwnChange(e: InboxRow['payload']): boolean {
    return isOwnChange(e, this.opts.appId);
  }

  private async work(em: EntityManager, rows: InboxRow[]): Promise<void> {
    const byObject = new Map<string, InboxRow[]>();
    for (const r of rows) {
      const list = byObject.get(r.object_id) ?? [];
      list.push(r);
      byObject.set(r.object_id, list);
    }
    const ctx = { portalId: this.opts.portalId };
    const contacts = await this.api.readContacts([...byObject.keys()], fieldsRead(this.mapping));

    const propertyChanges = rows.filter(
      (r) => r.subscription_type.endsWith('.propertyChange') && r.payload.propertyName,
    );
    const logged = await findEchoes(
      em,
      'hubspot',
      propertyChanges.map((r) => ({
        objectId: r.object_id,
        field: r.payload.propertyName!,
        value: r.payload.propertyValue ?? null,
      })),
      this.opts.echoWindowMs,
      new Date(this.clock.now()),
    );

    const ownerOfUser = await this.owners.resolve(userIdsOf(propertyChanges.map((r) => r.payload)));
    const actorOf = (r: InboxRow) => actorOfChange(r.payload, this.opts.appId, ownerOfUser);

    const changes: ObservedChange[] = [];
    const engagementDue: { id: string; lead: CanonicalLead }[] = [];
    const activityDue: { id: string; lead: CanonicalLead }[] = [];
    for (const [objectId, group] of byObject) {
      const ordered = orderForObject(group);
      const last = ordered[ordered.length - 1];
      const record = contacts.get(objectId);
      const leadId = leadIdFor('hubspot', this.mapping.objectType, objectId);
      if (!record) {
        if (ordered.some((r) => r.subscription_type.endsWith('.deletion'))) {
          const crm = crmRefOf(this.mapping, objectId, ctx);
          changes.push({
            lead: { leadId, crm, identity: {}, firmographics: {}, custom: {} },
            change: 'deleted',
            occurredAt: new Date(Number(last.occurred_at)).toISOString(),
            sourceEventId: last.event_id,
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
        (r) => r.subscription_type.endsWith('.propertyChange') && r.payload.propertyName,
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
          occurredAt: new Date(Number(creation.occurred_at)).toISOString(),
          sourceEventId: creation.event_id,
          echoFields: new Set(),
          unknownFields,
        });
      }
      const merge = ordered.find((r) => r.subscription_type.endsWith('.merge'));
      if (merge) {
        const merged = (merge.payload.mergedObjectIds ?? []).map(String).filter((id) => id !== objectId);
        changes.push({
          lead,
          change: 'merged',
          occurredAt: new Date(Number(merge.occurred_at)).toISOString(),
          sourceEventId: merge.event_id,
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
          occurredAt: new Date(Number(latest.occurred_at)).toISOString(),
          sourceEventId: latest.event_id,
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
    await markEngagementsDue(
      em,
      engagementDue.map((d) => ({ objectId: d.id, leadId: d.lead.leadId, crm: d.lead.crm })),
    );
    await markActivitiesDue(
      em,
      activityDue.map((d) => ({ objectId: d.id, leadId: d.lead.leadId, crm: d.lead.crm })),
    );
    await ingest(em, hubspotIngestDeps(this.runtime, this.mapping, this.signals, this.clock), {
      changes,
      engagements: [],
      activities: [],
    });
  }
}
