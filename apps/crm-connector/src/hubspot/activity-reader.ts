import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { cleanText, type ActivityKind, type CrmRef, type LeadActivity } from '@baton/domain';
import type { DueContact } from '../database/due-contact.store.js';
import { LoggedActivityStore } from '../database/logged-activity.store.js';
import type { ObservedActivity } from '../ingest/lead-ingest.js';
import { DueContactReader, DueReaderDeps } from './due-contacts.js';
import { cutText } from './webhook-events.js';
import { LOGGED_ACTIVITY_TYPES, type LoggedActivity, type LoggedActivityType } from './hubspot-api.js';

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

/** A logged engagement's title as lead.activity carries it. */
export const MAX_ACTIVITY_SUBJECT_CHARS = 500;

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
  if (a.subject) data.subject = cutText(cleanText(a.subject), MAX_ACTIVITY_SUBJECT_CHARS);
  return { id: `${leadId}/activity/${kind}/${sourceEventId}`, data };
}

/**
 * Reads the calls, e-mails and meetings reps log in HubSpot. HubSpot sends no webhook for them,
 * but it moves the contact's last-contacted properties (`activityTriggers`) when one is logged;
 * the inbox marks such contacts due and this loop reads their associations (v4) and the new
 * engagements (batch read). Engagements already emitted for the contact are remembered in
 * `hubspot_logged_activity`, committed with the activities, so each one becomes lead.activity once.
 */
@Injectable()
export class HubSpotActivityReader extends DueContactReader {
  constructor(
    deps: DueReaderDeps,
    private readonly logged: LoggedActivityStore,
  ) {
    super(
      {
        table: 'hubspot_activity_due',
        logName: 'hubspot.activities',
        failureMessage: 'logged activity round failed; contacts stay due',
      },
      deps,
    );
  }

  /** Each due contact costs three association reads plus one batch read per type with news. */
  protected async readDue(em: EntityManager, due: DueContact[]): Promise<void> {
    const { api, clock } = this.deps;
    const emitted = await this.logged.emittedFor(
      em,
      due.map((d) => d.objectId),
    );
    const now = new Date(clock.now());
    const candidates: { objectId: string; activity: ObservedActivity }[] = [];
    for (const d of due) {
      for (const type of LOGGED_ACTIVITY_TYPES) {
        const ids = await api.contactActivityIds(d.objectId, type);
        const fresh = ids.filter((id) => !emitted.has(`${d.objectId}/${engagementKeyOf(type, id)}`));
        if (fresh.length === 0) continue;
        for (const a of await api.readLoggedActivities(type, fresh)) {
          candidates.push({ objectId: d.objectId, activity: toActivity(d.leadId, d.crm, a, now) });
        }
      }
    }
    // Claim before emitting: a key another round already stored is not emitted again.
    const claimed = await this.logged.claim(
      em,
      candidates.map((c) => ({ objectId: c.objectId, engagement: c.activity.data.sourceEventId })),
    );
    const activities = candidates
      .filter((c) => claimed.has(`${c.objectId}/${c.activity.data.sourceEventId}`))
      .map((c) => c.activity)
      .sort((a, b) => a.data.occurredAt.localeCompare(b.data.occurredAt));
    await this.deps.ingest.ingest(em, { changes: [], engagements: [], activities });
  }
}
