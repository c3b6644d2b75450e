import {
  isHighIntent,
  type EngagementKind,
  type LeadEngagement,
  type LeadProfile,
  type ScoreContribution,
} from '@baton/domain';
import type { Decay, EngagementRule, FitRule, ScoringPolicy } from '../policy/scoring-policy.js';

/** One stored engagement signal of a lead (what the score is computed from). */
export interface Signal {
  sourceEventId: string;
  kind: EngagementKind;
  occurredAt: string;
  detail: LeadEngagement['detail'];
}

/** The profile facts fit rules read. */
export type ProfileFacts = Pick<LeadProfile, 'identity' | 'firmographics'>;

/**
 * After a recycle, engagement before `since` keeps only `keepFraction` of its weight (0 = reset)
 * and does not count as fresh evidence: a returned lead must show intent again.
 */
export interface Baseline {
  since: string;
  keepFraction: number;
}

export interface HighIntentSignal {
  kind: EngagementKind;
  label: string;
  lastSeenAt: string;
  sourceEventIds: string[];
}

export interface ScoreResult {
  score: number;
  breakdown: ScoreContribution[];
  highIntentSignals: HighIntentSignal[];
  /** Fit rules that block qualification and matched. */
  disqualifyingFitRules: string[];
  /** Whether fit rules could be checked at all. */
  profileKnown: boolean;
  /** Signal id -> rule id that scored it (for the summary and audits). */
  matchedRules: Map<string, string>;
}

const DAY_MS = 86_400_000;

export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function decayWeight(decay: Decay | undefined, ageMs: number): number {
  if (!decay || ageMs <= 0) return 1;
  const ageDays = ageMs / DAY_MS;
  if ('halfLifeDays' in decay) return Math.pow(0.5, ageDays / decay.halfLifeDays);
  return ageDays <= decay.expireAfterDays ? 1 : 0;
}

// Rule patterns are few and fixed per policy: compile each once.
const compiled = new Map<string, RegExp>();
function regexOf(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(pattern, 'i');
    compiled.set(pattern, re);
  }
  return re;
}

function matchesPattern(pattern: string | undefined, value: string | undefined): boolean {
  if (pattern === undefined) return true;
  return value !== undefined && regexOf(pattern).test(value);
}

function sameText(expected: string | undefined, value: string | undefined): boolean {
  if (expected === undefined) return true;
  return value !== undefined && expected.toLowerCase() === value.toLowerCase();
}

export function engagementRuleMatches(rule: EngagementRule, signal: Signal): boolean {
  if (rule.kind !== signal.kind) return false;
  const m = rule.match;
  const d = signal.detail;
  return (
    matchesPattern(m.urlPattern, d.url) &&
    sameText(m.formId, d.formId) &&
    matchesPattern(m.formTitlePattern, d.title) &&
    matchesPattern(m.titlePattern, d.title) &&
    sameText(m.contentTag, d.contentTag) &&
    sameText(m.campaign, d.campaign) &&
    sameText(m.eventName, d.eventName)
  );
}

export function emailDomainOf(profile: ProfileFacts | undefined): string | undefined {
  const email = profile?.identity.email;
  const at = email?.lastIndexOf('@') ?? -1;
  if (email && at >= 0) return email.slice(at + 1).toLowerCase();
  return profile?.firmographics.domain?.toLowerCase();
}

export function fitRuleMatches(rule: FitRule, profile: ProfileFacts | undefined): boolean {
  if (!profile) return false;
  const w = rule.when;
  const { firmographics: f, identity: id } = profile;
  const inList = (list: string[] | undefined, v: string | undefined) =>
    list === undefined || (v !== undefined && list.some((x) => x.toLowerCase() === v.toLowerCase()));
  if (w.employees) {
    if (f.employees === undefined) return false;
    if (w.employees.min !== undefined && f.employees < w.employees.min) return false;
    if (w.employees.max !== undefined && f.employees > w.employees.max) return false;
  }
  if (!inList(w.industries, f.industry)) return false;
  if (!inList(w.countries, id.country)) return false;
  if (w.titlePatterns && !(id.title !== undefined && w.titlePatterns.some((p) => regexOf(p).test(id.title!))))
    return false;
  if (!inList(w.emailDomains, emailDomainOf(profile))) return false;
  return true;
}

/** Events in one canonical order, so floating-point sums never depend on arrival order. */
export function canonicalOrder(signals: readonly Signal[]): Signal[] {
  return [...signals].sort((a, b) =>
    a.occurredAt === b.occurredAt
      ? a.sourceEventId < b.sourceEventId
        ? -1
        : a.sourceEventId > b.sourceEventId
          ? 1
          : 0
      : Date.parse(a.occurredAt) - Date.parse(b.occurredAt),
  );
}

