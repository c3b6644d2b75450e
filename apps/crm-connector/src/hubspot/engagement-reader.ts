import type { EntityManager } from 'typeorm';
import type { CrmRef } from '@baton/domain';
import { JsonLogger } from '@baton/observability';
import type { ServiceRuntime } from '@baton/platform';
import type { Clock } from '../api-budget/clock.js';
import { IntakeLoop, tryRoundLock } from '../ingest/intake-loop.js';
import { ingest, ingestDepsOf, type IngestDeps, type ObservedEngagement } from '../ingest/lead-ingest.js';
import type { EngagementFact } from '../mapping/signals.js';
import type { HubSpotMapping, SignalsPolicy } from '../policy/policy.js';
import { readCursors, writeCursors } from '../store/stream-cursors.js';
import type { HubSpotApi, HubSpotEvent } from './hubspot-api.js';

/** Contacts read per round: each is one events API call under the shared budget. */
const CONTACTS_PER_ROUND = 20;

export interface DueContact {
  objectId: string;
  leadId: string;
  crm: CrmRef;
}

/** Notes, in the inbox transaction, that these contacts' behavioural events must be read. */
export async function markEngagementsDue(em: EntityManager, due: DueContact[]): Promise<void> {
  if (due.length === 0) return;
  await em.query(
    `INSERT INTO hubspot_engagement_due (object_id, lead_id, crm)
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

/** HubSpot's events API facts as engagement facts, by the mapping's eventTypes and eventProperties. */
export function factOf(mapping: HubSpotMapping, e: HubSpotEvent): EngagementFact | undefined {
  const type = mapping.eventTypes[e.eventType];
  if (!type) return undefined;
  const pick = (keys: string[]) => keys.map((k) => e.properties[k]).find((v) => v !== undefined && v !== '');
  const p = mapping.eventProperties;
  const fact: EngagementFact = { type, occurredAt: e.occurredAt, sourceEventId: e.id };
  const url = pick(p.url);
  const name = pick(p.title);
  const formId = pick(p.formId);
  const campaign = pick(p.campaign);
  if (url) fact.url = url;
  if (name) fact.name = name;
  if (formId) fact.formId = formId;
  if (campaign) fact.campaign = campaign;
  if (type === 'custom_event') fact.name ??= e.eventType;
  return fact;
}

/**
 * Reads the behavioural events (page views, form submissions, e-mail opens and clicks…) that
 * HubSpot's webhooks do not carry, for contacts the inbox marked due, from each contact's
 * cursor on. Runs apart from the inbox so webhook intake never waits on these calls; a round's
 * engagements, cursors and the cleared due marks commit together.
 */
export class HubSpotEngagementReader extends IntakeLoop {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly api: HubSpotApi,
    private readonly mapping: HubSpotMapping,
    private readonly signals: SignalsPolicy,
    private readonly clock: Clock,
    idlePollMs = 1000,
  ) {
    super({
      log: new JsonLogger('hubspot.engagements'),
      failureMessage: 'events API round failed; contacts stay due',
      idleMs: idlePollMs,
      backoff: { baseMs: 1000, maxMs: 60_000 },
      clock,
    });
  }

  protected round(): Promise<number> {
    return this.readRound();
  }

  /** One round: up to 20 due contacts; returns how many were read. */
  async readRound(): Promise<number> {
    return this.runtime.transaction(async (em) => {
      if (!(await tryRoundLock(em, `${this.runtime.schema}.hubspot_engagement_due`))) return 0;
      const due: { object_id: string; lead_id: string; crm: CrmRef }[] = await em.query(
        `SELECT object_id, lead_id, crm FROM hubspot_engagement_due ORDER BY due_since LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [CONTACTS_PER_ROUND],
      );
      if (due.length === 0) return 0;
      const names = due.map((d) => `hubspot-events:${d.object_id}`);
      const cursors = await readCursors(em, names);
      const moved = new Map<string, string>();
      const engagements: ObservedEngagement[] = [];
      for (const d of due) {
        const name = `hubspot-events:${d.object_id}`;
        const since = cursors.get(name);
        const events = await this.api.contactEvents(d.object_id, since ? new Date(since) : undefined);
        let latest = since;
        for (const e of events) {
          if (!latest || e.occurredAt > latest) latest = e.occurredAt;
          const fact = factOf(this.mapping, e);
          if (fact) engagements.push({ leadId: d.lead_id, crm: d.crm, fact });
        }
        if (latest && latest !== since) moved.set(name, latest);
      }
      await ingest(em, hubspotIngestDeps(this.runtime, this.mapping, this.signals, this.clock), {
        changes: [],
        engagements,
        activities: [],
      });
      await writeCursors(em, moved);
      await em.query(`DELETE FROM hubspot_engagement_due WHERE object_id = ANY($1::text[])`, [
        due.map((d) => d.object_id),
      ]);
      return due.length;
    });
  }
}
