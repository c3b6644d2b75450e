import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  Topics,
  type CloudEvent,
  type LeadAssigned,
  type LeadQualified,
  type LeadReassignmentRequested,
  type NewEvent,
  type NotifyChannel,
  type RepRef,
  type TopicName,
} from '@baton/domain';
import { PermanentError } from '@baton/kafka';
import { JsonLogger, counter, histogram } from '@baton/observability';
import { CLOCK, SERVICE_POLICY, ServiceRuntime, type Clock } from '@baton/platform';
import type { AssignmentRow, LeadSnapshot } from '../database/assignment.entity.js';
import { AssignmentStore, type CurrentAssignment } from '../database/assignment.store.js';
import { LeadProfileStore } from '../database/lead-profile.store.js';
import { PoolRotationStore } from '../database/pool-rotation.store.js';
import { RosterStore } from '../database/roster.store.js';
import type { RoutingPolicy } from '../policy/policy.js';
import { pruneRotation } from '../rotation/weighted-rotation.js';
import { leadFacts, type LeadFacts } from '../rules/lead-facts.js';
import { matchingRules } from '../rules/rules.js';
import { RoutingBook, decide, managerOf, type Assignee, type Decision } from './router.js';

interface PendingRoute {
  leadId: string;
  qualificationId: string;
  generation: number;
  sourceEventId: string;
  lead: LeadSnapshot;
  facts: LeadFacts;
  exclude: Set<string>;
  /** The assignment this one replaces (a reassignment, or an earlier qualification of the same lead). */
  replaces?: CurrentAssignment & { isReassignment: boolean };
  cause?: string;
}

const decisions = counter('baton_routing_decisions_total', 'Routing decisions persisted', [
  'strategy',
  'kind',
]);
const managerQueue = counter(
  'baton_routing_manager_queue_total',
  'Leads sent to a manager queue because nobody was eligible',
  ['pool'],
);
const duplicates = counter(
  'baton_routing_duplicates_total',
  'Deliveries skipped because the qualification was already assigned',
);
const decideSeconds = histogram(
  'baton_routing_batch_seconds',
  'Time to decide and persist one batch',
  [],
  [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2],
);

/** Deterministic ids: a retried decision for the same qualification writes the same ids. */
export function assignmentIdOf(qualificationId: string, generation: number): string {
  return `asg_${createHash('sha256').update(`${qualificationId}#${generation}`).digest('hex').slice(0, 24)}`;
}

/**
 * Turns qualified leads and reassignment requests into assignments. One transaction per
 * batch: dedupe, lock the pools' rotation rows and the roster (always in the same order),
 * decide, then store the assignments with their audit and the outgoing events via the outbox.
 */
@Injectable()
export class AssignmentService {
  private readonly log = new JsonLogger('routing.assignment');
  private readonly processedReassignment;

  constructor(
    private readonly runtime: ServiceRuntime,
    @Inject(SERVICE_POLICY) private readonly policy: RoutingPolicy,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly assignments: AssignmentStore,
    private readonly roster: RosterStore,
    private readonly rotation: PoolRotationStore,
    private readonly profiles: LeadProfileStore,
  ) {
    this.processedReassignment = runtime.processed('lead-reassignment');
  }

