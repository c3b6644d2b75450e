import type { EntityManager } from 'typeorm';
import type { ActivityKind, CrmRef, LeadActivity } from '@baton/domain';
import { JsonLogger } from '@baton/observability';
import type { ServiceRuntime } from '@baton/platform';
import type { Clock } from '../api-budget/clock.js';
import { IntakeLoop, tryRoundLock } from '../ingest/intake-loop.js';
import { ingest, type ObservedActivity } from '../ingest/lead-ingest.js';
import type { HubSpotMapping, SignalsPolicy } from '../policy/policy.js';
import { hubspotIngestDeps, type DueContact } from './engagement-reader.js';
import {
  LOGGED_ACTIVITY_TYPES,
  type HubSpotApi,
  type LoggedActivity,
  type LoggedActivityType,
} from './hubspot-api.js';

/** Contacts read per round: each costs three association reads plus one batch read per type with news. */
const CONTACTS_PER_ROUND = 20;

/** Notes, in the inbox transaction, that these contacts' logged calls, e-mails and meetings must be read. */
export async function markActivitiesDue(em: EntityManager, due: DueContact[]): Promise<void> {
  if (due.length === 0) return;
  await em.query(
    `INSERT INTO hubspot_activity_due (object_id, lead_id, crm)
     SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[]) ON CONFLICT (object_id) DO NOTHING`,
    [due.map((d) => d.objectId), due.map((d) => d.leadId), due.map((d) => JSON.stringify(d.crm))],
  );
}

export function activityKindOf(type: LoggedActivityType): ActivityKind {
  switch (type) {
    case 'calls':
      return 'call_logged';
    case 'emails':
      return 'email_logged';
    case 'meetings':
      return 'meeting_logged';
  }
}

/** The engagement's key in lead.activity's sourceEventId and in the per-contact emitted set. */
export function engagementKeyOf(type: LoggedActivityType, id: string): string {
  return `hubspot:${type}:${id}`;
}

/** A logged call, e-mail or meeting as rep activity on the lead; occurredAt is the time the rep gave it. */
export function toActivity(leadId: string, crm: CrmRef, a: LoggedActivity, now: Date): ObservedActivity {
  const kind = activityKindOf(a.type);
  const sourceEventId = engagementKeyOf(a.type, a.id);
  const data: LeadActivity = {
    leadId,
    crm,
    kind,
    occurredAt: a.occurredAt ?? now.toISOString(),
    sourceEventId,
  };
  if (a.ownerId) data.actorOwnerId = a.ownerId;
  if (a.subject) data.subject = a.subject;
  return { id: `${leadId}/activity/${kind}/${sourceEventId}`, data };
}

/**
 * Reads the calls, e-mails and meetings reps log in HubSpot. HubSpot sends no webhook for them,
 * but it moves the contact's last-contacted properties (`activityTriggers`) when one is logged;
 * the inbox marks such contacts due and this loop reads their associations (v4) and the new
 * engagements (batch read). Engagements already emitted for the contact are remembered in
 * `hubspot_logged_activity`, committed with the activities, so each one becomes lead.activity once.
 */
export class HubSpotActivityReader extends IntakeLoop {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly api: HubSpotApi,
    private readonly mapping: HubSpotMapping,
    private readonly signals: SignalsPolicy,
    private readonly clock: Clock,
    idlePollMs = 1000,
  ) {
    super({
      log: new JsonLogger('hubspot.activities'),
      failureMessage: 'logged activity round failed; contacts stay due',
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
      if (!(await tryRoundLock(em, `${this.runtime.schema}.hubspot_activity_due`))) return 0;
      const due: { object_id: string; lead_id: string; crm: CrmRef }[] = await em.query(
        `SELECT object_id, lead_id, crm FROM hubspot_activity_due ORDER BY due_since LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [CONTACTS_PER_ROUND],
      );
      if (due.length === 0) return 0;
      const emittedRows: { object_id: string; engagement: string }[] = await em.query(
        `SELECT object_id, engagement FROM hubspot_logged_activity WHERE object_id = ANY($1::text[])`,
        [due.map((d) => d.object_id)],
      );
      const emitted = new Set(emittedRows.map((r) => `${r.object_id}/${r.engagement}`));
      const now = new Date(this.clock.now());
      const candidates: { objectId: string; activity: ObservedActivity }[] = [];
      for (const d of due) {
        for (const type of LOGGED_ACTIVITY_TYPES) {
          const ids = await this.api.contactActivityIds(d.object_id, type);
          const fresh = ids.filter((id) => !emitted.has(`${d.object_id}/${engagementKeyOf(type, id)}`));
          if (fresh.length === 0) continue;
          for (const a of await this.api.readLoggedActivities(type, fresh)) {
            candidates.push({ objectId: d.object_id, activity: toActivity(d.lead_id, d.crm, a, now) });
          }
        }
      }
      // Claim before emitting: a key another round already stored is not emitted again.
      const claimed: { object_id: string; engagement: string }[] = candidates.length
        ? await em.query(
            `INSERT INTO hubspot_logged_activity (object_id, engagement)
             SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING
             RETURNING object_id, engagement`,
            [candidates.map((c) => c.objectId), candidates.map((c) => c.activity.data.sourceEventId)],
          )
        : [];
      const fresh = new Set(claimed.map((r) => `${r.object_id}/${r.engagement}`));
      const activities = candidates
        .filter((c) => fresh.has(`${c.objectId}/${c.activity.data.sourceEventId}`))
        .map((c) => c.activity)
        .sort((a, b) => a.data.occurredAt.localeCompare(b.data.occurredAt));
      await ingest(em, hubspotIngestDeps(this.runtime, this.mapping, this.signals, this.clock), {
        changes: [],
        engagements: [],
        activities,
      });
      await em.query(`DELETE FROM hubspot_activity_due WHERE object_id = ANY($1::text[])`, [
        due.map((d) => d.object_id),
      ]);
      return due.length;
    });
  }
}
