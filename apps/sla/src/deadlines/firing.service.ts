import { Inject, Injectable } from '@nestjs/common';
import {
  Topics,
  isValidTimeZone,
  type CrmCommand,
  type LeadReassignmentRequested,
  type NewEvent,
  type SlaBreached,
  type TopicName,
} from '@baton/domain';
import { SERVICE_POLICY, ServiceRuntime, type LoadedPolicy } from '@baton/platform';
import { AssignmentStore, type FiringAssignment } from '../database/assignment.store.js';
import type { QualificationRow } from '../database/sla.entities.js';
import { RepPauseStore } from '../database/rep-pause.store.js';
import { TimerStore, type ClaimedRung, type FiredRung } from '../database/timer.store.js';
import type { SlaPolicy } from '../policy/policy.js';
import { decideRung, type RungDecision } from './ladder.js';
import { slaMetrics } from './metrics.js';

export interface FiringRound {
  claimed: number;
  fired: number;
}

const hours = (ms: number) => {
  const m = Math.round(ms / 60_000);
  return m % 60 === 0 ? `${m / 60} h` : m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
};

/**
 * One firing round, one transaction: claim the due rungs (FOR UPDATE SKIP LOCKED), decide each
 * (ladder.ts), mark them fired or skipped, mark timers whose deadline passed as breached, and
 * write the events they cause to the outbox. The rung's state and its events commit together or
 * not at all: a crash at any instant leaves the rung pending (to fire in a later round, by any
 * replica) or fired with its events on their way — never both, never neither. Event ids are the
 * rung's, so a relay retry is a duplicate consumers drop.
 */