  /** Assigns each qualification exactly once; returns the assignment ids created by this call. */
  async assignQualified(events: CloudEvent<LeadQualified>[]): Promise<string[]> {
    const end = decideSeconds.startTimer();
    try {
      return await this.runtime.transaction(async (em) => {
        // Dedupe on the natural key (checked under the locks in decideAndStore): a qualification
        // already assigned, by this or another replica, from any copy of the event, is skipped.
        const byQualification = new Map<string, CloudEvent<LeadQualified>>();
        for (const e of events)
          if (!byQualification.has(e.data.qualificationId)) byQualification.set(e.data.qualificationId, e);
        const items = [...byQualification.values()];
        const leadIds = items.map((e) => e.data.leadId);
        const profiles = await this.profiles.of(em, leadIds);
        const current = await this.assignments.lockCurrent(em, leadIds);
        const pending: PendingRoute[] = items.map((e) => {
          const q = e.data;
          const profile = profiles.get(q.leadId);
          // The qualification is the fresher read; the stored profile fills what it left out.
          const lead: LeadSnapshot = {
            crm: q.crm,
            identity: { ...profile?.identity, ...stripUndefined(q.identity) },
            firmographics: { ...profile?.firmographics, ...stripUndefined(q.firmographics) },
            score: q.score,
            threshold: q.threshold,
            highIntentSignals: q.highIntentSignals,
            summary: q.summary,
            openingLine: q.openingLine,
            currentOwnerId: q.currentOwnerId ?? profile?.ownerId,
            qualifiedAt: q.qualifiedAt,
            signalReceivedAt: q.signalReceivedAt,
          };
          const previous = current.get(q.leadId);
          return {
            leadId: q.leadId,
            qualificationId: q.qualificationId,
            generation: 0,
            sourceEventId: e.id,
            lead,
            facts: this.factsOf(q.leadId, lead),
            exclude: new Set<string>(),
            replaces: previous ? { ...previous, isReassignment: false } : undefined,
          };
        });
        return this.decideAndStore(em, pending);
      });
    } finally {
      end();
    }
  }

  /** Gives the lead to another rep (never the previous one, nor any the request excludes) and says why. */
  async reassign(event: CloudEvent<LeadReassignmentRequested>): Promise<string | undefined> {
    const req = event.data;
    return this.runtime.transaction(async (em) => {
      if (!(await this.processedReassignment.claim(em, event.id))) return undefined;
      const old = await this.assignments.lock(em, req.assignmentId);
      if (!old || old.leadId !== req.leadId)
        throw new PermanentError(`no assignment ${req.assignmentId} for lead ${req.leadId}`);
      if (!old.current) {
        // Already replaced (a second request for the same assignment): one reassignment per assignment.
        this.log.info('reassignment request for an assignment already replaced; ignored', {
          assignmentId: req.assignmentId,
        });
        return undefined;
      }
      const ids = await this.decideAndStore(em, [
        {
          leadId: old.leadId,
          qualificationId: old.qualificationId,
          generation: old.generation + 1,
          sourceEventId: event.id,
          lead: old.lead,
          facts: this.factsOf(old.leadId, old.lead),
          exclude: new Set([old.repId, ...req.excludeRepIds]),
          replaces: { id: old.id, repId: old.repId, kind: old.assigneeKind, isReassignment: true },
          cause: `${req.requestedBy}: ${req.cause}`,
        },
      ]);
      return ids[0];
    });
  }

  private factsOf(leadId: string, lead: LeadSnapshot): LeadFacts {
    return leadFacts(
      {
        leadId,
        provider: lead.crm.provider,
        identity: lead.identity,
        firmographics: lead.firmographics,
        currentOwnerId: lead.currentOwnerId,
      },
      this.policy.routing,
    );
  }

