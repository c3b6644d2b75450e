import { Controller, Get, Inject, Query } from '@nestjs/common';
import { z } from 'zod';
import {
  IsoDateParam,
  SERVICE_POLICY,
  ZodParam,
  textParam,
  type Clock,
  type LoadedPolicy,
} from '@baton/platform';
import { ReportStore } from '../database/report.store.js';
import { SLA_CLOCK } from '../deadlines/sla-clock.js';
import type { SlaPolicy } from '../policy/policy.js';

const DAY_MS = 86_400_000;

const ReportQuery = z
  .object({
    from: IsoDateParam.optional().describe('Assignments made from (inclusive); default 7 days before `to`'),
    to: IsoDateParam.optional().describe('Assignments made until (exclusive); default now'),
    team: textParam(100).optional().describe("Routing's pool"),
  })
  .strict()
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    message: 'from must be before to',
    path: ['from'],
  });

const ratio = (part: number, whole: number) =>
  whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;

/**
 * GET /sla/report?from=&to=&team= — over the assignments made in the window: compliance per
 * policy, time to first touch as P50/P95 with system time (signal → alert) apart from human time
 * (assignment → first touch), breaches by rep and by policy, the follow-up rate. API token required.
 */
@Controller('sla')
export class ReportController {
  constructor(
    private readonly reports: ReportStore,
    @Inject(SLA_CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_POLICY) private readonly loaded: LoadedPolicy<SlaPolicy>,
  ) {}

  @Get('report')
  async report(@Query(new ZodParam(ReportQuery, 'query')) q: z.infer<typeof ReportQuery>) {
    const to = q.to ? new Date(q.to) : this.clock.now();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 7 * DAY_MS);
    const policy = this.loaded.policy;
    const touchPolicies = policy.policies
      .filter((p) => p.stoppedBy.activities.length > 0 || p.stoppedBy.repActions.length > 0)
      .map((p) => p.id);
    const rows = await this.reports.report({
      from,
      to,
      team: q.team,
      touchPolicies,
      breachesPerDay: policy.repBreachAlert.breachesPerDay,
    });
    const met = rows.policies.reduce((s, p) => s + p.met, 0);
    const judged = rows.policies.reduce((s, p) => s + p.met + p.breached, 0);
    return {
      window: { from: from.toISOString(), to: to.toISOString(), team: q.team ?? null },
      policyVersion: this.loaded.version,
      compliance: {
        overall: ratio(met, judged),
        byPolicy: rows.policies.map((p) => ({ ...p, compliance: ratio(p.met, p.met + p.breached) })),
        note: 'met / (met + breached); open and called-off timers are not judged yet or not at all',
      },
      timeToFirstTouch: {
        human: {
          ...rows.human,
          note: "assignment → the assigned rep's first touch, wall clock; untouched assignments are counted apart",
        },
        system: {
          ...rows.system,
          note: 'qualifying signal received → assignment alert delivered (or the assignment where no receipt came), first assignment of each qualification',
        },
      },
      breaches: { byRep: rows.breachesByRep, byPolicy: rows.breachesByPolicy },
      followUp: {
        ...rows.followUp,
        touchedRate: ratio(rows.followUp.touched, rows.followUp.qualified),
        withinSlaRate: ratio(rows.followUp.touchedWithinSla, rows.followUp.qualified),
        touchPolicies,
      },
      repsOverBreachThreshold: {
        breachesPerDay: policy.repBreachAlert.breachesPerDay,
        reps: rows.repsOverThreshold,
      },
    };
  }
}
