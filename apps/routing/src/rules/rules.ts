import type { RuleConditions, RulePolicy } from '../policy/policy.schema.js';
import type { LeadFacts } from './lead-facts.js';

/**
 * Whether a rule's conditions hold for a lead. Every listed condition must hold; a lead that
 * lacks the field a condition reads does not match it (an unknown country is not "US").
 */
export function ruleMatches(when: RuleConditions, lead: LeadFacts): boolean {
  const inList = (list: string[] | undefined, value: string | undefined) =>
    list === undefined || (value !== undefined && list.includes(value));
  const upper = (list: string[] | undefined) => list?.map((v) => v.trim().toUpperCase());
  if (!inList(upper(when.country), lead.country)) return false;
  // "US-TX" names the state with its country; a bare "TX" (older policies) the state alone.
  const states = upper(when.state);
  if (
    states &&
    !states.some((s) => (s.includes('-') ? s === `${lead.country}-${lead.state}` : s === lead.state))
  )
    return false;
  if (!inList(when.segment, lead.segment)) return false;
  if (
    !inList(
      when.industry?.map((i) => i.toLowerCase()),
      lead.industry,
    )
  )
    return false;
  if (!inList(when.source, lead.source)) return false;
  if (when.productInterest && !when.productInterest.some((p) => lead.productInterest.includes(p)))
    return false;
  if (when.employees) {
    if (lead.employees === undefined) return false;
    if (when.employees.min !== undefined && lead.employees < when.employees.min) return false;
    if (when.employees.max !== undefined && lead.employees > when.employees.max) return false;
  }
  return true;
}

/** The rules that apply to a lead, in policy order (the router walks them until one assigns). */
export function matchingRules(rules: readonly RulePolicy[], lead: LeadFacts): RulePolicy[] {
  return rules.filter((r) => ruleMatches(r.when, lead));
}
