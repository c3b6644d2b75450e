import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { LeadIdParam, ZodParam } from '@baton/platform';
import { AssignmentStore } from '../database/assignment.store.js';
import type { TimerRow, TimerRungRow } from '../database/sla.entities.js';
import { TimerStore } from '../database/timer.store.js';

const iso = (d: Date | null | undefined) => d?.toISOString();

/** One sentence for a person: what happened to the timer. */
function verdictOf(t: TimerRow, rungs: TimerRungRow[]): string {
  const fired = rungs.filter((r) => r.state === 'fired').map((r) => r.action);
  const firedText = fired.length ? `; fired ${fired.join(', ')}` : '';
  switch (t.state) {
    case 'open':
      return `running: due ${t.deadline.toISOString()}${firedText}`;
    case 'met':
      return (
        `met by ${t.stop?.kind} (${t.stop?.source}) that occurred ${t.stop?.occurredAt}` +
        (t.stop?.arrivedAfterBreach ? `, arrived ${t.stop.receivedAt} after the breach had fired` : '') +
        firedText
      );
    case 'breached':
      return (
        `breached at ${t.deadline.toISOString()}${firedText}` +
        (t.stop ? `; touched late by ${t.stop.kind} at ${t.stop.occurredAt}, ladder stopped` : '')
      );
    case 'cancelled':
      return t.stop?.reason === 'superseded'
        ? `called off: the lead was reassigned (${t.stop.by})${firedText}`
        : `called off${firedText}`;
  }
}

/** "Why did this lead's SLA fire (or not)?": every timer of every assignment, newest first. API token required. */
@Controller('leads')
export class DeadlinesController {
  constructor(
    private readonly assignments: AssignmentStore,
    private readonly timers: TimerStore,
  ) {}

  @Get(':leadId/sla')
  async byLead(@Param('leadId', new ZodParam(LeadIdParam)) leadId: string) {
    const assignments = await this.assignments.byLead(leadId);
    if (assignments.length === 0) throw new NotFoundException(`no assignment of ${leadId} seen`);
    const { timers, rungs } = await this.timers.ofAssignments(assignments.map((a) => a.assignmentId));
    return {
      leadId,
      assignments: assignments.map((a) => ({
        assignmentId: a.assignmentId,
        qualificationId: a.qualificationId,
        repId: a.repId,
        repName: a.rep.name,
        team: a.team,
        assignedAt: iso(a.assignedAt),
        reassignment: a.previousRepId
          ? { previousRepId: a.previousRepId, cause: a.reassignmentCause }
          : undefined,
        supersededBy: a.supersededBy ?? undefined,
        firstTouchAt: iso(a.firstTouchAt),
        policyVersion: a.policyVersion,
        timers: timers
          .filter((t) => t.assignmentId === a.assignmentId)
          .map((t) => {
            const own = rungs.filter((r) => r.timerId === t.timerId);
            return {
              timerId: t.timerId,
              policy: t.policy,
              clock: t.clock,
              clockNote: t.clockNote ?? undefined,
              calendar: t.calendar ?? undefined,
              startsAt: iso(t.startsAt),
              deadline: iso(t.deadline),
              state: t.state,
              verdict: verdictOf(t, own),
              stoppedBy: t.stop ?? undefined,
              breachedAt: iso(t.breachedAt),
              rungs: own.map((r) => ({
                rung: r.rung,
                action: r.action,
                dueAt: iso(r.dueAt),
                state: r.state,
                firedAt: iso(r.firedAt),
                latenessMs: r.latenessMs ?? undefined,
                outcome: r.outcome ?? undefined,
              })),
            };
          }),
      })),
    };
  }
}
