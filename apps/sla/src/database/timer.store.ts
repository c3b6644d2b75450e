import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { RungAction } from '../policy/policy.js';
import type { BusinessCalendarSnapshot, TimerPlan } from '../deadlines/timer-plan.js';
import {
  TimerRow,
  TimerRungRow,
  type RungOutcome,
  type RungState,
  type TimerState,
  type TimerStop,
} from './sla.entities.js';

/** A timer to insert: its plan and whose it is. */
export interface NewTimer {
  plan: TimerPlan;
  assignmentId: string;
  leadId: string;
  repId: string;
  team: string;
  armedAt: Date;
  /** Already met by an activity seen before arming. */
  met?: { stop: TimerStop; at: Date };
}

/** A timer a touch may stop (open, or breached with rungs still to fire), locked for the transaction. */
export interface StoppableTimer {
  timerId: string;
  assignmentId: string;
  leadId: string;
  policy: string;
  state: 'open' | 'breached';
  clock: 'wall' | 'business';
  calendar: BusinessCalendarSnapshot | null;
  startsAt: Date;
  deadline: Date;
}

export interface TimerStopUpdate {
  timerId: string;
  state: TimerState;
  stop: TimerStop;
  stoppedAt: Date;
  /** late touch on a timer the firing loop had not judged yet: the breach is recorded at the deadline. */
  breachedAt?: Date;
}

/** A due rung as claimed (locked) by a firing round, with its timer. */
export interface ClaimedRung {
  timerId: string;
  rung: number;
  action: RungAction;
  dueAt: Date;
  managerTask: boolean;
  topDueRung: number;
  assignmentId: string;
  leadId: string;
  policy: string;
  clock: 'wall' | 'business';
  timerState: TimerState;
  deadline: Date;
}

export interface FiredRung {
  timerId: string;
  rung: number;
  state: Extract<RungState, 'fired' | 'skipped'>;
  firedAt: Date;
  latenessMs: number;
  outcome: RungOutcome;
}

interface ClaimedRow {
  timer_id: string;
  rung: number;
  action: RungAction;
  due_at: Date;
  manager_task: boolean;
  assignment_id: string;
  lead_id: string;
  policy: string;
  clock: 'wall' | 'business';
  state: TimerState;
  deadline: Date;
}

/** Timers and their ladder rungs: the one place with their SQL, the firing claim included. */
@Injectable()
export class TimerStore {
  constructor(private readonly db: DataSource) {}

  /** Inserts timers and their rungs (two statements for any number); a met timer's rungs start cancelled. */
  async insert(em: EntityManager, timers: NewTimer[]): Promise<void> {
    if (timers.length === 0) return;
    const rungs = timers.flatMap((t) =>
      t.plan.rungs.map((r) => ({
        timer_id: t.plan.timerId,
        rung: r.rung,
        action: r.action,
        due_at: r.dueAt,
        manager_task: r.managerTask,
        state: t.met ? 'cancelled' : 'pending',
      })),
    );
    // One round trip: the rungs' insert rides in the timers' statement (a data-modifying WITH runs whether read or not).
    await em.query(
      `WITH timers AS (
         INSERT INTO timer (timer_id, assignment_id, lead_id, rep_id, team, policy, clock, clock_note, calendar, window_ms,
           starts_at, deadline, state, stop, stopped_at, armed_at)
         SELECT timer_id, assignment_id, lead_id, rep_id, team, policy, clock, clock_note, calendar, window_ms,
           starts_at, deadline, state, stop, stopped_at, armed_at
         FROM json_to_recordset($1::json) AS x(timer_id text, assignment_id text, lead_id text, rep_id text, team text,
           policy text, clock text, clock_note text, calendar jsonb, window_ms int, starts_at timestamptz,
           deadline timestamptz, state text, stop jsonb, stopped_at timestamptz, armed_at timestamptz)
         ON CONFLICT (timer_id) DO NOTHING
       )
       INSERT INTO timer_rung (timer_id, rung, action, due_at, manager_task, state)
       SELECT timer_id, rung, action, due_at, manager_task, state
       FROM json_to_recordset($2::json) AS x(timer_id text, rung int, action text, due_at timestamptz,
         manager_task boolean, state text)
       ON CONFLICT (timer_id, rung) DO NOTHING`,
      [
        JSON.stringify(
          timers.map((t) => ({
            timer_id: t.plan.timerId,
            assignment_id: t.assignmentId,
            lead_id: t.leadId,
            rep_id: t.repId,
            team: t.team,
            policy: t.plan.policy,
            clock: t.plan.clock,
            clock_note: t.plan.clockNote ?? null,
            calendar: t.plan.calendar ?? null,
            window_ms: t.plan.windowMs,
            starts_at: t.plan.startsAt,
            deadline: t.plan.deadline,
            state: t.met ? 'met' : 'open',
            stop: t.met?.stop ?? null,
            stopped_at: t.met?.at ?? null,
            armed_at: t.armedAt,
          })),
        ),
        JSON.stringify(rungs),
      ],
    );
  }

