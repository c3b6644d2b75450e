import {
  countryName,
  isCountryCode,
  isSubdivisionCode,
  subdivisionName,
  suggestCountries,
  suggestSubdivisions,
} from './geography.js';
import { INDUSTRIES, isIndustry, suggestIndustries } from './industries.js';

/*
 * Checks of sales-ops policy values against Baton's vocabularies, worded for the person who
 * edits the YAML: each returns undefined when the value is canonical, else what is wrong and
 * the nearest valid values. Services prefix the file and key path.
 */

function didYouMean(options: string[]): string {
  return options.length ? `; did you mean ${options.join(' or ')}?` : '';
}

const quoteCountry = (code: string) => `"${code}" (${countryName(code) ?? code})`;
const quoteSubdivision = (code: string) => `"${code}" (${subdivisionName(code) ?? code})`;

/** A country in a policy: an ISO 3166-1 alpha-2 code, in any case ("US", "de"). */
export function countryProblem(value: string): string | undefined {
  if (isCountryCode(value.trim().toUpperCase())) return undefined;
  return `"${value}" is not an ISO 3166-1 alpha-2 country code${didYouMean(suggestCountries(value).map(quoteCountry))}`;
}

/**
 * A state or region in a policy: an ISO 3166-2 code with its country ("US-TX"). A bare code
 * ("TX") is accepted only where the rule names exactly one country it belongs to.
 */
export function subdivisionProblem(value: string, countries: readonly string[] = []): string | undefined {
  const code = value.trim().toUpperCase();
  if (isSubdivisionCode(code)) return undefined;
  const within = countries.map((c) => c.toUpperCase()).filter(isCountryCode);
  if (!code.includes('-') && within.length === 1 && isSubdivisionCode(`${within[0]}-${code}`))
    return undefined;
  const suggestions =
    within.length > 0 ? within.flatMap((c) => suggestSubdivisions(value, c, 2)) : suggestSubdivisions(value);
  return `"${value}" is not an ISO 3166-2 state or region code${didYouMean(suggestions.slice(0, 3).map(quoteSubdivision))}`;
}

/** A routing territory: a country ("DE") or a country's state or region ("US-TX"). */
export function territoryProblem(value: string): string | undefined {
  const code = value.trim().toUpperCase();
  if (!code.includes('-')) return countryProblem(value);
  const problem = countryProblem(code.split('-')[0]);
  if (problem) return problem;
  return subdivisionProblem(value);
}

/** An industry in a policy: a Baton industry id, exactly ("software", "financial_services"). */
export function industryProblem(value: string): string | undefined {
  if (isIndustry(value)) return undefined;
  const quoted = suggestIndustries(value).map((id) => `"${id}" (${INDUSTRIES[id]})`);
  return `"${value}" is not a Baton industry${didYouMean(quoted)}`;
}
