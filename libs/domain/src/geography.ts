import countries from 'i18n-iso-countries';
import { getAllStates } from 'country-state-city/lib/cjs/state.js';
import { foldText, nearest } from './text-match.js';

/*
 * Baton's places: countries as ISO 3166-1 alpha-2 ("US"), states and regions as ISO 3166-2
 * ("US-TX"). What a CRM holds as free text ("United States", "Deutschland", "Texas") is read
 * through two kept datasets (country names in ~80 languages; subdivision names and codes), never
 * through a hand-kept list. A spelling two places share is not read at all: a lead with no
 * country is better than one in the wrong territory.
 */

/** Extra spellings → a code, on top of the datasets (sales ops keep them in the mapping YAML). */
export type PlaceAliases = ReadonlyMap<string, string>;

/** Folds the keys of an alias table the way lookups fold what they read. */
export function placeAliases(table: Readonly<Record<string, string>> = {}): PlaceAliases {
  return new Map(Object.entries(table).map(([k, v]) => [foldText(k), v.toUpperCase()]));
}

type Tier = Map<string, Set<string>>;

function add(tier: Tier, spelling: string, code: string): void {
  const key = foldText(spelling);
  if (!key) return;
  const codes = tier.get(key) ?? new Set<string>();
  codes.add(code);
  tier.set(key, codes);
}

/** First tier that knows the spelling decides; a spelling it gives two codes is not read. */
function lookup(tiers: readonly Tier[], key: string): string | undefined {
  for (const tier of tiers) {
    const codes = tier.get(key);
    if (codes) return codes.size === 1 ? codes.values().next().value : undefined;
  }
  return undefined;
}

/** "Korea, Republic of" → "Korea", "Republic of Korea"; "Holy See (Vatican City State)" → both halves. */
function variantsOf(name: string): string[] {
  const out: string[] = [];
  const paren = /\(([^)]*)\)/.exec(name);
  if (paren) {
    out.push(name.replace(/\s*\([^)]*\)\s*/g, ' ').trim(), paren[1]);
  }
  const comma = /^([^,]+),\s*(.+)$/.exec(name);
  if (comma) out.push(comma[1], `${comma[2]} ${comma[1]}`);
  if (/^the\s/i.test(name)) out.push(name.replace(/^the\s+/i, ''));
  return out;
}

interface CountryData {
  codes: Set<string>;
  /** codes, English names, names in other languages, derived variants */
  tiers: Tier[];
  english: Map<string, string[]>;
}

let countryData: CountryData | undefined;

function countryDataset(): CountryData {
  if (countryData) return countryData;
  const codes = new Set(Object.keys(countries.getAlpha2Codes()));
  const codeTier: Tier = new Map();
  const englishTier: Tier = new Map();
  const otherTier: Tier = new Map();
  const derivedTier: Tier = new Map();
  const english = new Map<string, string[]>();
  for (const code of codes) {
    add(codeTier, code, code);
    const a3 = countries.alpha2ToAlpha3(code);
    if (a3) add(codeTier, a3, code);
  }
  for (const lang of countries.langs()) {
    const names = countries.getNames(lang, { select: 'all' });
    for (const [code, list] of Object.entries(names)) {
      if (!codes.has(code)) continue;
      if (lang === 'en') english.set(code, list);
      for (const name of list) {
        add(lang === 'en' ? englishTier : otherTier, name, code);
        for (const v of variantsOf(name)) add(derivedTier, v, code);
      }
    }
  }
  countryData = { codes, tiers: [codeTier, englishTier, otherTier, derivedTier], english };
  return countryData;
}

/** Whether a text is an ISO 3166-1 alpha-2 code Baton knows (upper case, e.g. "DE"). */
export function isCountryCode(code: string): boolean {
  return countryDataset().codes.has(code);
}

export function countryCodes(): string[] {
  return [...countryDataset().codes].sort();
}

/** The English name of a country code ("DE" → "Germany"). */
export function countryName(code: string): string | undefined {
  return countryDataset().english.get(code.toUpperCase())?.[0];
}

/**
 * The ISO 3166-1 alpha-2 code a CRM's country text means: an alpha-2 or alpha-3 code, an
 * English name or variant ("USA", "U.S.", "UK", "Great Britain"), or the name in another
 * language ("Deutschland", "Allemagne", "Estados Unidos"). Undefined when it cannot be read
 * or two countries share the spelling.
 */
export function countryCodeOf(text: string, aliases?: PlaceAliases): string | undefined {
  const key = foldText(text);
  if (!key) return undefined;
  const alias = aliases?.get(key);
  if (alias !== undefined) return alias;
  return lookup(countryDataset().tiers, key);
}

interface Subdivision {
  code: string;
  name: string;
}

interface SubdivisionData {
  byCountry: Map<string, { list: Subdivision[]; codeTier: Tier; nameTiers: Tier[] }>;
  all: Map<string, Subdivision>;
}

