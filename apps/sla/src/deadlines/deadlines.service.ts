import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  Topics,
  type CloudEvent,
  type LeadActivity,
  type LeadAssigned,
  type NewEvent,
  type NotificationSent,
  type RepAction,
  type SlaArmed,
  type SlaMet,
  type TopicName,
} from '@baton/domain';
import { JsonLogger } from '@baton/observability';
import type { ProcessedEvents } from '@baton/persistence';
import { SERVICE_POLICY, ServiceRuntime, type Clock, type LoadedPolicy } from '@baton/platform';
import { ActivityStore } from '../database/activity.store.js';
import { AssignmentStore } from '../database/assignment.store.js';
import { AlertReceiptRow, AssignmentRow, type TimerStop } from '../database/sla.entities.js';
import {
  TimerStore,
  type NewTimer,
  type StoppableTimer,
  type TimerStopUpdate,
} from '../database/timer.store.js';
import type { SlaPolicy, TimerPolicy } from '../policy/policy.js';
import { slaMetrics } from './metrics.js';
import { SLA_CLOCK } from './sla-clock.js';
import { speedToLead } from './speed-to-lead.js';
import { planTimers, type BusinessCalendarSnapshot, type TimerPlan } from './timer-plan.js';
import { isFirstTouchCandidate, judge, satisfies, type SeenActivity } from './touch.js';

const uniqueBy = <T>(items: T[], key: (t: T) => string) => [
  ...new Map(items.map((i) => [key(i), i])).values(),
];

function assignmentRowOf(a: LeadAssigned, version: string, now: Date): AssignmentRow {
  const who = a.lead.identity;
  return Object.assign(new AssignmentRow(), {
    assignmentId: a.assignmentId,
    leadId: a.leadId,
    qualificationId: a.qualificationId,
    repId: a.rep.repId,
    team: a.pool,
    ruleId: a.ruleId,
    rep: a.rep,
    crm: a.crm,
    lead: {
      name: who.fullName ?? ([who.firstName, who.lastName].filter(Boolean).join(' ') || undefined),
      company: who.company,
      score: a.lead.score,
      crmUrl: a.crm.url,
      segment: a.lead.firmographics.segment,
      source: a.lead.firmographics.source,
    },
    assignedAt: new Date(a.assignedAt),
    signalReceivedAt: a.lead.signalReceivedAt ? new Date(a.lead.signalReceivedAt) : null,
    previousRepId: a.reassignment?.previousRepId ?? null,
    reassignmentCause: a.reassignment?.cause ?? null,
    supersededBy: null,
    supersededAt: null,
    reassignRequestedAt: null,
    firstTouchAt: null,
    policyVersion: version,
    armedAt: now,
  });
}

function seenOfActivity(e: CloudEvent<LeadActivity>, now: Date): SeenActivity {
  const a = e.data;
  return {
    eventId: e.id,
    leadId: a.leadId,
    source: Topics.LeadActivity,
    kind: a.kind,
    occurredAt: new Date(a.occurredAt),
    receivedAt: now,
    actor: a.actor ?? null,
    ownerId: a.actor?.ownerId ?? (a.actor ? undefined : a.actorOwnerId) ?? null,
    statusTo: a.status?.to ?? null,
  };
}

function seenOfRepAction(e: CloudEvent<RepAction>, now: Date): SeenActivity {
  const a = e.data;
  return {
    eventId: e.id,
    leadId: a.leadId,
    source: Topics.RepAction,
    kind: a.action,
    occurredAt: new Date(a.actedAt),
    receivedAt: now,
    assignmentId: a.assignmentId,
    repId: a.repId,
  };
}

function stopOf(a: SeenActivity, extra: Partial<TimerStop> = {}): TimerStop {
  return {
    reason: 'touch',
    source: a.source,
    eventId: a.eventId,
    kind: a.kind,
    occurredAt: a.occurredAt.toISOString(),
    receivedAt: a.receivedAt.toISOString(),
    ...(a.actor ? { actor: a.actor } : {}),
    ...extra,
  };
}

