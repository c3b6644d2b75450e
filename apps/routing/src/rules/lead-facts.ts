import type { CrmProvider, Firmographics, Identity } from '@baton/domain';
import type { RoutingRules } from '../policy/policy.schema.js';

/** What routing reads from a lead, normalised once (upper-case places, lower-case tags). */
export interface LeadFacts {
  leadId: string;
  provider: CrmProvider;
  /** ISO 3166-1 alpha-2. */
  country?: string;
  /** The state or region part of its ISO 3166-2 code ("TX" of "US-TX"). */
  state?: string;
  productInterest: string[];
  employees?: number;
  segment?: string;
  industry?: string;
  source?: string;
  /** Company domain for lead-to-account matching (never a free-mail domain). */
  companyDomain?: string;
  /** CRM owner id the lead already has, if any. */
  currentOwnerId?: string;
}

export interface LeadFactsInput {
  leadId: string;
  provider: CrmProvider;
  identity: Identity;
  firmographics: Firmographics;
  currentOwnerId?: string;
}

const norm = (s: string | undefined) => (s && s.trim() ? s.trim() : undefined);

export function leadFacts(
  input: LeadFactsInput,
  rules: Pick<RoutingRules, 'segments' | 'freeMailDomains'>,
): LeadFacts {
  const { identity, firmographics: f } = input;
  const employees = f.employees;
  let segment = norm(f.segment)?.toLowerCase();
  if (!segment && employees !== undefined) {
    segment = rules.segments.find(
      (b) => employees >= b.minEmployees && (b.maxEmployees === undefined || employees <= b.maxEmployees),
    )?.id;
  }
  const emailDomain = identity.email?.split('@')[1];
  const domain = (norm(f.domain) ?? norm(emailDomain))?.toLowerCase().replace(/^www\./, '');
  const country = norm(identity.country)?.toUpperCase();
  // crm-connector gives ISO 3166-2 ("US-TX"); rules and territories compare the state part.
  let state = norm(identity.state)?.toUpperCase();
  if (country && state?.startsWith(`${country}-`)) state = state.slice(country.length + 1);
  return {
    leadId: input.leadId,
    provider: input.provider,
    country,
    state,
    productInterest: (f.productInterest ?? []).map((p) => p.trim().toLowerCase()).filter(Boolean),
    employees,
    segment,
    industry: norm(f.industry)?.toLowerCase(),
    source: norm(f.source)?.toLowerCase(),
    companyDomain: domain && !rules.freeMailDomains.includes(domain) ? domain : undefined,
    currentOwnerId: norm(input.currentOwnerId),
  };
}