@Injectable()
export class FiringService {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly timers: TimerStore,
    private readonly assignments: AssignmentStore,
    private readonly pauses: RepPauseStore,
    @Inject(SERVICE_POLICY) private readonly loaded: LoadedPolicy<SlaPolicy>,
  ) {}

  async fireDue(now: Date, limit: number): Promise<FiringRound> {
    const result = await this.runtime.transaction(async (em) => {
      const claimed = await this.timers.claimDue(em, now, limit);
      if (claimed.length === 0) return { claimed, fired: [] as FiredRung[], breached: [] };
      const context = await this.assignments.withQualifications(em, [
        ...new Set(claimed.map((c) => c.assignmentId)),
      ]);
      const max = this.loaded.policy.reassignment.maxPerQualification;
      const decided: { rung: ClaimedRung; decision: RungDecision }[] = [];
      // Within the round, a reassignment asked for by one rung counts for the next.
      const asked = new Set<string>();
      const counted = new Map<string, number>();
      for (const rung of [...claimed].sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime())) {
        const ctx = context.get(rung.assignmentId);
        if (!ctx) continue;
        const { assignment, qualification } = ctx;
        const decision = decideRung(
          {
            timerId: rung.timerId,
            rung: rung.rung,
            action: rung.action,
            managerTask: rung.managerTask,
            topDueRung: rung.topDueRung,
            assignment: {
              superseded: assignment.supersededBy !== null,
              reassignRequested:
                assignment.reassignRequestedAt !== null || asked.has(assignment.assignmentId),
            },
            qualification: {
              repIds: qualification.repIds,
              reassignments: qualification.reassignments + (counted.get(qualification.qualificationId) ?? 0),
            },
          },
          max,
        );
        if (decision.fire && decision.reassign) {
          asked.add(assignment.assignmentId);
          counted.set(qualification.qualificationId, (counted.get(qualification.qualificationId) ?? 0) + 1);
        }
        decided.push({ rung, decision });
      }
      const marked = await this.assignments.markReassignRequested(em, [...asked], now);
      const events: NewEvent<TopicName>[] = [];
      const fired: FiredRung[] = [];
      const reassignedQualifications: string[] = [];
      for (const { rung, decision } of decided) {
        const { assignment, qualification } = context.get(rung.assignmentId)!;
        let d = decision;
        // Another round (or replica) asked first: this one stands down.
        if (d.fire && d.reassign && !marked.has(assignment.assignmentId))
          d = { fire: false, skipped: 'already_reassigned' };
        const latenessMs = Math.max(0, now.getTime() - rung.dueAt.getTime());
        if (!d.fire) {
          fired.push({
            timerId: rung.timerId,
            rung: rung.rung,
            state: 'skipped',
            firedAt: now,
            latenessMs,
            outcome: { skipped: d.skipped },
          });
          continue;
        }
        if (d.reassign) reassignedQualifications.push(qualification.qualificationId);
        const reassignments = qualification.reassignments + (d.reassign ? 1 : 0);
        events.push(...this.eventsOf(rung, d, assignment, qualification, reassignments, now));
        fired.push({
          timerId: rung.timerId,
          rung: rung.rung,
          state: 'fired',
          firedAt: now,
          latenessMs,
          outcome: {
            ...(d.reassign
              ? { reassignment: 'requested' as const, excludeRepIds: d.reassign.excludeRepIds }
              : {}),
            ...(d.capped ? { reassignment: 'capped' as const } : {}),
            ...(d.managerTask ? { managerTask: true } : {}),
          },
        });
      }
      const claimedBy = new Map(claimed.map((c) => [c.timerId, c.assignmentId]));
      // A rung at or after the deadline fired (or was overtaken): the timer is breached at its deadline.
      const breached = [
        ...new Map(
          claimed
            .filter((c) => c.timerState === 'open' && c.dueAt.getTime() >= c.deadline.getTime())
            .map((c) => [c.timerId, { timerId: c.timerId, at: c.deadline, policy: c.policy }]),
        ).values(),
      ];
      await this.timers.recordFiring(em, fired, breached);
      await this.assignments.countReassignments(em, reassignedQualifications);
      const alert = this.loaded.policy.repBreachAlert;
      if (alert.pauseForTheDay && breached.length > 0) {
        const reps = breached
          .map((b) => context.get(claimedBy.get(b.timerId) ?? '')?.assignment.rep)
          .filter((r) => r !== undefined && isValidTimeZone(r.timeZone));
        await this.pauses.request(
          em,
          reps.map((r) => ({ repId: r!.repId, timeZone: r!.timeZone })),
          alert.breachesPerDay,
          now,
        );
      }
      await this.runtime.outbox.enqueue(em, events);
      return { claimed, fired, breached };
    });
    const byKey = new Map(result.claimed.map((c) => [`${c.timerId}/${c.rung}`, c]));
    for (const f of result.fired) {
      const c = byKey.get(`${f.timerId}/${f.rung}`)!;
      slaMetrics.rungsFired.inc({ policy: c.policy, action: c.action, outcome: f.state });
      if (f.state === 'fired') slaMetrics.firingLateness.observe({ action: c.action }, f.latenessMs / 1000);
    }
    for (const b of result.breached) slaMetrics.timersClosed.inc({ policy: b.policy, outcome: 'breached' });
    return { claimed: result.claimed.length, fired: result.fired.filter((f) => f.state === 'fired').length };
  }

  private eventsOf(
    rung: ClaimedRung,
    d: Extract<RungDecision, { fire: true }>,
    assignment: FiringAssignment,
    qualification: QualificationRow,
    reassignments: number,
    now: Date,
  ): NewEvent<TopicName>[] {
    const rep = assignment.rep;
    const policy = this.loaded.policy.policies.find((p) => p.id === rung.policy);
    const window = policy ? hours(policy.window) : 'the window';
    const id = `${rung.timerId}:${rung.rung}`;
    const breached: SlaBreached = {
      leadId: assignment.leadId,
      timerId: rung.timerId,
      assignmentId: assignment.assignmentId,
      policy: rung.policy,
      rung: rung.rung,
      action: d.action,
      rep,
      deadline: rung.deadline.toISOString(),
      breachedAt: now.toISOString(),
      clock: rung.clock,
      lateByMs: Math.max(0, now.getTime() - rung.deadline.getTime()),
      reassignments,
      ...(d.capped ? { reassignmentCapped: true } : {}),
      lead: {
        name: assignment.lead.name,
        company: assignment.lead.company,
        score: assignment.lead.score,
        crmUrl: assignment.lead.crmUrl,
      },
    };
    const out: NewEvent<TopicName>[] = [
      {
        topic: Topics.SlaBreached,
        subject: assignment.leadId,
        id: `${id}:breached`,
        time: now,
        data: breached,
      },
    ];
    if (d.reassign) {
      const request: LeadReassignmentRequested = {
        leadId: assignment.leadId,
        assignmentId: assignment.assignmentId,
        requestedBy: 'sla',
        cause: `sla ${rung.policy}: ${rep.name} did not act within ${window} (${rung.clock === 'business' ? 'business hours' : 'wall clock'})`,
        excludeRepIds: d.reassign.excludeRepIds,
        requestedAt: now.toISOString(),
      };
      out.push({
        topic: Topics.LeadReassignmentRequested,
        subject: assignment.leadId,
        id: `${id}:reassign`,
        time: now,
        data: request,
      });
    }
    if (d.managerTask) {
      const manager = rep.manager;
      const task: CrmCommand = {
        commandId: `sla:${id}:task`,
        leadId: assignment.leadId,
        crm: assignment.crm,
        issuedBy: this.runtime.source,
        issuedAt: now.toISOString(),
        action: 'create_task',
        task: {
          subject: `SLA ${rung.policy} breached: ${assignment.lead.name ?? assignment.leadId} not worked by ${rep.name}`,
          body:
            `${rep.name} was given this lead at ${assignment.assignedAt.toISOString()} and had ${window} ` +
            `(${rung.clock === 'business' ? 'business hours' : 'wall clock'}) to act; nothing was logged by ` +
            `${rung.deadline.toISOString()}.${manager ? ` Escalated to ${manager.name}.` : ''}` +
            (d.capped ? ' The lead has been reassigned as often as the policy allows: please decide.' : ''),
          ownerId: manager?.crmOwnerId ?? rep.crmOwnerId,
          dueAt: now.toISOString(),
        },
      };
      out.push({
        topic: Topics.CrmCommand,
        subject: assignment.leadId,
        id: `${id}:task`,
        time: now,
        data: task,
      });
    }
    return out;
  }
}
