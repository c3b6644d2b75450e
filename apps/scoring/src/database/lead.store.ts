import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { CrmRef, EngagementKind, LeadProfile, LifecycleStage } from '@baton/domain';
import type { Baseline, Signal } from '../scoring/score.js';
import { DisqualificationEntity } from './disqualification.entity.js';
import { LeadEntity } from './lead.entity.js';
import { QualificationEntity } from './qualification.entity.js';
import { StageChangeEntity } from './stage-change.entity.js';

/** A lead's scoring state, as stored. */
export interface LeadState {
  leadId: string;
  crm: CrmRef;
  stage: LifecycleStage;
  score: number;
  peakScore: number;
  highIntentCount: number;
  qualificationCount: number;
  profile?: LeadProfile;
  profileEventId?: string;
  /** Set when this unit of work replaced the profile (only then is it written back). */
  profileChanged?: boolean;
  baseline?: Baseline;
  firstSeenAt: string;
  opportunityAt?: string;
  /** Changes, to a fresh random value, whenever the lead's stored signals change (see SignalCache). */
  signalToken?: string;
}

export interface StageChange {
  leadId: string;
  from: LifecycleStage;
  to: LifecycleStage;
  cause: string;
  causeEventId?: string;
  score: number;
  rulesVersion: string;
  changedAt: string;
}

export interface QualificationRecord {
  qualificationId: string;
  leadId: string;
  seq: number;
  score: number;
  threshold: number;
  rulesVersion: string;
  summary: string;
  openingLine?: string;
  claims: unknown;
  writtenBy: string;
  causeEventId?: string;
  qualifiedAt: string;
}

interface LeadRow {
  lead_id: string;
  crm: CrmRef;
  stage: LifecycleStage;
  score: number;
  peak_score: number;
  high_intent_count: number;
  qualification_count: number;
  profile: LeadProfile | null;
  profile_event_id: string | null;
  baseline_since: Date | null;
  baseline_keep: number | null;
  first_seen_at: Date;
  opportunity_at: Date | null;
  signal_token: string | null;
}

function toState(r: LeadRow): LeadState {
  return {
    leadId: r.lead_id,
    crm: r.crm,
    stage: r.stage,
    score: r.score,
    peakScore: r.peak_score,
    highIntentCount: r.high_intent_count,
    qualificationCount: r.qualification_count,
    profile: r.profile ?? undefined,
    profileEventId: r.profile_event_id ?? undefined,
    baseline: r.baseline_since
      ? { since: r.baseline_since.toISOString(), keepFraction: r.baseline_keep ?? 0 }
      : undefined,
    firstSeenAt: r.first_seen_at.toISOString(),
    opportunityAt: r.opportunity_at?.toISOString(),
    signalToken: r.signal_token ?? undefined,
  };
}

// Rows go to Postgres as one JSON document (json_to_recordset) rather than as text[]/jsonb[]
// parameters: pg builds array literals by escaping every element in JS, which cost more than
// the statements themselves for JSON columns.

// Signals are read in bulk: a float is much cheaper to parse than a timestamp string.
const EPOCH_MS = `round(extract(epoch FROM occurred_at) * 1000)::float8 AS occurred_ms`;

export interface NewLead {
  leadId: string;
  crm: CrmRef;
  firstSeenAt: string;
}

/** What `GET /leads/:leadId` shows: the lead, its stage changes in order, its qualifications. */
export interface LeadRecord {
  lead: LeadEntity;
  stageChanges: StageChangeEntity[];
  qualifications: QualificationEntity[];
}

/**
 * The lead aggregate: the lead row, its signals, stage changes, qualifications and
 * disqualifications. The scoring pipeline's methods join the caller's transaction (they take its
 * EntityManager; search_path is the service schema) and are hand-written, set-based statements, so
 * a batch of hundreds of events costs a handful of round trips; reads for HTTP go through the
 * entities' repositories.
 */
@Injectable()
export class LeadStore {
  constructor(private readonly db: DataSource) {}

  /** The lead with its history, or undefined when scoring has never seen it. */
  async record(leadId: string): Promise<LeadRecord | undefined> {
    const lead = await this.db.getRepository(LeadEntity).findOneBy({ leadId });
    if (!lead) return undefined;
    const [stageChanges, qualifications] = await Promise.all([
      this.db.getRepository(StageChangeEntity).find({ where: { leadId }, order: { id: 'ASC' } }),
      this.db.getRepository(QualificationEntity).find({ where: { leadId }, order: { seq: 'ASC' } }),
    ]);
    return { lead, stageChanges, qualifications };
  }

