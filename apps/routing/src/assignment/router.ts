import type { LeadAssigned } from '@baton/domain';
import { checkEligibility, type SkipReason } from '../eligibility/eligibility.js';
import type { RoutingPolicy } from '../policy/policy.js';
import type { PoolPolicy, RulePolicy } from '../policy/policy.schema.js';
import { pickWeighted, type RotationState } from '../rotation/weighted-rotation.js';
import type { RepState } from '../roster/rep.js';
import { localDay, nextWorkingStart } from '../roster/working-hours.js';
import type { LeadFacts } from '../rules/lead-facts.js';
import { matchingRules } from '../rules/rules.js';

export type AssignedStrategy = LeadAssigned['strategy'];

/**
 * What the router needs to decide, loaded (and locked) by the caller. The router updates it
 * as it assigns, so a batch of leads decided in one transaction sees its own earlier picks.
 */
export class RoutingBook {
  readonly touchedPools = new Set<string>();
  readonly touchedLoads = new Set<string>();
  readonly openLeadDelta = new Map<string, number>();
  /** company domain → the lead that (re)established its owner in this batch. */
  readonly touchedCompanies = new Map<string, string>();

  constructor(
    readonly reps: Map<string, RepState>,
    readonly rotation: Map<string, RotationState>,
    /** `${repId}|${localDay}` → leads assigned that day. */
    readonly dailyLoad: Map<string, number> = new Map(),
    /** leadId → rep holding the lead's current assignment. */
    readonly leadOwners: Map<string, string> = new Map(),
    /** company domain → rep who last got a lead of that company. */
    readonly companyOwners: Map<string, string> = new Map(),
  ) {}

  assignedToday(rep: RepState, at: Date): number {
    return this.dailyLoad.get(loadKey(rep.id, localDay(rep.timeZone, at))) ?? 0;
  }

  /** Books a lead to a rep: today's count, open leads, lead and company ownership. */
  book(rep: RepState, lead: LeadFacts, at: Date): void {
    const key = loadKey(rep.id, localDay(rep.timeZone, at));
    this.dailyLoad.set(key, (this.dailyLoad.get(key) ?? 0) + 1);
    this.touchedLoads.add(key);
    this.adjustOpenLeads(rep.id, +1);
    this.leadOwners.set(lead.leadId, rep.id);
    if (lead.companyDomain) {
      this.companyOwners.set(lead.companyDomain, rep.id);
      this.touchedCompanies.set(lead.companyDomain, lead.leadId);
    }
  }

  /** The lead left this rep (reassigned, or re-qualified to someone else). */
  release(repId: string): void {
    this.adjustOpenLeads(repId, -1);
  }

  private adjustOpenLeads(repId: string, delta: number): void {
    const rep = this.reps.get(repId);
    if (rep) rep.openLeads = Math.max(0, rep.openLeads + delta);
    this.openLeadDelta.set(repId, (this.openLeadDelta.get(repId) ?? 0) + delta);
  }
}

export function loadKey(repId: string, day: string): string {
  return `${repId}|${day}`;
}

export interface CandidateAudit {
  repId: string;
  name: string;
  weight: number;
  openLeads: number;
  assignedToday: number;
  dailyCapacity: number;
  eligible: boolean;
  skipped?: SkipReason;
  detail?: string;
}

export interface PoolAudit {
  poolId: string;
  hoursMode: PoolPolicy['hoursMode'];
  strategy: 'weighted_rotation' | 'least_loaded';
  candidates: CandidateAudit[];
  chosenRepId?: string;
  /** Set when nobody was in hours and the pool hands the lead to whoever starts first. */
  nextAvailableAt?: string;
  rotationBefore?: RotationState;
  rotationAfter?: RotationState;
}

export interface ExistingOwnerAudit {
  ruleId: string;
  lookedFor: { currentOwnerId?: string; companyDomain?: string };
  found?: { repId: string; via: 'crm_owner' | 'previous_assignment' | 'company' };
  skipped?: SkipReason;
  detail?: string;
}

