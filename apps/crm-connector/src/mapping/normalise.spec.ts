import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HUBSPOT_INDUSTRIES, SALESFORCE_INDUSTRIES } from '@baton/crm-sandbox';
import { INDUSTRY_IDS, isIndustry } from '@baton/domain';
import { JsonLogger, metricsRegistry } from '@baton/observability';
import { PolicyError, parsePolicy } from '@baton/platform';
import { HubSpotMappingSchema, loadConnectorPolicy } from '../policy/policy.js';
import { mapLead } from './lead-mapper.js';
import { LeadNormaliser, UnreadValues } from './normalise.js';

const dir = fileURLToPath(new URL('../../config/policy', import.meta.url));
const hubspot = loadConnectorPolicy(dir, 'hubspot').mapping.policy;
const salesforce = loadConnectorPolicy(dir, 'salesforce').mapping.policy;

afterEach(() => vi.restoreAllMocks());

describe('industry normalisation', () => {
  it.each(HUBSPOT_INDUSTRIES.map((i) => [i.value, i.label]))(
    'reads HubSpot %s (and its label "%s") as one Baton industry',
    (value, label) => {
      const n = new LeadNormaliser(hubspot, new UnreadValues());
      const id = n.industry(value);
      expect(id !== undefined && isIndustry(id)).toBe(true);
      expect(n.industry(label)).toBe(id);
    },
  );

  it.each(SALESFORCE_INDUSTRIES)("reads Salesforce's default Industry %j", (value) => {
    const id = new LeadNormaliser(salesforce, new UnreadValues()).industry(value);
    expect(id !== undefined && isIndustry(id)).toBe(true);
  });

  it('maps nothing that is not a CRM value, and uses every Baton industry', () => {
    expect(Object.keys(hubspot.values.industry).sort()).toEqual(
      HUBSPOT_INDUSTRIES.map((i) => i.value).sort(),
    );
    expect(Object.keys(salesforce.values.industry).sort()).toEqual([...SALESFORCE_INDUSTRIES].sort());
    const used = new Set([
      ...Object.values(hubspot.values.industry),
      ...Object.values(salesforce.values.industry),
    ]);
    expect(INDUSTRY_IDS.filter((id) => !used.has(id))).toEqual([]);
  });

  it("reads free text naming a Baton industry, and the same company's industry alike in both CRMs", () => {
    const hs = new LeadNormaliser(hubspot, new UnreadValues());
    const sf = new LeadNormaliser(salesforce, new UnreadValues());
    expect(hs.industry('Software')).toBe('software');
    expect(hs.industry('computer software')).toBe('software');
    expect(hs.industry('COMPUTER_SOFTWARE')).toBe(sf.industry('Technology'));
    expect(hs.industry('FINANCIAL_SERVICES')).toBe(sf.industry('Finance'));
    expect(hs.industry('HOSPITAL_HEALTH_CARE')).toBe(sf.industry('Healthcare'));
  });
});

// The mapping's own tables add the spellings the datasets miss (local names, nations of the UK).
const PLACES: [string, string, string, string][] = [
  ['United States', 'Texas', 'US', 'US-TX'],
  ['USA', 'TX', 'US', 'US-TX'],
  ['U.S.', 'Calif', 'US', ''],
  ['Deutschland', 'Bayern', 'DE', 'DE-BY'],
  ['Germany', 'Nordrhein-Westfalen', 'DE', 'DE-NW'],
  ['Allemagne', 'Hessen', 'DE', 'DE-HE'],
  ['Österreich', 'Wien', 'AT', 'AT-9'],
  ['Austria', 'Tirol', 'AT', 'AT-7'],
  ['Schweiz', 'Zürich', 'CH', 'CH-ZH'],
  ['Suisse', 'Genève', 'CH', 'CH-GE'],
  ['Italia', 'Lombardia', 'IT', 'IT-25'],
  ['Italy', 'Toscana', 'IT', 'IT-52'],
  ['España', 'Cataluña', 'ES', 'ES-CT'],
  ['Spain', 'Catalunya', 'ES', 'ES-CT'],
  ['Nederland', 'Noord-Holland', 'NL', 'NL-NH'],
  ['België', 'Vlaanderen', 'BE', 'BE-VLG'],
  ['Polska', 'Mazowieckie', 'PL', 'PL-MZ'],
  ['France', 'Île-de-France', 'FR', 'FR-IDF'],
  ['England', 'London', 'GB', 'GB-LND'],
  ['UK', 'Scotland', 'GB', 'GB-SCT'],
  ['Canada', 'Québec', 'CA', 'CA-QC'],
  ['Brasil', 'São Paulo', 'BR', 'BR-SP'],
  ['日本', 'Tokyo', 'JP', 'JP-13'],
  ['États-Unis', 'New York', 'US', 'US-NY'],
];

