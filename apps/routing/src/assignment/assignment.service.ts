import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import {
  Topics,
  type CloudEvent,
  type CrmRef,
  type Firmographics,
  type Identity,
  type LeadAssigned,
  type LeadQualified,
  type LeadReassignmentRequested,
  type NewEvent,
  type RepRef,
  type TopicName,
} from '@baton/domain';
import { PermanentError } from '@baton/kafka';
import { JsonLogger, counter, histogram } from '@baton/observability';
import type { ServiceRuntime, Clock } from '@baton/platform';
import type { RoutingPolicy } from '../policy/policy.js';
import { pruneRotation, type RotationState } from '../rotation/weighted-rotation.js';
import { loadReps } from '../roster/roster.store.js';
import { leadFacts, type LeadFacts } from '../rules/lead-facts.js';
import { matchingRules } from '../rules/rules.js';
import { RoutingBook, decide, managerOf, type Assignee, type Decision } from './router.js';

/** What routing keeps of a lead with each assignment (enough to route it again on a reassignment). */
export interface LeadSnapshot {
  crm: CrmRef;
  identity: Identity;
  firmographics: Firmographics;
  score: number;
  summary: string;
  openingLine?: string;
  currentOwnerId?: string;
  qualifiedAt: string;
}

interface PendingRoute {
  leadId: string;
  qualificationId: string;
  generation: number;
  sourceEventId: string;
  lead: LeadSnapshot;
  facts: LeadFacts;
  exclude: Set<string>;
  /** The assignment this one replaces (a reassignment, or an earlier qualification of the same lead). */
  replaces?: { id: string; repId: string; kind: string; isReassignment: boolean };
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
export class AssignmentService {
  private readonly log = new JsonLogger('routing.assignment');
  private readonly processedReassignment;

  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly policy: RoutingPolicy,
    private readonly clock: Clock,
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
        const profiles = await this.profilesOf(
          em,
          items.map((e) => e.data.leadId),
        );
        const current = await this.currentAssignments(
          em,
          items.map((e) => e.data.leadId),
        );
        const pending: PendingRoute[] = items.map((e) => {
          const q = e.data;
          const profile = profiles.get(q.leadId);
          // The qualification is the fresher read; the stored profile fills what it left out.
          const lead: LeadSnapshot = {
            crm: q.crm,
            identity: { ...profile?.identity, ...stripUndefined(q.identity) },
            firmographics: { ...profile?.firmographics, ...stripUndefined(q.firmographics) },
            score: q.score,
            summary: q.summary,
            openingLine: q.openingLine,
            currentOwnerId: q.currentOwnerId ?? profile?.ownerId,
            qualifiedAt: q.qualifiedAt,
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
      const rows: {
        id: string;
        lead_id: string;
        qualification_id: string;
        generation: number;
        rep_id: string;
        assignee_kind: string;
        current: boolean;
        lead: LeadSnapshot;
      }[] = await em.query(
        `SELECT id, lead_id, qualification_id, generation, rep_id, assignee_kind, current, lead FROM assignment WHERE id = $1 FOR UPDATE`,
        [req.assignmentId],
      );
      const old = rows[0];
      if (!old || old.lead_id !== req.leadId)
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
          leadId: old.lead_id,
          qualificationId: old.qualification_id,
          generation: old.generation + 1,
          sourceEventId: event.id,
          lead: old.lead,
          facts: this.factsOf(old.lead_id, old.lead),
          exclude: new Set([old.rep_id, ...req.excludeRepIds]),
          replaces: { id: old.id, repId: old.rep_id, kind: old.assignee_kind, isReassignment: true },
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
    const rotationRows: { pool_id: string; credits: RotationState }[] = await em.query(
      `SELECT pool_id, credits FROM pool_rotation WHERE pool_id = ANY($1::text[]) ORDER BY pool_id FOR UPDATE`,
      [[...poolIds].sort()],
    );
    const reps = await loadReps(em, { lock: true });
    // Checked again under the locks: a replica that decided the same qualification meanwhile
    // (possible only around a rebalance) has committed by now, and we skip instead of failing.
    const firsts = candidates.filter((p) => p.generation === 0).map((p) => p.qualificationId);
    const decided: { qualification_id: string }[] = firsts.length
      ? await em.query(
          `SELECT qualification_id FROM assignment WHERE qualification_id = ANY($1::text[]) AND generation = 0`,
          [firsts],
        )
      : [];
    const already = new Set(decided.map((d) => d.qualification_id));
    if (already.size) duplicates.inc(already.size);
    const pending = candidates.filter((p) => p.generation !== 0 || !already.has(p.qualificationId));
    if (pending.length === 0) return [];
    const utcDay = now.toISOString().slice(0, 10);
    const loads: { rep_id: string; day: string; assigned: number }[] = await em.query(
      `SELECT rep_id, to_char(day, 'YYYY-MM-DD') AS day, assigned FROM rep_daily_load WHERE day BETWEEN $1::date - 1 AND $1::date + 1`,
      [utcDay],
    );
    const domains = [...new Set(pending.map((p) => p.facts.companyDomain).filter((d): d is string => !!d))];
    const companyRows: { domain: string; rep_id: string }[] = domains.length
      ? await em.query(`SELECT domain, rep_id FROM company_owner WHERE domain = ANY($1::text[])`, [domains])
      : [];
    const book = new RoutingBook(
      reps,
      new Map(
        rotationRows.map((r) => [
          r.pool_id,
          pruneRotation(r.credits, policy.pools.get(r.pool_id)?.members ?? []),
        ]),
      ),
      new Map(loads.map((l) => [`${l.rep_id}|${l.day}`, l.assigned])),
      new Map(
        pending
          .filter((p) => p.replaces && p.replaces.kind === 'rep')
          .map((p) => [p.leadId, p.replaces!.repId]),
      ),
      new Map(companyRows.map((r) => [r.domain, r.rep_id])),
    );

    const rows: Record<string, unknown>[] = [];
    const events: NewEvent<TopicName>[] = [];
    const released: string[] = [];
    // A lead qualified twice within one batch: the later assignment supersedes the earlier one.
    const latestByLead = new Map<
      string,
      { id: string; repId: string; kind: string; row?: Record<string, unknown> }
    >();
    for (const p of pending) {
      const previous = latestByLead.get(p.leadId) ?? p.replaces;
      if (previous) {
        const inBatch = latestByLead.get(p.leadId)?.row;
        if (inBatch) Object.assign(inBatch, { current: false, released_at: now.toISOString() });
        else released.push(previous.id);
        if (previous.kind === 'rep') book.release(previous.repId);
      }
      const decision = decide(p.facts, policy, book, now, { exclude: p.exclude });
      const assignmentId = assignmentIdOf(p.qualificationId, p.generation);
      const reason = p.replaces?.isReassignment
        ? `Reassigned from ${reps.get(p.replaces.repId)?.name ?? p.replaces.repId} (${p.cause}). ${decision.reason}`
        : decision.reason;
      const row: Record<string, unknown> = {
        id: assignmentId,
        current: true,
        released_at: null,
        lead_id: p.leadId,
        qualification_id: p.qualificationId,
        generation: p.generation,
        replaces_assignment_id: p.replaces?.isReassignment ? p.replaces.id : null,
        rep_id: decision.assignee.id,
        assignee_kind: decision.assignee.kind,
        rule_id: decision.ruleId,
        pool_id: decision.poolId,
        strategy: decision.strategy,
        reason,
        cause: p.cause ?? null,
        audit: decision.audit,
        lead: p.lead,
        policy_version: policy.version,
        source_event_id: p.sourceEventId,
        assigned_at: now.toISOString(),
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

    if (released.length) {
      await em.query(
        `UPDATE assignment SET current = false, released_at = $2 WHERE id = ANY($1::text[]) AND current`,
        [released, now],
      );
    }
    await em.query(
      `INSERT INTO assignment (id, lead_id, qualification_id, generation, replaces_assignment_id, rep_id, assignee_kind, current, rule_id, pool_id,
         strategy, reason, cause, audit, lead, policy_version, source_event_id, assigned_at, released_at)
       SELECT id, lead_id, qualification_id, generation, replaces_assignment_id, rep_id, assignee_kind, current, rule_id, pool_id,
         strategy, reason, cause, audit, lead, policy_version, source_event_id, assigned_at, released_at
       FROM json_to_recordset($1::json) AS x(id text, current boolean, released_at timestamptz, lead_id text, qualification_id text, generation int, replaces_assignment_id text,
         rep_id text, assignee_kind text, rule_id text, pool_id text, strategy text, reason text, cause text, audit json, lead json,
         policy_version text, source_event_id text, assigned_at timestamptz)`,
      [JSON.stringify(rows)],
    );
    await this.saveBook(em, book, now);
    await this.runtime.outbox.enqueue(em, events);
    return rows.map((r) => r.id as string);
  }

  private async saveBook(em: EntityManager, book: RoutingBook, now: Date): Promise<void> {
    if (book.touchedPools.size) {
      const pools = [...book.touchedPools]
        .sort()
        .map((id) => ({ pool_id: id, credits: book.rotation.get(id) ?? {} }));
      await em.query(
        `UPDATE pool_rotation p SET credits = x.credits, decisions = p.decisions + 1, updated_at = $2
         FROM jsonb_to_recordset($1::jsonb) AS x(pool_id text, credits jsonb) WHERE p.pool_id = x.pool_id`,
        [JSON.stringify(pools), now],
      );
    }
    if (book.touchedLoads.size) {
      const loads = [...book.touchedLoads].sort().map((key) => {
        const [rep_id, day] = key.split('|');
        return { rep_id, day, assigned: book.dailyLoad.get(key) ?? 0 };
      });
      await em.query(
        `INSERT INTO rep_daily_load (rep_id, day, assigned)
         SELECT rep_id, day, assigned FROM jsonb_to_recordset($1::jsonb) AS x(rep_id text, day date, assigned int)
         ON CONFLICT (rep_id, day) DO UPDATE SET assigned = EXCLUDED.assigned`,
        [JSON.stringify(loads)],
      );
    }
    const deltas = [...book.openLeadDelta]
      .filter(([, d]) => d !== 0)
      .map(([rep_id, delta]) => ({ rep_id, delta }));
    if (deltas.length) {
      await em.query(
        `UPDATE rep r SET open_leads = GREATEST(0, r.open_leads + x.delta) FROM jsonb_to_recordset($1::jsonb) AS x(rep_id text, delta int) WHERE r.id = x.rep_id`,
        [JSON.stringify(deltas)],
      );
    }
    const companies = [...book.touchedCompanies]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([domain, lead_id]) => ({ domain, rep_id: book.companyOwners.get(domain)!, lead_id }));
    if (companies.length) {
      await em.query(
        `INSERT INTO company_owner (domain, rep_id, lead_id, updated_at)
         SELECT domain, rep_id, lead_id, $2 FROM jsonb_to_recordset($1::jsonb) AS x(domain text, rep_id text, lead_id text)
         ON CONFLICT (domain) DO UPDATE SET rep_id = EXCLUDED.rep_id, lead_id = EXCLUDED.lead_id, updated_at = EXCLUDED.updated_at`,
        [JSON.stringify(companies), now],
      );
    }
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
        summary: p.lead.summary,
        openingLine: p.lead.openingLine,
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
    };
  }

  private async profilesOf(
    em: EntityManager,
    leadIds: string[],
  ): Promise<Map<string, { identity: Identity; firmographics: Firmographics; ownerId?: string }>> {
    const rows: {
      lead_id: string;
      identity: Identity;
      firmographics: Firmographics;
      owner_id: string | null;
    }[] = await em.query(
      `SELECT lead_id, identity, firmographics, owner_id FROM lead_profile WHERE lead_id = ANY($1::text[]) AND NOT deleted`,
      [leadIds],
    );
    return new Map(
      rows.map((r) => [
        r.lead_id,
        { identity: r.identity, firmographics: r.firmographics, ownerId: r.owner_id ?? undefined },
      ]),
    );
  }

  private async currentAssignments(
    em: EntityManager,
    leadIds: string[],
  ): Promise<Map<string, { id: string; repId: string; kind: string }>> {
    const rows: { id: string; lead_id: string; rep_id: string; assignee_kind: string }[] = await em.query(
      `SELECT id, lead_id, rep_id, assignee_kind FROM assignment WHERE lead_id = ANY($1::text[]) AND current ORDER BY id FOR UPDATE`,
      [leadIds],
    );
    return new Map(rows.map((r) => [r.lead_id, { id: r.id, repId: r.rep_id, kind: r.assignee_kind }]));
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;
}