export interface DecisionAudit {
  leadFacts: LeadFacts;
  matchedRules: string[];
  existingOwner: ExistingOwnerAudit[];
  pools: PoolAudit[];
  managerQueue?: { managerId: string; why: string };
  excludedRepIds: string[];
}

/** Who gets the lead: a rep, or a manager's queue. */
export interface Assignee {
  kind: 'rep' | 'manager';
  id: string;
  name: string;
  email: string;
  crmOwnerIds: RepState['crmOwnerIds'];
  slackUserId?: string;
  teamsUserId?: string;
  timeZone: string;
  managerId?: string;
  workingHours?: RepState['workingHours'];
  awayFrom?: Date;
  awayUntil?: Date;
}

export interface Decision {
  ruleId: string;
  poolId: string;
  strategy: AssignedStrategy;
  assignee: Assignee;
  reason: string;
  audit: DecisionAudit;
}

export interface DecideOptions {
  /** Reps who must not get the lead (the previous owner on a reassignment, and any the request names). */
  exclude?: ReadonlySet<string>;
}

const SKIP_WORDS: Record<SkipReason, string> = {
  excluded: 'excluded',
  inactive: 'inactive',
  away: 'away',
  not_in_territory: 'other territory',
  not_in_segment: 'other segment',
  no_product_match: 'other products',
  at_capacity: 'at capacity',
  out_of_hours: 'out of hours',
};

/**
 * Decides who gets one lead, and writes down why. Pure over (lead, policy, book, time):
 * the same inputs always give the same rep.
 *
 * Rules are walked in order. An existing_owner rule assigns only when the lead (or its
 * company) belongs to a rep who is active and not away; otherwise the next rule is tried. A
 * pool rule owns the lead: its pool, then the pool's fallback chain, then the pool manager's
 * queue.
 */
export function decide(
  lead: LeadFacts,
  policy: RoutingPolicy,
  book: RoutingBook,
  at: Date,
  opts: DecideOptions = {},
): Decision {
  const exclude = opts.exclude ?? new Set<string>();
  const rules = matchingRules(policy.routing.rules, lead);
  const audit: DecisionAudit = {
    leadFacts: lead,
    matchedRules: rules.map((r) => r.id),
    existingOwner: [],
    pools: [],
    excludedRepIds: [...exclude],
  };

  for (const rule of rules) {
    if (rule.strategy === 'existing_owner') {
      const owner = existingOwner(rule, lead, book, at, exclude, audit);
      if (!owner) continue;
      book.book(owner.rep, lead, at);
      const how = owner.via === 'company' ? `already works ${lead.companyDomain}` : 'already owns this lead';
      return {
        ruleId: rule.id,
        poolId: rule.pool ?? 'existing_owner',
        strategy: 'existing_owner',
        assignee: repAssignee(owner.rep),
        reason: `Kept with ${owner.rep.name}, who ${how} (rule ${rule.id}).`,
        audit,
      };
    }
    return routeThroughPools(rule, lead, policy, book, at, exclude, audit);
  }
  // Validation requires a catch-all last rule with a pool; reaching here means the policy changed under us.
  throw new Error(`no routing rule matched lead ${lead.leadId}`);
}

function existingOwner(
  rule: RulePolicy,
  lead: LeadFacts,
  book: RoutingBook,
  at: Date,
  exclude: ReadonlySet<string>,
  audit: DecisionAudit,
): { rep: RepState; via: 'crm_owner' | 'previous_assignment' | 'company' } | undefined {
  const entry: ExistingOwnerAudit = {
    ruleId: rule.id,
    lookedFor: { currentOwnerId: lead.currentOwnerId, companyDomain: lead.companyDomain },
  };
  audit.existingOwner.push(entry);
  let found: { rep: RepState; via: 'crm_owner' | 'previous_assignment' | 'company' } | undefined;
  if (lead.currentOwnerId) {
    const rep = [...book.reps.values()].find((r) => r.crmOwnerIds[lead.provider] === lead.currentOwnerId);
    if (rep) found = { rep, via: 'crm_owner' };
  }
  const previous = book.leadOwners.get(lead.leadId);
  if (!found && previous && book.reps.has(previous))
    found = { rep: book.reps.get(previous)!, via: 'previous_assignment' };
  const company = lead.companyDomain ? book.companyOwners.get(lead.companyDomain) : undefined;
  if (!found && company && book.reps.has(company)) found = { rep: book.reps.get(company)!, via: 'company' };
  if (!found) return undefined;
  entry.found = { repId: found.rep.id, via: found.via };
  // Account continuity outranks capacity and hours: only absence, inactivity or exclusion break it.
  const check = checkEligibility({
    rep: found.rep,
    lead: { ...lead, country: undefined, segment: undefined, productInterest: [] },
    at,
    assignedToday: 0,
    excluded: exclude.has(found.rep.id),
  });
  if (!check.eligible && check.reason !== 'out_of_hours') {
    entry.skipped = check.reason;
    entry.detail = check.detail;
    return undefined;
  }
  return found;
}