  /**
   * Locks the known leads (in id order) and creates the missing ones. Two writers could only
   * deadlock by creating the same new leads at the same moment; Postgres then aborts one, and
   * its batch is retried.
   */
  async lockLeads(em: EntityManager, leads: NewLead[]): Promise<Map<string, LeadState>> {
    const byId = new Map<string, NewLead>();
    for (const l of leads) {
      const known = byId.get(l.leadId);
      if (!known || Date.parse(l.firstSeenAt) < Date.parse(known.firstSeenAt)) byId.set(l.leadId, l);
    }
    const list = [...byId.values()].sort((a, b) => (a.leadId < b.leadId ? -1 : 1));
    if (list.length === 0) return new Map();
    // One round trip. Known leads are locked with FOR UPDATE (no new row version; a row changed
    // meanwhile is returned as committed), in id order; missing ones are inserted, and one
    // inserted concurrently by another writer is locked through DO UPDATE instead.
    const rows: LeadRow[] = await em.query(
      `WITH wanted AS (
         SELECT id, crm, seen FROM json_to_recordset($1::json) AS t(id text, crm jsonb, seen timestamptz)
       ), locked AS (
         SELECT l.* FROM lead AS l WHERE l.lead_id IN (SELECT id FROM wanted) ORDER BY l.lead_id FOR UPDATE
       ), created AS (
         INSERT INTO lead AS l (lead_id, crm, stage, first_seen_at)
         SELECT id, crm, 'lead', seen FROM wanted WHERE id NOT IN (SELECT lead_id FROM locked) ORDER BY id
         ON CONFLICT (lead_id) DO UPDATE SET first_seen_at = LEAST(l.first_seen_at, EXCLUDED.first_seen_at)
         RETURNING l.*
       )
       SELECT * FROM locked UNION ALL SELECT * FROM created`,
      [JSON.stringify(list.map((l) => ({ id: l.leadId, crm: l.crm, seen: l.firstSeenAt })))],
    );
    const states = new Map(rows.map((r) => [r.lead_id, toState(r)]));
    // A late event moves first_seen_at back; persist writes it.
    for (const l of list) {
      const state = states.get(l.leadId);
      if (state && Date.parse(l.firstSeenAt) < Date.parse(state.firstSeenAt))
        state.firstSeenAt = new Date(l.firstSeenAt).toISOString();
    }
    return states;
  }

  /**
   * Stores new signals (a signal already stored, same source event, is ignored) in one round
   * trip, and reads the signals already stored for `loadLeadIds`: the SELECT sees the table as
   * it was before the statement, so `stored` and `added` never overlap.
   */
  async storeSignals(
    em: EntityManager,
    rows: { leadId: string; signal: Signal }[],
    loadLeadIds: string[],
  ): Promise<{ stored: Map<string, Signal[]>; added: Map<string, Signal[]> }> {
    const stored = new Map<string, Signal[]>(loadLeadIds.map((id) => [id, []]));
    const added = new Map<string, Signal[]>();
    if (rows.length === 0 && loadLeadIds.length === 0) return { stored, added };
    const found: {
      lead_id: string;
      source_event_id: string;
      kind: EngagementKind;
      occurred_ms: number;
      detail: Signal['detail'];
      fresh: boolean;
    }[] = await em.query(
      `WITH added AS (
         INSERT INTO engagement (lead_id, source_event_id, kind, occurred_at, detail)
         SELECT lead_id, source_event_id, kind, occurred_at, detail
           FROM json_to_recordset($1::json)
             AS t(lead_id text, source_event_id text, kind text, occurred_at timestamptz, detail jsonb)
         ON CONFLICT DO NOTHING
         RETURNING lead_id, source_event_id, kind, occurred_at, detail
       )
       SELECT lead_id, source_event_id, kind, ${EPOCH_MS}, detail, false AS fresh FROM engagement WHERE lead_id = ANY($2::text[])
       UNION ALL
       SELECT lead_id, source_event_id, kind, ${EPOCH_MS}, detail, true AS fresh FROM added`,
      [
        JSON.stringify(
          rows.map((r) => ({
            lead_id: r.leadId,
            source_event_id: r.signal.sourceEventId,
            kind: r.signal.kind,
            occurred_at: r.signal.occurredAt,
            detail: r.signal.detail,
          })),
        ),
        loadLeadIds,
      ],
    );
    for (const r of found) {
      const signal: Signal = {
        sourceEventId: r.source_event_id,
        kind: r.kind,
        occurredAt: new Date(r.occurred_ms).toISOString(),
        detail: r.detail,
      };
      if (!r.fresh) {
        stored.get(r.lead_id)?.push(signal);
        continue;
      }
      const list = added.get(r.lead_id);
      if (list) list.push(signal);
      else added.set(r.lead_id, [signal]);
    }
    return { stored, added };
  }