  private async decideAndStore(em: EntityManager, candidates: PendingRoute[]): Promise<string[]> {
    const now = this.clock.now();
    const policy = this.policy;

    // Lock order (pools by id, then the roster by id) is the same in every transaction: no deadlocks.
    const poolIds = new Set<string>();
    for (const p of candidates) {
      for (const rule of matchingRules(policy.routing.rules, p.facts)) {
        for (
          let pool = rule.pool ? policy.pools.get(rule.pool) : undefined;
          pool && !poolIds.has(pool.id);
          pool = pool.fallbackPool ? policy.pools.get(pool.fallbackPool) : undefined
        ) {
          poolIds.add(pool.id);
        }
      }
    }
    const rotation = await this.rotation.lock(em, [...poolIds]);
    const reps = await this.roster.reps(em, { lock: true });
    // Checked again under the locks: a replica that decided the same qualification meanwhile
    // (possible only around a rebalance) has committed by now, and we skip instead of failing.
    const firsts = candidates.filter((p) => p.generation === 0).map((p) => p.qualificationId);
    const already = await this.assignments.firstAssigned(em, firsts);
    if (already.size) duplicates.inc(already.size);
    const pending = candidates.filter((p) => p.generation !== 0 || !already.has(p.qualificationId));
    if (pending.length === 0) return [];
    const utcDay = now.toISOString().slice(0, 10);
    const loads = await this.roster.loadsAround(em, utcDay);
    const domains = [...new Set(pending.map((p) => p.facts.companyDomain).filter((d): d is string => !!d))];
    const companyOwners = await this.assignments.companyOwners(em, domains);
    const book = new RoutingBook(
      reps,
      new Map(
        [...rotation].map(([poolId, credits]) => [
          poolId,
          pruneRotation(credits, policy.pools.get(poolId)?.members ?? []),
        ]),
      ),
      loads,
      new Map(
        pending
          .filter((p) => p.replaces && p.replaces.kind === 'rep')
          .map((p) => [p.leadId, p.replaces!.repId]),
      ),
      companyOwners,
    );

    const rows: AssignmentRow[] = [];
    const events: NewEvent<TopicName>[] = [];
    const released: string[] = [];
    // A lead qualified twice within one batch: the later assignment supersedes the earlier one.
    const latestByLead = new Map<string, CurrentAssignment & { row?: AssignmentRow }>();
    for (const p of pending) {
      const previous = latestByLead.get(p.leadId) ?? p.replaces;
      if (previous) {
        const inBatch = latestByLead.get(p.leadId)?.row;
        if (inBatch) {
          inBatch.current = false;
          inBatch.releasedAt = now;
        } else released.push(previous.id);
        if (previous.kind === 'rep') book.release(previous.repId);
      }
      const decision = decide(p.facts, policy, book, now, { exclude: p.exclude });
      const assignmentId = assignmentIdOf(p.qualificationId, p.generation);
      const reason = p.replaces?.isReassignment
        ? `Reassigned from ${reps.get(p.replaces.repId)?.name ?? p.replaces.repId} (${p.cause}). ${decision.reason}`
        : decision.reason;
      const row: AssignmentRow = {
        id: assignmentId,
        current: true,
        releasedAt: null,
        leadId: p.leadId,
        qualificationId: p.qualificationId,
        generation: p.generation,
        replacesAssignmentId: p.replaces?.isReassignment ? p.replaces.id : null,
        repId: decision.assignee.id,
        assigneeKind: decision.assignee.kind,
        ruleId: decision.ruleId,
        poolId: decision.poolId,
        strategy: decision.strategy,
        reason,
        cause: p.cause ?? null,
        audit: decision.audit,
        lead: p.lead,
        policyVersion: policy.version,
        sourceEventId: p.sourceEventId,
        assignedAt: now,
      };
      rows.push(row);
      latestByLead.set(p.leadId, {
        id: assignmentId,
        repId: decision.assignee.id,
        kind: decision.assignee.kind,
        row,
      });
      events.push(...this.eventsFor(p, decision, assignmentId, reason, book, now));
      decisions.inc({
        strategy: decision.strategy,
        kind: p.replaces?.isReassignment ? 'reassignment' : 'qualification',
      });
      if (decision.strategy === 'manager_queue') {
        managerQueue.inc({ pool: decision.poolId });
        this.log.warn('nobody eligible: lead sent to the manager queue', {
          leadId: p.leadId,
          pool: decision.poolId,
          manager: decision.assignee.id,
        });
      }
    }

    await this.assignments.release(em, released, now);
    await this.assignments.insert(em, rows);
    await this.saveBook(em, book, now);
    await this.runtime.outbox.enqueue(em, events);
    return rows.map((r) => r.id);
  }