function routeThroughPools(
  rule: RulePolicy,
  lead: LeadFacts,
  policy: RoutingPolicy,
  book: RoutingBook,
  at: Date,
  exclude: ReadonlySet<string>,
  audit: DecisionAudit,
): Decision {
  const strategy = rule.strategy === 'least_loaded' ? 'least_loaded' : 'weighted_rotation';
  const first = policy.pools.get(rule.pool!)!;
  const tried: string[] = [];
  for (
    let pool: PoolPolicy | undefined = first;
    pool;
    pool = pool.fallbackPool ? policy.pools.get(pool.fallbackPool) : undefined
  ) {
    tried.push(pool.id);
    const poolAudit = pickInPool(pool, strategy, lead, book, at, exclude);
    audit.pools.push(poolAudit);
    if (!poolAudit.chosenRepId) continue;
    const rep = book.reps.get(poolAudit.chosenRepId)!;
    book.book(rep, lead, at);
    return {
      ruleId: rule.id,
      poolId: pool.id,
      strategy,
      assignee: repAssignee(rep),
      reason: poolReason(rule, pool, strategy, rep, poolAudit, tried),
      audit,
    };
  }
  const manager = managerOf(first.managerId, policy, book);
  const why = `nobody eligible in ${tried.join(' → ')}`;
  audit.managerQueue = { managerId: manager.id, why };
  return {
    ruleId: rule.id,
    poolId: first.id,
    strategy: 'manager_queue',
    assignee: manager,
    reason: `Sent to ${manager.name}'s queue: ${why} (${summariseSkips(audit.pools.flatMap((p) => p.candidates))}).`,
    audit,
  };
}

function pickInPool(
  pool: PoolPolicy,
  strategy: 'weighted_rotation' | 'least_loaded',
  lead: LeadFacts,
  book: RoutingBook,
  at: Date,
  exclude: ReadonlySet<string>,
): PoolAudit {
  const candidates: CandidateAudit[] = [];
  const eligible: RepState[] = [];
  const onlyOutOfHours: RepState[] = [];
  for (const repId of pool.members) {
    const rep = book.reps.get(repId);
    if (!rep) {
      candidates.push({
        repId,
        name: repId,
        weight: 0,
        openLeads: 0,
        assignedToday: 0,
        dailyCapacity: 0,
        eligible: false,
        skipped: 'inactive',
        detail: 'not in the roster table',
      });
      continue;
    }
    const assignedToday = book.assignedToday(rep, at);
    const check = checkEligibility({ rep, lead, at, assignedToday, excluded: exclude.has(rep.id) });
    const audit: CandidateAudit = {
      repId,
      name: rep.name,
      weight: rep.weight,
      openLeads: rep.openLeads,
      assignedToday,
      dailyCapacity: rep.dailyCapacity,
      eligible: check.eligible,
    };
    if (check.eligible) eligible.push(rep);
    else {
      audit.skipped = check.reason;
      audit.detail = check.detail;
      if (check.reason === 'out_of_hours') onlyOutOfHours.push(rep);
    }
    candidates.push(audit);
  }
  const result: PoolAudit = { poolId: pool.id, hoursMode: pool.hoursMode, strategy, candidates };

  let pickFrom = eligible;
  if (pickFrom.length === 0 && pool.hoursMode === 'next_available' && onlyOutOfHours.length > 0) {
    // Nobody is working now: the lead goes to whoever starts first (ties by the pool's strategy).
    const starts = onlyOutOfHours.map((rep) => ({
      rep,
      start: nextWorkingStart(rep.workingHours, rep.timeZone, at)?.getTime(),
    }));
    const earliest = Math.min(...starts.map((s) => s.start ?? Number.POSITIVE_INFINITY));
    if (Number.isFinite(earliest)) {
      pickFrom = starts.filter((s) => s.start === earliest).map((s) => s.rep);
      result.nextAvailableAt = new Date(earliest).toISOString();
    }
  }
  if (pickFrom.length === 0) return result;

  switch (strategy) {
    case 'weighted_rotation': {
      const state = book.rotation.get(pool.id) ?? {};
      const pick = pickWeighted(
        state,
        pickFrom.map((r) => ({ repId: r.id, weight: r.weight })),
      );
      book.rotation.set(pool.id, pick.after);
      book.touchedPools.add(pool.id);
      result.chosenRepId = pick.repId;
      result.rotationBefore = pick.before;
      result.rotationAfter = pick.after;
      break;
    }
    case 'least_loaded': {
      const [best] = [...pickFrom].sort(
        (a, b) =>
          a.openLeads - b.openLeads ||
          book.assignedToday(a, at) - book.assignedToday(b, at) ||
          (a.id < b.id ? -1 : 1),
      );
      result.chosenRepId = best.id;
      break;
    }
  }
  return result;
}

