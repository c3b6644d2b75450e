import { foldText, nearest } from './text-match.js';

/**
 * Baton's industries: one vocabulary that scoring's fit rules and routing's rules name, whatever
 * the CRM. crm-connector maps each CRM's picklist onto it (HubSpot's industry enum, Salesforce's
 * Industry picklist) through the sales-ops mapping YAML. Ids are what policies and events carry;
 * labels are for people.
 */
export const INDUSTRIES = {
  aerospace_defense: 'Aerospace & Defense',
  agriculture: 'Agriculture',
  apparel_fashion: 'Apparel & Fashion',
  automotive: 'Automotive',
  banking: 'Banking',
  biotechnology: 'Biotechnology',
  business_services: 'Business Services',
  chemicals: 'Chemicals',
  construction: 'Construction',
  consulting: 'Consulting',
  consumer_goods: 'Consumer Goods',
  consumer_services: 'Consumer Services',
  education: 'Education',
  electronics: 'Electronics & Hardware',
  energy: 'Energy',
  engineering: 'Engineering',
  entertainment: 'Entertainment & Recreation',
  environmental: 'Environmental Services',
  financial_services: 'Financial Services',
  food_beverage: 'Food & Beverage',
  government: 'Government',
  healthcare: 'Healthcare',
  hospitality: 'Hospitality & Travel',
  insurance: 'Insurance',
  internet: 'Internet',
  it_services: 'IT Services',
  legal: 'Legal',
  logistics: 'Transportation & Logistics',
  machinery: 'Machinery',
  manufacturing: 'Manufacturing',
  marketing_advertising: 'Marketing & Advertising',
  media: 'Media & Publishing',
  mining_metals: 'Mining & Metals',
  nonprofit: 'Non-Profit',
  pharmaceuticals: 'Pharmaceuticals',
  real_estate: 'Real Estate',
  research: 'Research',
  retail: 'Retail',
  software: 'Software',
  telecommunications: 'Telecommunications',
  utilities: 'Utilities',
  wholesale: 'Wholesale & Distribution',
  other: 'Other',
} as const;
export type Industry = keyof typeof INDUSTRIES;
export const INDUSTRY_IDS = Object.keys(INDUSTRIES) as [Industry, ...Industry[]];

const IDS = new Set<string>(INDUSTRY_IDS);

export function isIndustry(value: string): value is Industry {
  return IDS.has(value);
}

export function industryLabel(id: Industry): string {
  return INDUSTRIES[id];
}

/**
 * Industry names compare without case, punctuation or "and"/"&": "Information Technology and
 * Services" = "INFORMATION_TECHNOLOGY_AND_SERVICES", "Food & Beverage" = "food_beverage".
 */
export function industryKey(text: string): string {
  return foldText(text.replace(/_/g, ' '))
    .split(' ')
    .filter((w) => w !== 'and')
    .join(' ');
}

let byKey: Map<string, Industry> | undefined;

/** The Baton industry a text names by its id or label ("Software", "financial services"). */
export function industryOf(text: string): Industry | undefined {
  if (!byKey) {
    byKey = new Map();
    for (const id of INDUSTRY_IDS) {
      byKey.set(industryKey(id), id);
      byKey.set(industryKey(INDUSTRIES[id]), id);
    }
  }
  return byKey.get(industryKey(text));
}

/** Industries a wrong entry probably meant, best first (for policy errors). */
export function suggestIndustries(text: string, max = 3): Industry[] {
  const read = industryOf(text);
  if (read) return [read];
  return nearest(
    text,
    INDUSTRY_IDS.map((id) => ({ value: id, spellings: [id.replace(/_/g, ' '), INDUSTRIES[id]] })),
    max,
  );
}