  /**
   * The timers of these leads a touch may still stop or judge (open, or breached: a touch that
   * occurred in time but arrived late turns a breach into met), locked (timer rows first, then their rungs:
   * the same order as the firing round, which skips what is locked, so neither waits on the other
   * in a cycle).
   */
  async lockStoppable(em: EntityManager, leadIds: string[]): Promise<StoppableTimer[]> {
    if (leadIds.length === 0) return [];
    const rows: {
      timer_id: string;
      assignment_id: string;
      lead_id: string;
      policy: string;
      state: 'open' | 'breached';
      clock: 'wall' | 'business';
      calendar: BusinessCalendarSnapshot | null;
      starts_at: Date;
      deadline: Date;
    }[] = await em.query(
      `SELECT t.timer_id, t.assignment_id, t.lead_id, t.policy, t.state, t.clock, t.calendar, t.starts_at, t.deadline
         FROM timer t
        WHERE t.lead_id = ANY($1::text[])
          AND t.state IN ('open', 'breached')
        ORDER BY t.timer_id
        FOR UPDATE OF t`,
      [leadIds],
    );
    return rows.map((r) => ({
      timerId: r.timer_id,
      assignmentId: r.assignment_id,
      leadId: r.lead_id,
      policy: r.policy,
      state: r.state,
      clock: r.clock,
      calendar: r.calendar,
      startsAt: r.starts_at,
      deadline: r.deadline,
    }));
  }

  /** Records what stopped each timer and calls off its pending rungs. */
  async stop(em: EntityManager, updates: TimerStopUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    await em.query(
      `UPDATE timer t SET state = x.state, stop = x.stop, stopped_at = x.stopped_at,
              breached_at = COALESCE(t.breached_at, x.breached_at)
         FROM json_to_recordset($1::json) AS x(timer_id text, state text, stop jsonb, stopped_at timestamptz,
           breached_at timestamptz)
        WHERE t.timer_id = x.timer_id`,
      [
        JSON.stringify(
          updates.map((u) => ({
            timer_id: u.timerId,
            state: u.state,
            stop: u.stop,
            stopped_at: u.stoppedAt,
            breached_at: u.breachedAt ?? null,
          })),
        ),
      ],
    );
    await this.cancelPending(
      em,
      updates.map((u) => u.timerId),
    );
  }

  async cancelPending(em: EntityManager, timerIds: string[]): Promise<void> {
    if (timerIds.length === 0) return;
    await em.query(
      `UPDATE timer_rung SET state = 'cancelled' WHERE timer_id = ANY($1::text[]) AND state = 'pending'`,
      [timerIds],
    );
  }

  /** The timers of superseded assignments: open ones are called off, breached ones keep their verdict. */
  async supersede(
    em: EntityManager,
    assignmentIds: string[],
    by: Map<string, string>,
    at: Date,
  ): Promise<void> {
    if (assignmentIds.length === 0) return;
    const timers: { timer_id: string; assignment_id: string; state: TimerState }[] = await em.query(
      `SELECT timer_id, assignment_id, state FROM timer
        WHERE assignment_id = ANY($1::text[]) AND state IN ('open', 'breached')
        ORDER BY timer_id FOR UPDATE`,
      [assignmentIds],
    );
    const open = timers.filter((t) => t.state === 'open');
    await this.stop(
      em,
      open.map((t) => ({
        timerId: t.timer_id,
        state: 'cancelled',
        stop: { reason: 'superseded', by: by.get(t.assignment_id) },
        stoppedAt: at,
      })),
    );
    await this.cancelPending(
      em,
      timers.filter((t) => t.state === 'breached').map((t) => t.timer_id),
    );
  }

