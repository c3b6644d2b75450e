import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { DueContact } from '../database/due-contact.store.js';
import { StreamCursorStore } from '../database/stream-cursor.store.js';
import type { ObservedEngagement } from '../ingest/lead-ingest.js';
import type { EngagementFact } from '../mapping/signals.js';
import type { HubSpotMapping } from '../policy/policy.js';
import { DueContactReader, DueReaderDeps } from './due-contacts.js';
import type { HubSpotEvent } from './hubspot-api.js';

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
@Injectable()
export class HubSpotEngagementReader extends DueContactReader {
  constructor(
    deps: DueReaderDeps,
    private readonly cursors: StreamCursorStore,
  ) {
    super(
      {
        table: 'hubspot_engagement_due',
        logName: 'hubspot.engagements',
        failureMessage: 'events API round failed; contacts stay due',
      },
      deps,
    );
  }

  protected async readDue(em: EntityManager, due: DueContact[]): Promise<void> {
    const names = due.map((d) => `hubspot-events:${d.objectId}`);
    const cursors = await this.cursors.read(em, names);
    const moved = new Map<string, string>();
    const engagements: ObservedEngagement[] = [];
    for (const d of due) {
      const name = `hubspot-events:${d.objectId}`;
      const since = cursors.get(name);
      const events = await this.deps.api.contactEvents(d.objectId, since ? new Date(since) : undefined);
      let latest = since;
      for (const e of events) {
        if (!latest || e.occurredAt > latest) latest = e.occurredAt;
        const fact = factOf(this.deps.mapping, e);
        if (fact) engagements.push({ leadId: d.leadId, crm: d.crm, fact });
      }
      if (latest && latest !== since) moved.set(name, latest);
    }
    await this.deps.ingest.ingest(em, { changes: [], engagements, activities: [] });
    await this.cursors.write(em, moved);
  }
}
