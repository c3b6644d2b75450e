import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { RepState } from '../roster/rep.js';
import {
  RepDailyLoadRow,
  RepRow,
  RosterChangeRow,
  type RepChange,
  type RepProfile,
} from './roster.entity.js';

/** A rep as the admin API and the router see them: profile plus day-to-day state. */
export interface RepView extends RepState {
  awayNote?: string;
  updatedAt: string;
}

/** What roster.yaml says of a rep: the profile, and the initial active flag and weight. */
export interface RepSeed {
  id: string;
  profile: RepProfile;
  active: boolean;
  weight: number;
}

export interface RosterChangeView {
  change: RepChange;
  changedBy: string;
  changedAt: Date;
}

function toRep(row: RepRow): RepView {
  return {
    ...row.profile,
    weight: row.weight,
    active: row.active,
    inRoster: row.inRoster,
    awayFrom: row.awayFrom ?? undefined,
    awayUntil: row.awayUntil ?? undefined,
    awayNote: row.awayNote ?? undefined,
    openLeads: row.openLeads,
    updatedAt: row.updatedAt.toISOString(),
  };
}

const lockOf = (lock: boolean) => (lock ? { lock: { mode: 'pessimistic_write' as const } } : {});

/** The roster (rep, roster_change) and the reps' daily loads (rep_daily_load). */
@Injectable()
export class RosterStore {
  constructor(private readonly db: DataSource) {}

  /**
   * Seeds the roster: a rep seen for the first time is inserted whole; for a rep already in the
   * table only the profile is refreshed (active, weight and out of office belong to the admin
   * API); a rep no longer seeded stays for history, out of the roster. One statement for all reps.
   */
  async seed(em: EntityManager, reps: RepSeed[]): Promise<void> {
    // Sorted, so two replicas seeding at once lock rows in the same order.
    const rows = [...reps].sort((a, b) => (a.id < b.id ? -1 : 1));
    await em.query(
      `INSERT INTO rep (id, profile, active, weight)
       SELECT id, profile, active, weight FROM jsonb_to_recordset($1::jsonb) AS x(id text, profile jsonb, active boolean, weight int)
       ON CONFLICT (id) DO UPDATE SET profile = EXCLUDED.profile, in_roster = true, updated_at = now()
       WHERE rep.profile IS DISTINCT FROM EXCLUDED.profile OR NOT rep.in_roster`,
      [JSON.stringify(rows)],
    );
    await em.query(
      `UPDATE rep SET in_roster = false, updated_at = now() WHERE in_roster AND NOT (id = ANY($1::text[]))`,
      [rows.map((r) => r.id)],
    );
  }

  /** Every rep, optionally locked (in id order, so concurrent deciders never deadlock). */
  async reps(em: EntityManager = this.db.manager, opts = { lock: false }): Promise<Map<string, RepView>> {
    const rows = await em.getRepository(RepRow).find({ order: { id: 'ASC' }, ...lockOf(opts.lock) });
    return new Map(rows.map((r) => [r.id, toRep(r)]));
  }

  async rep(id: string, em: EntityManager = this.db.manager, opts = { lock: false }) {
    const row = await em.getRepository(RepRow).findOne({ where: { id }, ...lockOf(opts.lock) });
    return row ? toRep(row) : undefined;
  }

  /** Applies a day-to-day change at once and records who made it (its own transaction). */
  change(id: string, change: RepChange, changedBy: string, at: Date): Promise<RepView | undefined> {
    return this.db.transaction(async (em) => {
      const current = await this.rep(id, em, { lock: true });
      if (!current) return undefined;
      const set = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) as RepChange;
      if (Object.keys(set).length === 0) return current;
      await em.getRepository(RepRow).update({ id }, { ...set, updatedAt: () => 'now()' });
      await em.getRepository(RosterChangeRow).insert({ repId: id, change, changedBy, changedAt: at });
      return this.rep(id, em);
    });
  }

  /** The last 50 changes of a rep, newest first. */
  changes(id: string): Promise<RosterChangeView[]> {
    return this.db.getRepository(RosterChangeRow).find({
      select: { change: true, changedBy: true, changedAt: true },
      where: { repId: id },
      order: { id: 'DESC' },
      take: 50,
    });
  }

  /** `${repId}|${day}` → leads assigned, for the days around `utcDay` (every rep's local today). */
  async loadsAround(em: EntityManager, utcDay: string): Promise<Map<string, number>> {
    const rows: { rep_id: string; day: string; assigned: number }[] = await em.query(
      `SELECT rep_id, to_char(day, 'YYYY-MM-DD') AS day, assigned FROM rep_daily_load WHERE day BETWEEN $1::date - 1 AND $1::date + 1`,
      [utcDay],
    );
    return new Map(rows.map((l) => [`${l.rep_id}|${l.day}`, l.assigned]));
  }

  async saveLoads(em: EntityManager, loads: Pick<RepDailyLoadRow, 'repId' | 'day' | 'assigned'>[]) {
    if (loads.length === 0) return;
    await em.query(
      `INSERT INTO rep_daily_load (rep_id, day, assigned)
       SELECT rep_id, day, assigned FROM jsonb_to_recordset($1::jsonb) AS x(rep_id text, day date, assigned int)
       ON CONFLICT (rep_id, day) DO UPDATE SET assigned = EXCLUDED.assigned`,
      [JSON.stringify(loads.map((l) => ({ rep_id: l.repId, day: l.day, assigned: l.assigned })))],
    );
  }

  /** Open leads per rep moved by `delta` (never below 0). */
  async addOpenLeads(em: EntityManager, deltas: { repId: string; delta: number }[]): Promise<void> {
    if (deltas.length === 0) return;
    await em.query(
      `UPDATE rep r SET open_leads = GREATEST(0, r.open_leads + x.delta) FROM jsonb_to_recordset($1::jsonb) AS x(rep_id text, delta int) WHERE r.id = x.rep_id`,
      [JSON.stringify(deltas.map((d) => ({ rep_id: d.repId, delta: d.delta })))],
    );
  }
}
