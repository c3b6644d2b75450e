import {
  countryCodeOf,
  industryKey,
  industryOf,
  placeAliases,
  subdivisionAliases,
  subdivisionCodeOf,
  type CrmProvider,
  type Industry,
  type PlaceAliases,
} from '@baton/domain';
import { JsonLogger, counter } from '@baton/observability';
import type { CrmMapping } from '../policy/policy.js';

export type NormalisedField = 'country' | 'state' | 'industry';

const unread = counter(
  'baton_crm_unnormalised_values_total',
  'CRM values of country, state or industry that no vocabulary reads (left empty on the lead)',
  ['provider', 'field'],
);

/** Distinct values logged so far; past the cap only the counter keeps track (bounded memory). */
const MAX_LOGGED = 10_000;

/**
 * What the mapping could not read: counted every time, logged once per distinct value, so sales
 * ops see which spellings to add to the mapping YAML without a log line per webhook.
 */
export class UnreadValues {
  private readonly logged = new Set<string>();
  private readonly log = new JsonLogger('crm.mapping');

  report(
    provider: CrmProvider,
    field: NormalisedField,
    value: string,
    why: string,
    fix = `add it under values.${field} in mapping.${provider}.yaml`,
  ): void {
    unread.inc({ provider, field });
    const key = `${provider}\u0000${field}\u0000${value}`;
    if (this.logged.has(key) || this.logged.size >= MAX_LOGGED) return;
    this.logged.add(key);
    this.log.warn(`${field} value not read; left empty on the lead`, {
      provider,
      field,
      value,
      why,
      fix,
    });
  }
}

export const unreadValues = new UnreadValues();

/**
 * Reads a CRM's country, state and industry as Baton's vocabularies: the mapping's own tables
 * first (sales ops), then the datasets. Built once per mapping.
 */
export class LeadNormaliser {
  private readonly countries: PlaceAliases;
  private readonly states = new Map<string, PlaceAliases>();
  private readonly industries = new Map<string, Industry>();

  constructor(
    private readonly mapping: CrmMapping,
    private readonly report: UnreadValues = unreadValues,
  ) {
    this.countries = placeAliases(mapping.values.country);
    for (const [country, table] of Object.entries(mapping.values.state))
      this.states.set(country.toUpperCase(), subdivisionAliases(country, table));
    for (const [value, id] of Object.entries(mapping.values.industry))
      this.industries.set(industryKey(value), id);
  }

  country(raw: string): string | undefined {
    const code = countryCodeOf(raw, this.countries);
    if (!code) this.report.report(this.mapping.provider, 'country', raw, 'no country of that spelling');
    return code;
  }

  state(raw: string, country: string | undefined): string | undefined {
    if (!country) {
      this.report.report(
        this.mapping.provider,
        'state',
        raw,
        'the lead has no readable country',
        `make the country readable (values.country in mapping.${this.mapping.provider}.yaml)`,
      );
      return undefined;
    }
    const code = subdivisionCodeOf(raw, country, this.states.get(country));
    if (!code)
      this.report.report(
        this.mapping.provider,
        'state',
        raw,
        `no state or region of ${country} of that spelling`,
      );
    return code;
  }

  industry(raw: string): Industry | undefined {
    const id = this.industries.get(industryKey(raw)) ?? industryOf(raw);
    if (!id) this.report.report(this.mapping.provider, 'industry', raw, 'no industry mapped for that value');
    return id;
  }
}

const normalisers = new WeakMap<CrmMapping, LeadNormaliser>();

export function normaliserFor(mapping: CrmMapping): LeadNormaliser {
  let n = normalisers.get(mapping);
  if (!n) {
    n = new LeadNormaliser(mapping);
    normalisers.set(mapping, n);
  }
  return n;
}
