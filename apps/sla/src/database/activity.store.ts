import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { SeenActivity } from '../deadlines/touch.js';
import type { LeadActivityRow } from './sla.entities.js';

/** Rep work and alert actions seen (lead_activity): kept for arming, pruned by age. */
@Injectable()
export class ActivityStore {
  async insert(em: EntityManager, rows: SeenActivity[]): Promise<void> {
    if (rows.length === 0) return;
    await em.query(
      `INSERT INTO lead_activity (event_id, lead_id, source, kind, occurred_at, received_at, actor, owner_id, status_to,
         assignment_id, rep_id)
       SELECT event_id, lead_id, source, kind, occurred_at, received_at, actor, owner_id, status_to, assignment_id, rep_id
       FROM json_to_recordset($1::json) AS x(event_id text, lead_id text, source text, kind text, occurred_at timestamptz,
         received_at timestamptz, actor jsonb, owner_id text, status_to text, assignment_id text, rep_id text)
       ON CONFLICT (event_id) DO NOTHING`,
      [
        JSON.stringify(
          rows.map((a) => ({
            event_id: a.eventId,
            lead_id: a.leadId,
            source: a.source,
            kind: a.kind,
            occurred_at: a.occurredAt,
            received_at: a.receivedAt,
            actor: a.actor ?? null,
            owner_id: a.ownerId ?? null,
            status_to: a.statusTo ?? null,
            assignment_id: a.assignmentId ?? null,
            rep_id: a.repId ?? null,
          })),
        ),
      ],
    );
  }

  /** What was seen for these leads that occurred at or after `since`, in the order it occurred. */
  async forLeads(em: EntityManager, leadIds: string[], since: Date): Promise<Map<string, SeenActivity[]>> {
    const out = new Map<string, SeenActivity[]>();
    if (leadIds.length === 0) return out;
    const rows: {
      event_id: string;
      lead_id: string;
      source: SeenActivity['source'];
      kind: string;
      occurred_at: Date;
      received_at: Date;
      actor: LeadActivityRow['actor'];
      owner_id: string | null;
      status_to: string | null;
      assignment_id: string | null;
      rep_id: string | null;
    }[] = await em.query(
      `SELECT event_id, lead_id, source, kind, occurred_at, received_at, actor, owner_id, status_to, assignment_id, rep_id
         FROM lead_activity WHERE lead_id = ANY($1::text[]) AND occurred_at >= $2 ORDER BY occurred_at`,
      [leadIds, since],
    );
    for (const r of rows) {
      const list = out.get(r.lead_id) ?? [];
      list.push({
        eventId: r.event_id,
        leadId: r.lead_id,
        source: r.source,
        kind: r.kind,
        occurredAt: r.occurred_at,
        receivedAt: r.received_at,
        actor: r.actor,
        ownerId: r.owner_id,
        statusTo: r.status_to,
        assignmentId: r.assignment_id,
        repId: r.rep_id,
      });
      out.set(r.lead_id, list);
    }
    return out;
  }
}
