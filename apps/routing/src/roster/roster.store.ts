import type { EntityManager } from 'typeorm';
import type { RoutingPolicy } from '../policy/policy.js';
import { workingHoursOf } from '../policy/policy.js';
import type { RepState } from './rep.js';

/** The YAML-owned part of a rep, refreshed from roster.yaml at every start. */
export type RepProfile = Omit<
  RepState,
  'weight' | 'active' | 'inRoster' | 'awayFrom' | 'awayUntil' | 'openLeads'
>;

interface RepRow {
  id: string;
  profile: RepProfile;
  active: boolean;
  weight: number;
  away_from: Date | null;
  away_until: Date | null;
  away_note: string | null;
  in_roster: boolean;
  open_leads: number;
  updated_at: Date;
}

export interface RepView extends RepState {
  awayNote?: string;
  updatedAt: string;
}

function toRep(row: RepRow): RepView {
  return {
    ...row.profile,
    weight: row.weight,
    active: row.active,
    inRoster: row.in_roster,
    awayFrom: row.away_from ?? undefined,
    awayUntil: row.away_until ?? undefined,
    awayNote: row.away_note ?? undefined,
    openLeads: row.open_leads,
    updatedAt: row.updated_at.toISOString(),
  };
}

/**
 * Seeds the roster table from roster.yaml. The rule: a rep seen for the first time is inserted
 * whole; for a rep already in the table, the YAML refreshes who they are and what they cover
 * (name, contacts, CRM owner ids, manager, time zone, hours, territories, products, segments,
 * daily capacity) while the day-to-day state owned by the admin API (active, weight,
 * out-of-office) is left as it is. A rep removed from the YAML stays for history but is never
 * routed to again. Every pool gets its rotation row.
 */
export async function seedRoster(em: EntityManager, policy: RoutingPolicy): Promise<void> {
  const rows = policy.roster.reps.map((rep) => {
    const profile: RepProfile = {
      id: rep.id,
      name: rep.name,
      email: rep.email,
      crmOwnerIds: rep.crmOwnerIds,
      slackUserId: rep.slackUserId,
      teamsUserId: rep.teamsUserId,
      managerId: rep.managerId,
      timeZone: rep.timeZone,
      workingHours: workingHoursOf(rep, policy.roster),
      territories: rep.territories,
      products: rep.products.map((p) => p.toLowerCase()),
      segments: rep.segments.map((s) => s.toLowerCase()),
      dailyCapacity: rep.dailyCapacity,
    };
    return { id: rep.id, profile, active: rep.active, weight: rep.weight };
  });
  // Sorted, so two replicas seeding at once lock rows in the same order.
  rows.sort((a, b) => (a.id < b.id ? -1 : 1));
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
  await em.query(`INSERT INTO pool_rotation (pool_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [
    [...policy.pools.keys()],
  ]);
}

/** Every rep, optionally locked (in id order, so concurrent deciders never deadlock). */
export async function loadReps(em: EntityManager, opts: { lock: boolean }): Promise<Map<string, RepView>> {
  const rows: RepRow[] = await em.query(`SELECT * FROM rep ORDER BY id${opts.lock ? ' FOR UPDATE' : ''}`);
  return new Map(rows.map((r) => [r.id, toRep(r)]));
}

export async function loadRep(
  em: EntityManager,
  id: string,
  opts: { lock: boolean },
): Promise<RepView | undefined> {
  const rows: RepRow[] = await em.query(`SELECT * FROM rep WHERE id = $1${opts.lock ? ' FOR UPDATE' : ''}`, [
    id,
  ]);
  return rows[0] ? toRep(rows[0]) : undefined;
}

export interface RepChange {
  active?: boolean;
  weight?: number;
  awayFrom?: Date | null;
  awayUntil?: Date | null;
  awayNote?: string | null;
}

/** Applies a day-to-day change at once and records who made it. */
export async function changeRep(
  em: EntityManager,
  id: string,
  change: RepChange,
  changedBy: string,
  at: Date,
): Promise<RepView | undefined> {
  const current = await loadRep(em, id, { lock: true });
  if (!current) return undefined;
  const sets: string[] = [];
  const params: unknown[] = [id];
  const set = (column: string, value: unknown) => {
    params.push(value);
    sets.push(`${column} = $${params.length}`);
  };
  if (change.active !== undefined) set('active', change.active);
  if (change.weight !== undefined) set('weight', change.weight);
  if (change.awayFrom !== undefined) set('away_from', change.awayFrom);
  if (change.awayUntil !== undefined) set('away_until', change.awayUntil);
  if (change.awayNote !== undefined) set('away_note', change.awayNote);
  if (sets.length === 0) return current;
  await em.query(`UPDATE rep SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`, params);
  await em.query(
    `INSERT INTO roster_change (rep_id, change, changed_by, changed_at) VALUES ($1, $2::jsonb, $3, $4)`,
    [id, JSON.stringify(change), changedBy, at],
  );
  return loadRep(em, id, { lock: false });
}

export async function rosterChanges(em: EntityManager, id: string): Promise<unknown[]> {
  return em.query(
    `SELECT change, changed_by AS "changedBy", changed_at AS "changedAt" FROM roster_change WHERE rep_id = $1 ORDER BY id DESC LIMIT 50`,
    [id],
  );
}