  async loadSignals(em: EntityManager, leadIds: string[]): Promise<Map<string, Signal[]>> {
    return (await this.storeSignals(em, [], leadIds)).stored;
  }

  /** Writes the leads, their stage changes and qualifications in one statement. */
  async persist(
    em: EntityManager,
    leads: LeadState[],
    changes: StageChange[],
    qualifications: QualificationRecord[],
  ): Promise<void> {
    if (leads.length === 0) return;
    await em.query(
      `WITH saved AS (
         UPDATE lead AS l SET crm = t.crm, stage = t.stage, score = t.score, peak_score = t.peak, high_intent_count = t.hi,
           qualification_count = t.qc, profile = COALESCE(t.profile, l.profile), profile_event_id = t.pid,
           baseline_since = t.bsince, baseline_keep = t.bkeep, first_seen_at = t.seen, opportunity_at = t.opp,
           signal_token = t.token, updated_at = now()
         FROM json_to_recordset($1::json)
           AS t(id text, crm jsonb, stage text, score float8, peak float8, hi int, qc int, profile jsonb,
                pid text, bsince timestamptz, bkeep float8, seen timestamptz, opp timestamptz, token text)
         WHERE l.lead_id = t.id
         RETURNING 1
       ), changed AS (
         INSERT INTO stage_change (lead_id, from_stage, to_stage, cause, cause_event_id, score, rules_version, changed_at)
         SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::text[], $9::timestamptz[])
         RETURNING 1
       ), qualified AS (
         INSERT INTO qualification (qualification_id, lead_id, seq, score, threshold, rules_version, summary, opening_line,
                                    claims, written_by, cause_event_id, qualified_at)
         SELECT * FROM unnest($10::text[], $11::text[], $12::int[], $13::float8[], $14::float8[], $15::text[], $16::text[],
                              $17::text[], $18::jsonb[], $19::text[], $20::text[], $21::timestamptz[])
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM saved) AS saved, (SELECT count(*) FROM changed) AS changed, (SELECT count(*) FROM qualified) AS qualified`,
      [
        JSON.stringify(
          leads.map((l) => ({
            id: l.leadId,
            crm: l.crm,
            stage: l.stage,
            score: l.score,
            peak: l.peakScore,
            hi: l.highIntentCount,
            qc: l.qualificationCount,
            // The profile is the largest column: sent only when it changed.
            profile: l.profile && l.profileChanged ? l.profile : null,
            pid: l.profileEventId ?? null,
            bsince: l.baseline?.since ?? null,
            bkeep: l.baseline?.keepFraction ?? null,
            seen: l.firstSeenAt,
            opp: l.opportunityAt ?? null,
            token: l.signalToken ?? null,
          })),
        ),
        changes.map((c) => c.leadId),
        changes.map((c) => c.from),
        changes.map((c) => c.to),
        changes.map((c) => c.cause),
        changes.map((c) => c.causeEventId ?? null),
        changes.map((c) => c.score),
        changes.map((c) => c.rulesVersion),
        changes.map((c) => c.changedAt),
        qualifications.map((q) => q.qualificationId),
        qualifications.map((q) => q.leadId),
        qualifications.map((q) => q.seq),
        qualifications.map((q) => q.score),
        qualifications.map((q) => q.threshold),
        qualifications.map((q) => q.rulesVersion),
        qualifications.map((q) => q.summary),
        qualifications.map((q) => q.openingLine ?? null),
        qualifications.map((q) => JSON.stringify(q.claims)),
        qualifications.map((q) => q.writtenBy),
        qualifications.map((q) => q.causeEventId ?? null),
        qualifications.map((q) => q.qualifiedAt),
      ],
    );
  }

  async recordDisqualification(
    em: EntityManager,
    d: {
      sourceEventId: string;
      leadId: string;
      reason: string;
      outcome: 'nurture' | 'disqualified';
      stageBefore: LifecycleStage;
      detail?: string;
      occurredAt: string;
    },
  ): Promise<void> {
    await em
      .createQueryBuilder()
      .insert()
      .into(DisqualificationEntity)
      .values({ ...d, detail: d.detail ?? null, occurredAt: new Date(d.occurredAt) })
      .orIgnore()
      .execute();
  }
}