/**
 * Arming and stopping: lead.assigned.v1 arms one timer per applicable policy (a newer assignment
 * of the lead calls off the older one's), rep work and alert actions stop them, judged by when
 * they occurred. Every change commits with its events (outbox) and the claim of the event ids.
 */
@Injectable()
export class DeadlinesService {
  private readonly log = new JsonLogger('sla.deadlines');
  private readonly armings: ProcessedEvents;
  private readonly touches: ProcessedEvents;

  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly assignments: AssignmentStore,
    private readonly timers: TimerStore,
    private readonly activities: ActivityStore,
    @Inject(SLA_CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_POLICY) private readonly loaded: LoadedPolicy<SlaPolicy>,
  ) {
    this.armings = runtime.processed('sla.assigned');
    this.touches = runtime.processed('sla.touches');
  }

  private get policy(): SlaPolicy {
    return this.loaded.policy;
  }

  private policyById(id: string): TimerPolicy | undefined {
    return this.policy.policies.find((p) => p.id === id);
  }

  /**
   * The events of a batch not applied before (their ids claimed in this transaction, each once),
   * with their leads locked: arming and touches of one lead take turns.
   */
  private async claimFresh<T>(
    em: EntityManager,
    processed: ProcessedEvents,
    items: T[],
    idOf: (t: T) => string,
    leadOf: (t: T) => string,
  ): Promise<{ items: T[]; leadIds: string[] }> {
    const fresh = await processed.claimMany(em, items.map(idOf));
    const todo = uniqueBy(
      items.filter((i) => fresh.has(idOf(i))),
      idOf,
    );
    const leadIds = [...new Set(todo.map(leadOf))];
    await this.assignments.lockLeads(em, leadIds);
    return { items: todo, leadIds };
  }

  /** Arms the timers of a batch of assignments; returns the earliest rung armed (the firing loop wakes for it). */
  async arm(events: CloudEvent<LeadAssigned>[]): Promise<Date | undefined> {
    const now = this.clock.now();
    const result = await this.runtime.transaction(async (em) => {
      const fresh = await this.claimFresh(
        em,
        this.armings,
        events,
        (e) => e.id,
        (e) => e.data.leadId,
      );
      const todo = uniqueBy(fresh.items, (e) => e.data.assignmentId).map((e) => e.data);
      if (todo.length === 0) return undefined;
      const { inserted, current } = await this.assignments.insertNew(
        em,
        todo.map((a) => assignmentRowOf(a, this.loaded.version, now)),
      );
      const arriving = todo.filter((a) => inserted.has(a.assignmentId));
      if (arriving.length === 0) return undefined;

      // The newest assignment of each lead is current; every other one is superseded by it.
      const newest = new Map<string, (typeof current)[number]>();
      for (const a of current) {
        const n = newest.get(a.leadId);
        if (!n || a.assignedAt.getTime() >= n.assignedAt.getTime()) newest.set(a.leadId, a);
      }
      const superseded = current
        .filter((a) => newest.get(a.leadId)!.assignmentId !== a.assignmentId)
        .map((a) => ({ assignmentId: a.assignmentId, by: newest.get(a.leadId)!.assignmentId }));
      const supersededIds = new Set(superseded.map((s) => s.assignmentId));
      // Timers first, then assignments: the lock order of the firing round.
      await this.timers.supersede(
        em,
        superseded.map((s) => s.assignmentId),
        new Map(superseded.map((s) => [s.assignmentId, s.by])),
        now,
      );
      await this.assignments.supersede(em, superseded, now);
      await this.assignments.addReps(
        em,
        arriving.map((a) => ({ qualificationId: a.qualificationId, leadId: a.leadId, repId: a.rep.repId })),
      );

      const live = arriving.filter((a) => !supersededIds.has(a.assignmentId));
      const since = new Date(Math.min(...live.map((a) => Date.parse(a.assignedAt)), now.getTime()));
      const seen = await this.activities.forLeads(em, [...new Set(live.map((a) => a.leadId))], since);
      const timers: NewTimer[] = [];
      const metNow: { plan: TimerPlan; row: AssignmentRow; touch: SeenActivity }[] = [];
      const outgoing: NewEvent<TopicName>[] = [];
      const firstTouches: { assignmentId: string; at: Date; team: string; assignedAt: Date }[] = [];
      let earliest: Date | undefined;
      for (const a of live) {
        const row = assignmentRowOf(a, this.loaded.version, now);
        const plans = planTimers(a, this.policy);
        const activities = seen.get(a.leadId) ?? [];
        const firstTouch = activities.find(
          (s) =>
            s.occurredAt.getTime() >= row.assignedAt.getTime() && isFirstTouchCandidate(s, row, this.policy),
        );
        if (firstTouch)
          firstTouches.push({
            assignmentId: a.assignmentId,
            at: firstTouch.occurredAt,
            team: a.pool,
            assignedAt: row.assignedAt,
          });
        for (const plan of plans) {
          const met = this.metBySeen(plan, row, activities);
          timers.push({
            plan,
            assignmentId: a.assignmentId,
            leadId: a.leadId,
            repId: a.rep.repId,
            team: a.pool,
            armedAt: now,
            met: met ? { stop: stopOf(met), at: met.occurredAt } : undefined,
          });
          if (met) {
            metNow.push({ plan, row, touch: met });
          } else {
            const first = plan.rungs[0]?.dueAt;
            if (first && (!earliest || first < earliest)) earliest = first;
          }
        }
        outgoing.push(this.armedEvent(a, plans, now));
      }
      // Where the rep acted before arming, system time ends at the alert receipt, if one came.
      const receipts = await this.assignments.receiptsOf(em, [
        ...new Set(metNow.map((m) => m.row.assignmentId)),
      ]);
      for (const m of metNow)
        outgoing.push(this.metEvent(m.plan, m.row, m.touch, receipts.get(m.row.assignmentId), now));
      await this.timers.insert(em, timers);
      await this.assignments.recordFirstTouch(em, firstTouches);
      await this.runtime.outbox.enqueue(em, outgoing);
      return { earliest, timers, firstTouches };
    });
    if (!result) return undefined;
    for (const t of result.timers) {
      slaMetrics.timersArmed.inc({ policy: t.plan.policy, clock: t.plan.clock });
      if (t.met) slaMetrics.timersClosed.inc({ policy: t.plan.policy, outcome: 'met' });
    }
    for (const f of result.firstTouches)
      slaMetrics.timeToFirstTouch.observe({ team: f.team }, (f.at.getTime() - f.assignedAt.getTime()) / 1000);
    return result.earliest;
  }

  /** The first activity seen before arming that meets a plan in time (the rep acted before Baton armed). */
  private metBySeen(plan: TimerPlan, row: AssignmentRow, seen: SeenActivity[]): SeenActivity | undefined {
    const policy = this.policyById(plan.policy)!;
    return seen.find(
      (s) =>
        satisfies(policy, s, row, this.policy.touch.by).counts &&
        judge({ startsAt: plan.startsAt, deadline: plan.deadline, state: 'open' }, s.occurredAt).outcome ===
          'met',
    );
  }

  private armedEvent(a: LeadAssigned, plans: TimerPlan[], now: Date): NewEvent<typeof Topics.SlaArmed> {
    const data: SlaArmed = {
      leadId: a.leadId,
      assignmentId: a.assignmentId,
      repId: a.rep.repId,
      timers: plans.map((p) => ({
        timerId: p.timerId,
        policy: p.policy,
        clock: p.clock,
        deadline: p.deadline.toISOString(),
        rungs: p.rungs.map((r) => ({ rung: r.rung, action: r.action, at: r.dueAt.toISOString() })),
      })),
      armedAt: now.toISOString(),
    };
    // Built from a validated lead.assigned and the validated policy: the hot path skips the re-parse.
    return {
      topic: Topics.SlaArmed,
      subject: a.leadId,
      id: `${a.assignmentId}:armed`,
      time: now,
      data,
      trusted: true,
    };
  }

  private metEvent(
    timer: Pick<TimerPlan, 'timerId' | 'policy' | 'clock' | 'deadline'> & {
      calendar?: BusinessCalendarSnapshot | null;
    },
    assignment: Pick<
      AssignmentRow,
      'assignmentId' | 'leadId' | 'repId' | 'assignedAt' | 'signalReceivedAt' | 'rep'
    >,
    touch: SeenActivity,
    alertDeliveredAt: Date | undefined,
    now: Date,
  ): NewEvent<typeof Topics.SlaMet> {
    const data: SlaMet = {
      leadId: assignment.leadId,
      timerId: timer.timerId,
      assignmentId: assignment.assignmentId,
      policy: timer.policy,
      repId: assignment.repId,
      assignedAt: assignment.assignedAt.toISOString(),
      deadline: timer.deadline.toISOString(),
      metAt: touch.occurredAt.toISOString(),
      elapsedMs: Math.max(0, touch.occurredAt.getTime() - assignment.assignedAt.getTime()),
      clock: timer.clock,
      touch: { kind: touch.kind, occurredAt: touch.occurredAt.toISOString(), source: touch.source },
    };
    if (isFirstTouchCandidate(touch, assignment, this.policy))
      data.speedToLead = speedToLead({
        assignedAt: assignment.assignedAt,
        touchedAt: touch.occurredAt,
        signalReceivedAt: assignment.signalReceivedAt,
        alertDeliveredAt,
        clock: timer.clock,
        calendar: timer.calendar,
      });
    return { topic: Topics.SlaMet, subject: assignment.leadId, id: `${timer.timerId}:met`, time: now, data };
  }

  onActivities(events: CloudEvent<LeadActivity>[]): Promise<void> {
    const now = this.clock.now();
    return this.applyActivities(events.map((e) => seenOfActivity(e, now)));
  }

  onRepActions(events: CloudEvent<RepAction>[]): Promise<void> {
    const now = this.clock.now();
    return this.applyActivities(events.map((e) => seenOfRepAction(e, now)));
  }

  /**
   * Rep work and alert actions: stored (an assignment armed later looks at them), then judged
   * against the lead's open and breached timers by when they occurred — in time is met, even when
   * it arrives after the breach fired; after the deadline it stops the rest of the ladder.
   */
  private async applyActivities(all: SeenActivity[]): Promise<void> {
    const now = this.clock.now();
    const result = await this.runtime.transaction(async (em) => {
      const fresh = await this.claimFresh(
        em,
        this.touches,
        all,
        (a) => a.eventId,
        (a) => a.leadId,
      );
      const seen = fresh.items.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
      if (seen.length === 0) return undefined;
      const leadIds = fresh.leadIds;
      await this.activities.insert(em, seen);
      const timers = await this.timers.lockStoppable(em, leadIds);
      const assignments = await this.assignments.byIds(em, [
        ...new Set([...timers.map((t) => t.assignmentId), ...(await this.currentIds(em, leadIds))]),
      ]);
      return this.judgeAll(em, seen, timers, assignments, now);
    });
    if (!result) return;
    for (const c of result.closed) slaMetrics.timersClosed.inc(c);
    for (const f of result.firstTouches)
      slaMetrics.timeToFirstTouch.observe({ team: f.team }, (f.at.getTime() - f.assignedAt.getTime()) / 1000);
  }

  private async currentIds(em: EntityManager, leadIds: string[]): Promise<string[]> {
    return (await this.assignments.currentOf(em, leadIds)).map((a) => a.assignmentId);
  }

  private async judgeAll(
    em: EntityManager,
    seen: SeenActivity[],
    timers: StoppableTimer[],
    assignments: Map<string, AssignmentRow>,
    now: Date,
  ) {
    const updates: TimerStopUpdate[] = [];
    const metTimers: { timer: StoppableTimer; touch: SeenActivity }[] = [];
    const closed: { policy: string; outcome: 'met' | 'breached' }[] = [];
    for (const timer of timers) {
      const policy = this.policyById(timer.policy);
      const assignment = assignments.get(timer.assignmentId);
      if (!policy || !assignment) {
        if (!policy)
          this.log.warn('a timer of a policy no longer in sla.yaml is left as it is', {
            timerId: timer.timerId,
            policy: timer.policy,
          });
        continue;
      }
      for (const a of seen.filter((s) => s.leadId === timer.leadId)) {
        if (!satisfies(policy, a, assignment, this.policy.touch.by).counts) continue;
        const verdict = judge(timer, a.occurredAt);
        if (verdict.outcome === 'before_start') continue;
        if (verdict.outcome === 'met') {
          updates.push({
            timerId: timer.timerId,
            state: 'met',
            stop: stopOf(a, verdict.arrivedAfterBreach ? { arrivedAfterBreach: true } : {}),
            stoppedAt: a.occurredAt,
          });
          metTimers.push({ timer, touch: a });
          closed.push({ policy: timer.policy, outcome: 'met' });
          break;
        }
        // After the deadline: the breach stands (recorded now if the firing loop has not got to it);
        // the rest of the ladder is called off. A timer whose late touch was recorded keeps it.
        if (timer.state === 'open') {
          updates.push({
            timerId: timer.timerId,
            state: 'breached',
            stop: stopOf(a),
            stoppedAt: a.occurredAt,
            breachedAt: timer.deadline,
          });
          closed.push({ policy: timer.policy, outcome: 'breached' });
        } else {
          updates.push({
            timerId: timer.timerId,
            state: 'breached',
            stop: stopOf(a),
            stoppedAt: a.occurredAt,
          });
        }
        break;
      }
    }
    // A breached timer keeps the first late touch it recorded.
    const keep = await this.timers.withStop(
      em,
      updates.filter((u) => u.state === 'breached').map((u) => u.timerId),
    );
    const applied = updates.filter((u) => !(u.state === 'breached' && keep.has(u.timerId)));
    await this.timers.stop(em, applied);

    const firstTouches: { assignmentId: string; at: Date; team: string; assignedAt: Date }[] = [];
    for (const assignment of assignments.values()) {
      const touch = seen.find(
        (s) =>
          s.leadId === assignment.leadId &&
          s.occurredAt.getTime() >= assignment.assignedAt.getTime() &&
          isFirstTouchCandidate(s, assignment, this.policy),
      );
      if (touch && (!assignment.firstTouchAt || touch.occurredAt < assignment.firstTouchAt))
        firstTouches.push({
          assignmentId: assignment.assignmentId,
          at: touch.occurredAt,
          team: assignment.team,
          assignedAt: assignment.assignedAt,
        });
    }
    await this.assignments.recordFirstTouch(em, firstTouches);

    const receipts = await this.assignments.receiptsOf(em, [
      ...new Set(metTimers.map((m) => m.timer.assignmentId)),
    ]);
    await this.runtime.outbox.enqueue(
      em,
      metTimers.map(({ timer, touch }) =>
        this.metEvent(
          timer,
          assignments.get(timer.assignmentId)!,
          touch,
          receipts.get(timer.assignmentId),
          now,
        ),
      ),
    );
    // Observed once per assignment: the first time a first touch is known.
    return {
      closed,
      firstTouches: firstTouches.filter((f) => !assignments.get(f.assignmentId)!.firstTouchAt),
    };
  }

  /** Delivered assignment alerts: where the system's share of speed-to-lead ends. */
  async onReceipts(events: CloudEvent<NotificationSent>[]): Promise<void> {
    const rows = events
      .map((e) => e.data)
      .filter((n) => n.purpose === 'assignment_alert' && n.status === 'delivered' && n.assignmentId)
      .map((n) =>
        Object.assign(new AlertReceiptRow(), {
          assignmentId: n.assignmentId!,
          leadId: n.leadId,
          deliveredAt: new Date(n.sentAt),
        }),
      );
    if (rows.length === 0) return;
    await this.runtime.transaction((em) => this.assignments.recordReceipts(em, rows));
  }
}