function poolReason(
  rule: RulePolicy,
  pool: PoolPolicy,
  strategy: 'weighted_rotation' | 'least_loaded',
  rep: RepState,
  audit: PoolAudit,
  tried: string[],
): string {
  const eligible = audit.candidates.filter((c) => c.eligible);
  const how =
    strategy === 'weighted_rotation'
      ? `weighted rotation, ${rep.weight} of ${eligible.reduce((s, c) => s + c.weight, 0) || rep.weight} weight`
      : `fewest open leads (${rep.openLeads - 1})`;
  const parts = [`${rep.name} via rule ${rule.id}, pool ${pool.id} (${how})`];
  if (tried.length > 1) parts.push(`fell back from ${tried.slice(0, -1).join(' → ')}`);
  if (audit.nextAvailableAt) parts.push(`nobody in hours; first to start at ${audit.nextAvailableAt}`);
  const skipped = audit.candidates.filter((c) => !c.eligible);
  if (skipped.length) parts.push(`skipped ${summariseSkips(skipped)}`);
  return parts.join('; ') + '.';
}

function summariseSkips(candidates: CandidateAudit[]): string {
  const skipped = candidates.filter((c) => !c.eligible);
  if (skipped.length === 0) return 'no members';
  const shown = skipped.slice(0, 6).map((c) => `${c.name} (${SKIP_WORDS[c.skipped ?? 'inactive']})`);
  if (skipped.length > 6) shown.push(`${skipped.length - 6} more`);
  return shown.join(', ');
}

function repAssignee(rep: RepState): Assignee {
  return {
    kind: 'rep',
    id: rep.id,
    name: rep.name,
    email: rep.email,
    crmOwnerIds: rep.crmOwnerIds,
    slackUserId: rep.slackUserId,
    teamsUserId: rep.teamsUserId,
    timeZone: rep.timeZone,
    managerId: rep.managerId,
    workingHours: rep.workingHours,
    awayFrom: rep.awayFrom,
    awayUntil: rep.awayUntil,
  };
}

/** A manager may be a rep in the roster or listed under managers. */
export function managerOf(managerId: string, policy: RoutingPolicy, book: RoutingBook): Assignee {
  const rep = book.reps.get(managerId);
  if (rep) return { ...repAssignee(rep), kind: 'manager' };
  const m = policy.managers.get(managerId);
  if (!m) throw new Error(`unknown manager ${managerId}`);
  return {
    kind: 'manager',
    id: m.id,
    name: m.name,
    email: m.email,
    crmOwnerIds: m.crmOwnerIds,
    slackUserId: m.slackUserId,
    teamsUserId: m.teamsUserId,
    timeZone: m.timeZone,
  };
}