  /** What the batch changed of the book, in a fixed order (pools, then reps, then companies). */
  private async saveBook(em: EntityManager, book: RoutingBook, now: Date): Promise<void> {
    await this.rotation.save(
      em,
      [...book.touchedPools].sort().map((poolId) => ({ poolId, credits: book.rotation.get(poolId) ?? {} })),
      now,
    );
    await this.roster.saveLoads(
      em,
      [...book.touchedLoads].sort().map((key) => {
        const [repId, day] = key.split('|');
        return { repId, day, assigned: book.dailyLoad.get(key) ?? 0 };
      }),
    );
    await this.roster.addOpenLeads(
      em,
      [...book.openLeadDelta].filter(([, d]) => d !== 0).map(([repId, delta]) => ({ repId, delta })),
    );
    await this.assignments.saveCompanyOwners(
      em,
      [...book.touchedCompanies]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([domain, leadId]) => ({ domain, repId: book.companyOwners.get(domain)!, leadId })),
      now,
    );
  }

  private eventsFor(
    p: PendingRoute,
    d: Decision,
    assignmentId: string,
    reason: string,
    book: RoutingBook,
    now: Date,
  ): NewEvent<TopicName>[] {
    const provider = p.lead.crm.provider;
    const rep: RepRef = {
      repId: d.assignee.id,
      name: d.assignee.name,
      email: d.assignee.email,
      crmOwnerId: d.assignee.crmOwnerIds[provider],
      slackUserId: d.assignee.slackUserId,
      teamsUserId: d.assignee.teamsUserId,
      timeZone: d.assignee.timeZone,
      channels: this.channelsOf(d.assignee),
      workingHours: d.assignee.workingHours,
      outOfOffice:
        d.assignee.awayFrom || d.assignee.awayUntil
          ? { from: d.assignee.awayFrom?.toISOString(), until: d.assignee.awayUntil?.toISOString() }
          : undefined,
      manager: this.managerRef(d.assignee, book),
    };
    const assigned: LeadAssigned = {
      leadId: p.leadId,
      assignmentId,
      qualificationId: p.qualificationId,
      crm: p.lead.crm,
      rep,
      ruleId: d.ruleId,
      pool: d.poolId,
      strategy: d.strategy,
      reason: reason.slice(0, 1000),
      lead: {
        identity: p.lead.identity,
        firmographics: p.lead.firmographics,
        score: p.lead.score,
        threshold: p.lead.threshold,
        highIntentSignals: p.lead.highIntentSignals,
        summary: p.lead.summary,
        openingLine: p.lead.openingLine,
        qualifiedAt: p.lead.qualifiedAt,
        signalReceivedAt: p.lead.signalReceivedAt,
      },
      reassignment: p.replaces?.isReassignment
        ? { previousRepId: p.replaces.repId, cause: p.cause ?? 'reassigned' }
        : undefined,
      assignedAt: now.toISOString(),
    };
    const out: NewEvent<TopicName>[] = [
      {
        topic: Topics.LeadAssigned,
        subject: p.leadId,
        data: assigned,
        id: `${assignmentId}:assigned`,
        time: now,
      },
    ];
    if (rep.crmOwnerId) {
      out.push({
        topic: Topics.CrmCommand,
        subject: p.leadId,
        id: `${assignmentId}:owner`,
        time: now,
        data: {
          commandId: `routing:${assignmentId}:owner`,
          leadId: p.leadId,
          crm: p.lead.crm,
          issuedBy: this.runtime.source,
          issuedAt: now.toISOString(),
          action: 'update_lead',
          changes: { ownerId: rep.crmOwnerId },
        },
      });
    }
    return out;
  }

  private managerRef(assignee: Assignee, book: RoutingBook): RepRef['manager'] {
    if (!assignee.managerId) return undefined;
    const m = managerOf(assignee.managerId, this.policy, book);
    return {
      repId: m.id,
      name: m.name,
      email: m.email,
      slackUserId: m.slackUserId,
      teamsUserId: m.teamsUserId,
      timeZone: m.timeZone,
      channels: this.channelsOf(m),
    };
  }

  /** The roster's preference, or Slack, then Teams, then e-mail, as the person's ids allow. */
  private channelsOf(who: Assignee): NotifyChannel[] {
    const listed =
      this.policy.roster.reps.find((r) => r.id === who.id)?.channels ??
      this.policy.managers.get(who.id)?.channels;
    if (listed) return listed;
    const out: NotifyChannel[] = [];
    if (who.slackUserId) out.push('slack');
    if (who.teamsUserId) out.push('teams');
    out.push('email');
    return out;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;
}
