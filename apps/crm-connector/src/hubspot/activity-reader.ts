import type { EntityManager } from 'typeorm';
import type { ActivityKind, CrmRef, LeadActivity } from '@baton/domain';
import { ingest, type ObservedActivity } from '../ingest/lead-ingest.js';
import {
  DueContactReader,
  markDue,
  type DueContact,
  type DueContactRow,
  type DueReaderDeps,
} from './due-contacts.js';
import { LOGGED_ACTIVITY_TYPES, type LoggedActivity, type LoggedActivityType } from './hubspot-api.js';

/** Notes, in the inbox transaction, that these contacts' logged calls, e-mails and meetings must be read. */
export function markActivitiesDue(em: EntityManager, due: DueContact[]): Promise<void> {
  return markDue(em, 'hubspot_activity_due', due);
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
  if (a.ownerId) {
    data.actorOwnerId = a.ownerId;
    data.actor = { kind: 'person', ownerId: a.ownerId };
  }
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
export class HubSpotActivityReader extends DueContactReader {
  constructor(deps: DueReaderDeps, idlePollMs = 1000) {
    super(
      {
        table: 'hubspot_activity_due',
        logName: 'hubspot.activities',
        failureMessage: 'logged activity round failed; contacts stay due',
      },
      deps,
      idlePollMs,
    );
  }

  /** Each due contact costs three association reads plus one batch read per type with news. */
  protected async readDue(em: EntityManager, due: DueContactRow[]): Promise<void> {
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
    await ingest(em, this.ingestDeps(), { changes: [], engagements: [], activities });
  }
}