// Generic words of subdivision names ("Hokkaidō Prefecture", "Province of Bergamo",
// "Stockholm County"): "Bergamo" and "Washington State" mean the same places.
const GENERIC =
  /\b(?:the|of|di|de|del|province|provincia|prefecture|county|voivodeship|region|regional|state|district|department|governorate|municipality|canton|oblast|metropolitan|city|autonomous|community|libero|consorzio|comunale|territory|federal)\b/g;

function withoutGenericWords(folded: string): string {
  return folded.replace(GENERIC, ' ').replace(/\s+/g, ' ').trim();
}

let subdivisionData: SubdivisionData | undefined;

function subdivisionDataset(): SubdivisionData {
  if (subdivisionData) return subdivisionData;
  const byCountry: SubdivisionData['byCountry'] = new Map();
  const all = new Map<string, Subdivision>();
  for (const s of getAllStates()) {
    const code = `${s.countryCode}-${s.isoCode}`.toUpperCase();
    const entry = byCountry.get(s.countryCode) ?? {
      list: [] as Subdivision[],
      codeTier: new Map() as Tier,
      nameTiers: [new Map(), new Map()] as Tier[],
    };
    byCountry.set(s.countryCode, entry);
    const sub = { code, name: s.name };
    entry.list.push(sub);
    all.set(code, sub);
    add(entry.codeTier, s.isoCode, code);
    add(entry.codeTier, code, code);
    add(entry.nameTiers[0], s.name, code);
    const bare = withoutGenericWords(foldText(s.name));
    if (bare) add(entry.nameTiers[1], bare, code);
  }
  subdivisionData = { byCountry, all };
  return subdivisionData;
}

/** Whether a text is an ISO 3166-2 code Baton knows (upper case, e.g. "US-TX"). */
export function isSubdivisionCode(code: string): boolean {
  return subdivisionDataset().all.has(code);
}

/** The name of a subdivision code ("US-TX" → "Texas"). */
export function subdivisionName(code: string): string | undefined {
  return subdivisionDataset().all.get(code.toUpperCase())?.name;
}

/** Every ISO 3166-2 code of one country. */
export function subdivisionCodesOf(country: string): string[] {
  return (subdivisionDataset().byCountry.get(country.toUpperCase())?.list ?? []).map((s) => s.code);
}

/** Subdivision aliases of one country: spelling → "BY" or "DE-BY", stored as the full code. */
export function subdivisionAliases(
  country: string,
  table: Readonly<Record<string, string>> = {},
): PlaceAliases {
  const c = country.toUpperCase();
  return new Map(
    Object.entries(table).map(([k, v]) => {
      const code = v.toUpperCase();
      return [foldText(k), code.startsWith(`${c}-`) ? code : `${c}-${code}`];
    }),
  );
}

/**
 * The ISO 3166-2 code a CRM's state or region text means inside a known country: the code
 * with or without the country ("TX", "US-TX"), or the name ("Texas", "Bavaria", "Québec",
 * "Tokyo"). Undefined without a country, when the text cannot be read, or when two places
 * of that country share the spelling.
 */
export function subdivisionCodeOf(
  text: string,
  country: string | undefined,
  aliases?: PlaceAliases,
): string | undefined {
  if (!country) return undefined;
  const key = foldText(text);
  if (!key) return undefined;
  const alias = aliases?.get(key);
  if (alias !== undefined) return alias;
  const entry = subdivisionDataset().byCountry.get(country.toUpperCase());
  if (!entry) return undefined;
  const byCode = entry.codeTier.get(key);
  if (byCode) return byCode.size === 1 ? byCode.values().next().value : undefined;
  const byName = lookup(entry.nameTiers, key);
  if (byName) return byName;
  const bare = withoutGenericWords(key);
  return bare && bare !== key ? lookup(entry.nameTiers, bare) : undefined;
}

/** Countries a wrong entry probably meant, best first (for policy errors). */
export function suggestCountries(text: string, max = 3): string[] {
  const read = countryCodeOf(text);
  if (read) return [read];
  const { english } = countryDataset();
  return nearest(
    text,
    [...english].map(([code, names]) => ({
      value: code,
      spellings: [code, countries.alpha2ToAlpha3(code) ?? code, ...names],
    })),
    max,
  );
}

/** Subdivisions a wrong entry probably meant, best first, inside its country when one is known. */
export function suggestSubdivisions(text: string, country?: string, max = 3): string[] {
  const prefixed = /^([A-Za-z]{2})[-\s](.+)$/.exec(text.trim());
  const c = (
    country ?? (prefixed && isCountryCode(prefixed[1].toUpperCase()) ? prefixed[1] : undefined)
  )?.toUpperCase();
  const local = c && prefixed && prefixed[1].toUpperCase() === c ? prefixed[2] : text;
  if (c) {
    const read = subdivisionCodeOf(local, c);
    if (read) return [read];
  }
  const { byCountry, all } = subdivisionDataset();
  const pool = c ? (byCountry.get(c)?.list ?? []) : [...all.values()];
  return nearest(
    local,
    pool.map((s) => ({ value: s.code, spellings: [s.code, s.code.split('-')[1], s.name] })),
    max,
  );
}