  /**
   * Claims up to `limit` due rungs with their timers (FOR UPDATE … SKIP LOCKED): replicas claim
   * disjoint sets and never wait on each other or on a touch in flight; what they skip, the next
   * round takes. Oldest due first: the rungs are locked in the order of the due index, then their
   * timers (a timer a touch holds is skipped with its rung, which stays pending).
   */
  async claimDue(em: EntityManager, now: Date, limit: number): Promise<ClaimedRung[]> {
    const rows: ClaimedRow[] = await em.query(
      `WITH due AS (
         SELECT timer_id, rung, action, due_at, manager_task FROM timer_rung
          WHERE state = 'pending' AND due_at <= $1
          ORDER BY due_at
          LIMIT $2
          FOR UPDATE SKIP LOCKED
       )
       SELECT d.timer_id, d.rung, d.action, d.due_at, d.manager_task,
              t.assignment_id, t.lead_id, t.policy, t.clock, t.state, t.deadline
         FROM due d JOIN timer t ON t.timer_id = d.timer_id
        ORDER BY d.due_at
        FOR UPDATE OF t SKIP LOCKED`,
      [now, limit],
    );
    if (rows.length === 0) return [];
    // The highest rung of each timer due now (by the primary key alone: a handful of rows per timer).
    const ladder: { timer_id: string; rung: number; due_at: Date; state: string }[] = await em.query(
      `SELECT timer_id, rung, due_at, state FROM timer_rung WHERE timer_id = ANY($1::text[])`,
      [[...new Set(rows.map((r) => r.timer_id))]],
    );
    const topDue = new Map<string, number>();
    for (const l of ladder)
      if (l.state === 'pending' && l.due_at.getTime() <= now.getTime())
        topDue.set(l.timer_id, Math.max(topDue.get(l.timer_id) ?? -1, l.rung));
    return rows.map((r) => ({
      timerId: r.timer_id,
      rung: r.rung,
      action: r.action,
      dueAt: r.due_at,
      managerTask: r.manager_task,
      topDueRung: topDue.get(r.timer_id) ?? r.rung,
      assignmentId: r.assignment_id,
      leadId: r.lead_id,
      policy: r.policy,
      clock: r.clock,
      timerState: r.state,
      deadline: r.deadline,
    }));
  }

  /** Marks the claimed rungs fired or skipped, and the timers whose deadline rung fired as breached. */
  async recordFiring(em: EntityManager, fired: FiredRung[], breached: { timerId: string; at: Date }[]) {
    if (fired.length > 0)
      await em.query(
        `UPDATE timer_rung r SET state = x.state, fired_at = x.fired_at, lateness_ms = x.lateness_ms, outcome = x.outcome
           FROM json_to_recordset($1::json) AS x(timer_id text, rung int, state text, fired_at timestamptz,
             lateness_ms int, outcome jsonb)
          WHERE r.timer_id = x.timer_id AND r.rung = x.rung`,
        [
          JSON.stringify(
            fired.map((f) => ({
              timer_id: f.timerId,
              rung: f.rung,
              state: f.state,
              fired_at: f.firedAt,
              lateness_ms: f.latenessMs,
              outcome: f.outcome,
            })),
          ),
        ],
      );
    if (breached.length > 0)
      await em.query(
        `UPDATE timer t SET state = 'breached', breached_at = x.at
           FROM json_to_recordset($1::json) AS x(timer_id text, at timestamptz)
          WHERE t.timer_id = x.timer_id AND t.state = 'open'`,
        [JSON.stringify(breached.map((b) => ({ timer_id: b.timerId, at: b.at })))],
      );
  }

  /** Which of these timers already record what stopped them. */
  async withStop(em: EntityManager, timerIds: string[]): Promise<Set<string>> {
    if (timerIds.length === 0) return new Set();
    const rows: { timer_id: string }[] = await em.query(
      `SELECT timer_id FROM timer WHERE timer_id = ANY($1::text[]) AND stop IS NOT NULL`,
      [timerIds],
    );
    return new Set(rows.map((r) => r.timer_id));
  }

  /** When the next pending rung is due (the firing loop sleeps until then). */
  async nextDueAt(): Promise<Date | undefined> {
    const rows: { due: Date | null }[] = await this.db.query(
      `SELECT min(due_at) AS due FROM timer_rung WHERE state = 'pending'`,
    );
    return rows[0]?.due ?? undefined;
  }

  /** Every timer of these assignments with its rungs, in ladder order. */
  async ofAssignments(assignmentIds: string[]): Promise<{ timers: TimerRow[]; rungs: TimerRungRow[] }> {
    if (assignmentIds.length === 0) return { timers: [], rungs: [] };
    const timers = await this.db
      .getRepository(TimerRow)
      .createQueryBuilder('t')
      .where('t.assignment_id = ANY(:ids)', { ids: assignmentIds })
      .orderBy('t.timer_id')
      .getMany();
    const rungs = timers.length
      ? await this.db
          .getRepository(TimerRungRow)
          .createQueryBuilder('r')
          .where('r.timer_id = ANY(:ids)', { ids: timers.map((t) => t.timerId) })
          .orderBy('r.timer_id')
          .addOrderBy('r.rung')
          .getMany()
      : [];
    return { timers, rungs };
  }

  /** Open timers per policy (the gauge). */
  async openByPolicy(): Promise<Map<string, number>> {
    const rows: { policy: string; n: number }[] = await this.db.query(
      `SELECT policy, count(*)::int AS n FROM timer WHERE state = 'open' GROUP BY policy`,
    );
    return new Map(rows.map((r) => [r.policy, r.n]));
  }
}
