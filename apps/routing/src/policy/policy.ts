import { countryProblem, industryProblem, subdivisionProblem } from '@baton/domain';
import { PolicyError, loadPolicy, parsePolicy, type LoadedPolicy } from '@baton/platform';
import {
  RosterPolicySchema,
  RoutingRulesSchema,
  type ManagerPolicy,
  type PoolPolicy,
  type RepPolicy,
  type RosterPolicy,
  type RoutingRules,
  type RuleConditions,
  type WorkingHours,
} from './policy.schema.js';

export const ROSTER_FILE = 'roster.yaml';
export const ROUTING_FILE = 'routing.yaml';

/** The sales-ops policy after validation: roster (seed), pools, managers and the ordered rules. */
export interface RoutingPolicy {
  /** roster version + rules version: written beside every decision. */
  version: string;
  roster: RosterPolicy;
  routing: RoutingRules;
  pools: Map<string, PoolPolicy>;
  managers: Map<string, ManagerPolicy>;
  rosterFile: string;
  routingFile: string;
}

export function loadRoutingPolicy(dir: string): RoutingPolicy {
  return assemble(
    loadPolicy(dir, ROSTER_FILE, RosterPolicySchema),
    loadPolicy(dir, ROUTING_FILE, RoutingRulesSchema),
  );
}

/** Same checks from texts (tests, tools). */
export function parseRoutingPolicy(rosterYaml: string, routingYaml: string): RoutingPolicy {
  return assemble(
    parsePolicy(ROSTER_FILE, rosterYaml, RosterPolicySchema),
    parsePolicy(ROUTING_FILE, routingYaml, RoutingRulesSchema),
  );
}

/** Cross-file checks: every reference points at something that exists, and fallback chains end. */
function assemble(roster: LoadedPolicy<RosterPolicy>, routing: LoadedPolicy<RoutingRules>): RoutingPolicy {
  const r = roster.policy;
  const rosterProblems: string[] = [];
  const repIds = new Set<string>();
  r.reps.forEach((rep, i) => {
    if (repIds.has(rep.id)) rosterProblems.push(`reps.${i}.id: duplicate rep id "${rep.id}"`);
    repIds.add(rep.id);
    if (!rep.workingHours && !r.defaults?.workingHours)
      rosterProblems.push(`reps.${i}.workingHours: required when defaults.workingHours is not set`);
  });
  const managerIds = new Set(r.managers.map((m) => m.id));
  const isManager = (id: string) => managerIds.has(id) || repIds.has(id);
  r.reps.forEach((rep, i) => {
    if (rep.managerId && !isManager(rep.managerId))
      rosterProblems.push(`reps.${i}.managerId: unknown manager "${rep.managerId}"`);
  });
  const pools = new Map<string, PoolPolicy>();
  r.pools.forEach((pool, i) => {
    if (pools.has(pool.id)) rosterProblems.push(`pools.${i}.id: duplicate pool id "${pool.id}"`);
    pools.set(pool.id, pool);
    pool.members.forEach((m, j) => {
      if (!repIds.has(m)) rosterProblems.push(`pools.${i}.members.${j}: unknown rep "${m}"`);
    });
    if (!isManager(pool.managerId))
      rosterProblems.push(`pools.${i}.managerId: unknown manager "${pool.managerId}"`);
  });
  r.pools.forEach((pool, i) => {
    if (pool.fallbackPool === undefined) return;
    if (!pools.has(pool.fallbackPool)) {
      rosterProblems.push(`pools.${i}.fallbackPool: unknown pool "${pool.fallbackPool}"`);
      return;
    }
    const seen = new Set([pool.id]);
    for (
      let next = pools.get(pool.fallbackPool);
      next;
      next = next.fallbackPool ? pools.get(next.fallbackPool) : undefined
    ) {
      if (seen.has(next.id)) {
        rosterProblems.push(`pools.${i}.fallbackPool: fallback chain loops back to "${next.id}"`);
        break;
      }
      seen.add(next.id);
    }
  });
  if (rosterProblems.length) throw new PolicyError(roster.file, rosterProblems);

  const routingProblems: string[] = [];
  const ruleIds = new Set<string>();
  routing.policy.rules.forEach((rule, i) => {
    if (ruleIds.has(rule.id)) routingProblems.push(`rules.${i}.id: duplicate rule id "${rule.id}"`);
    ruleIds.add(rule.id);
    if (rule.pool !== undefined && !pools.has(rule.pool))
      routingProblems.push(`rules.${i}.pool: unknown pool "${rule.pool}" (pools live in ${ROSTER_FILE})`);
    routingProblems.push(...vocabularyProblems(rule.when, `rules.${i}.when`));
  });
  const rules = routing.policy.rules;
  const last = rules[rules.length - 1];
  if (last && (last.strategy === 'existing_owner' || Object.keys(last.when).length > 0)) {
    // Every lead must land somewhere: the last rule catches whatever the others did not.
    routingProblems.push(
      `rules.${rules.length - 1}: the last rule must be a catch-all (no "when") with a pool`,
    );
  }
  if (routingProblems.length) throw new PolicyError(routing.file, routingProblems);

  const managers = new Map<string, ManagerPolicy>(r.managers.map((m) => [m.id, m]));
  return {
    version: `${roster.version}/${routing.version}`,
    roster: r,
    routing: routing.policy,
    pools,
    managers,
    rosterFile: roster.file,
    routingFile: routing.file,
  };
}

/**
 * Places and industries in a rule must be the values leads carry (ISO codes, Baton industry
 * ids): "United States" or "Software" would never match a lead, so they are errors here.
 */
function vocabularyProblems(when: RuleConditions, at: string): string[] {
  const problems: string[] = [];
  const check = (
    key: string,
    values: readonly string[] | undefined,
    problemOf: (v: string) => string | undefined,
  ) =>
    values?.forEach((v, j) => {
      const problem = problemOf(v);
      if (problem) problems.push(`${at}.${key}.${j}: ${problem}`);
    });
  check('country', when.country, countryProblem);
  check('state', when.state, (v) => subdivisionProblem(v, when.country ?? []));
  check('industry', when.industry, industryProblem);
  return problems;
}

export function workingHoursOf(rep: RepPolicy, roster: RosterPolicy): WorkingHours {
  return rep.workingHours ?? roster.defaults?.workingHours ?? {};
}
