import type { LeadFacts } from '../rules/lead-facts.js';
import { isAway, type RepState } from '../roster/rep.js';
import { isWithinWorkingHours, nextWorkingStart } from '../roster/working-hours.js';

export type SkipReason =
  | 'excluded'
  | 'inactive'
  | 'away'
  | 'not_in_territory'
  | 'not_in_segment'
  | 'no_product_match'
  | 'at_capacity'
  | 'out_of_hours';

export type Eligibility = { eligible: true } | { eligible: false; reason: SkipReason; detail: string };

export interface EligibilityInput {
  rep: RepState;
  lead: LeadFacts;
  at: Date;
  assignedToday: number;
  excluded: boolean;
}

/** A rep covers a lead's territory when they have none listed, the lead's place is unknown, or one entry fits. */
export function coversTerritory(territories: readonly string[], country?: string, state?: string): boolean {
  if (territories.length === 0 || !country) return true;
  return territories.some((t) => {
    const [c, s] = t.split('-');
    return c === country && (s === undefined || s === state);
  });
}

/**
 * Why a rep may or may not take this lead now. Checks run from the most permanent reason to
 * the most passing one, so the audit names the reason that matters (an inactive rep is
 * "inactive", not "out of hours").
 */
export function checkEligibility({ rep, lead, at, assignedToday, excluded }: EligibilityInput): Eligibility {
  if (excluded) return { eligible: false, reason: 'excluded', detail: 'excluded from this reassignment' };
  if (!rep.inRoster) return { eligible: false, reason: 'inactive', detail: 'no longer in roster.yaml' };
  if (!rep.active) return { eligible: false, reason: 'inactive', detail: 'marked inactive' };
  if (isAway(rep, at)) {
    return {
      eligible: false,
      reason: 'away',
      detail: rep.awayUntil ? `out of office until ${rep.awayUntil.toISOString()}` : 'out of office',
    };
  }
  if (!coversTerritory(rep.territories, lead.country, lead.state)) {
    return {
      eligible: false,
      reason: 'not_in_territory',
      detail: `covers ${rep.territories.join(', ')}; lead is ${[lead.country, lead.state].filter(Boolean).join('-')}`,
    };
  }
  if (rep.segments.length > 0 && lead.segment && !rep.segments.includes(lead.segment)) {
    return {
      eligible: false,
      reason: 'not_in_segment',
      detail: `works ${rep.segments.join(', ')}; lead is ${lead.segment}`,
    };
  }
  if (
    rep.products.length > 0 &&
    lead.productInterest.length > 0 &&
    !lead.productInterest.some((p) => rep.products.includes(p))
  ) {
    return {
      eligible: false,
      reason: 'no_product_match',
      detail: `sells ${rep.products.join(', ')}; lead wants ${lead.productInterest.join(', ')}`,
    };
  }
  if (assignedToday >= rep.dailyCapacity) {
    return {
      eligible: false,
      reason: 'at_capacity',
      detail: `${assignedToday} of ${rep.dailyCapacity} leads today`,
    };
  }
  if (!isWithinWorkingHours(rep.workingHours, rep.timeZone, at)) {
    const next = nextWorkingStart(rep.workingHours, rep.timeZone, at);
    return {
      eligible: false,
      reason: 'out_of_hours',
      detail: next ? `next working at ${next.toISOString()} (${rep.timeZone})` : 'no working hours set',
    };
  }
  return { eligible: true };
}