/**
 * The lead's score: a pure function of its signals, its profile, the rules and the moment
 * of scoring. Same inputs, same result, whatever order the events arrived in.
 *
 * - each signal earns the points of the first engagement rule that matches it, weighted by
 *   its group's decay and (after a recycle) the baseline's keep fraction; a rule's total is
 *   capped by its own cap;
 * - every matching fit rule adds its points (negative allowed);
 * - each group is capped, then the total is capped; a cap that bites shows in the breakdown
 *   as its own line so the lines always add up to the score.
 */
export function score(
  signals: readonly Signal[],
  profile: ProfileFacts | undefined,
  policy: ScoringPolicy,
  asOf: Date,
  baseline?: Baseline,
): ScoreResult {
  const now = asOf.getTime();
  const since = baseline ? Date.parse(baseline.since) : Number.NEGATIVE_INFINITY;
  const perRule = new Map<
    string,
    { rule: EngagementRule; points: number; occurrences: number; lastSeenAt: string }
  >();
  const matchedRules = new Map<string, string>();
  const highIntent = new Map<EngagementKind, HighIntentSignal>();

  for (const signal of canonicalOrder(signals)) {
    const rule = policy.engagementRules.find((r) => engagementRuleMatches(r, signal));
    if (!rule) continue;
    matchedRules.set(signal.sourceEventId, rule.id);
    const at = Date.parse(signal.occurredAt);
    const fresh = at >= since;
    const weight =
      decayWeight(policy.groups[rule.group]?.decay, now - at) * (fresh ? 1 : (baseline?.keepFraction ?? 1));
    const entry = perRule.get(rule.id) ?? { rule, points: 0, occurrences: 0, lastSeenAt: signal.occurredAt };
    entry.points += rule.points * weight;
    entry.occurrences += 1;
    entry.lastSeenAt = signal.occurredAt;
    perRule.set(rule.id, entry);
    // Distinct high-intent evidence: fresh, still weighing something, and worth points.
    if (fresh && weight > 0 && rule.points > 0 && isHighIntent(signal.kind)) {
      const seen = highIntent.get(signal.kind) ?? {
        kind: signal.kind,
        label: rule.label,
        lastSeenAt: signal.occurredAt,
        sourceEventIds: [],
      };
      seen.lastSeenAt = signal.occurredAt;
      seen.label = rule.label;
      seen.sourceEventIds.push(signal.sourceEventId);
      highIntent.set(signal.kind, seen);
    }
  }

  const lines: ScoreContribution[] = [];
  const groupTotals = new Map<string, number>();
  const addToGroup = (group: string, points: number) =>
    groupTotals.set(group, (groupTotals.get(group) ?? 0) + points);

  for (const rule of policy.engagementRules) {
    const e = perRule.get(rule.id);
    if (!e) continue;
    let points = e.points;
    if (rule.cap !== undefined && points > rule.cap) points = rule.cap;
    points = round1(points);
    addToGroup(rule.group, points);
    lines.push({
      ruleId: rule.id,
      label: rule.label,
      group: rule.group,
      points,
      signal: rule.kind,
      occurrences: e.occurrences,
      lastSeenAt: e.lastSeenAt,
    });
  }

  const disqualifyingFitRules: string[] = [];
  for (const rule of policy.fitRules) {
    if (!fitRuleMatches(rule, profile)) continue;
    if (rule.disqualifying) disqualifyingFitRules.push(rule.id);
    addToGroup(rule.group, rule.points);
    lines.push({ ruleId: rule.id, label: rule.label, group: rule.group, points: rule.points });
  }

  let total = 0;
  for (const [group, sum] of [...groupTotals].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const cap = policy.groups[group]?.cap;
    if (cap !== undefined && sum > cap) {
      lines.push({
        ruleId: `cap:${group}`,
        label: `Capped at ${cap} (${group})`,
        group,
        points: round1(cap - sum),
      });
      total += cap;
    } else {
      total += sum;
    }
  }
  if (policy.totalCap !== undefined && total > policy.totalCap) {
    lines.push({
      ruleId: 'cap:total',
      label: `Capped at ${policy.totalCap} in total`,
      group: 'total',
      points: round1(policy.totalCap - total),
    });
    total = policy.totalCap;
  }

  return {
    score: round1(total),
    breakdown: lines,
    highIntentSignals: [...highIntent.values()].sort((a, b) => (a.kind < b.kind ? -1 : 1)),
    disqualifyingFitRules,
    profileKnown: profile !== undefined,
    matchedRules,
  };
}