describe('country and state normalisation through the sample mappings', () => {
  it.each(PLACES)('reads %j / %j as %s / %s in both CRMs', (country, state, code, sub) => {
    for (const [mapping, fields] of [
      [hubspot, { country, state }],
      [salesforce, { Country: country, State: state }],
    ] as const) {
      const lead = mapLead(mapping, '1', fields, {}, new LeadNormaliser(mapping, new UnreadValues()));
      expect(lead.identity).toEqual({
        country: code,
        countryRaw: country,
        stateRaw: state,
        ...(sub ? { state: sub } : {}),
      });
    }
  });

  it('ships the same place tables for both CRMs', () => {
    expect(salesforce.values.country).toEqual(hubspot.values.country);
    expect(salesforce.values.state).toEqual(hubspot.values.state);
  });
});

describe('values that do not read', () => {
  it('are left empty, kept raw, counted every time and logged once per value', async () => {
    const warn = vi.spyOn(JsonLogger.prototype, 'warn');
    const count = async () => {
      const metric = await metricsRegistry.getSingleMetric('baton_crm_unnormalised_values_total')?.get();
      return (metric?.values ?? [])
        .filter((v) => v.labels.provider === 'hubspot')
        .reduce((n, v) => n + v.value, 0);
    };
    const before = await count();
    const n = new LeadNormaliser(hubspot, new UnreadValues());
    const record = { country: 'Narnia', state: 'Cair Paravel', industry: 'Widgets' };
    const first = mapLead(hubspot, '9', record, {}, n);
    mapLead(hubspot, '10', record, {}, n);
    expect(first.identity).toEqual({ countryRaw: 'Narnia', stateRaw: 'Cair Paravel' });
    expect(first.firmographics).toEqual({ industryRaw: 'Widgets' });
    expect((await count()) - before).toBe(6);
    expect(warn.mock.calls.map((c) => (c[1] as { value?: string } | undefined)?.value)).toEqual([
      'Narnia',
      'Cair Paravel',
      'Widgets',
    ]);
  });
});

describe('mapping tables against the vocabularies', () => {
  const base = [
    'provider: hubspot',
    'objectType: contact',
    'fields: { identity: {}, firmographics: {}, lifecycleStage: lifecyclestage, leadStatus: hs_lead_status, ownerId: hubspot_owner_id,',
    '  disqualificationReason: r, score: s, handoffSummary: h }',
    'disqualifyingStatuses: [unqualified]',
    'eventTypes: {}',
  ].join('\n');
  const problems = (values: string): string[] => {
    try {
      parsePolicy(
        'mapping.hubspot.yaml',
        `${base}\nvalues: { lifecycleStage: {}, leadStatus: {}, disqualificationReason: {}, ${values} }`,
        HubSpotMappingSchema,
      );
    } catch (err) {
      if (err instanceof PolicyError) return err.problems;
      throw err;
    }
    return [];
  };

  it('names the key path and the nearest valid values', () => {
    expect(problems('industry: { COMPUTER_SOFTWARE: Software }')).toEqual([
      'values.industry.COMPUTER_SOFTWARE: "Software" is not a Baton industry; did you mean "software" (Software)?',
    ]);
    expect(problems("country: { Holland: 'The Netherlands' }")[0]).toMatch(
      /^values\.country\.Holland: "The Netherlands" is not an ISO 3166-1 alpha-2 country code; did you mean "NL"/,
    );
    expect(problems('state: { DE: { Bayern: Bavaria } }')[0]).toMatch(
      /^values\.state\.DE\.Bayern: "Bavaria" is not an ISO 3166-2 state or region code; did you mean "DE-BY"/,
    );
    expect(problems('industry: { COMPUTER_SOFTWARE: software }, state: { DE: { Bayern: DE-BY } }')).toEqual(
      [],
    );
  });
});
