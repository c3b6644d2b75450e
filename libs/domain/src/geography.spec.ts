import { describe, expect, it } from 'vitest';
import {
  countryCodeOf,
  countryName,
  isCountryCode,
  isSubdivisionCode,
  placeAliases,
  subdivisionAliases,
  subdivisionCodeOf,
  subdivisionName,
} from './geography.js';

// Spellings seen in real CRM portals: form fills, imports, enrichment tools, several languages.
const COUNTRIES: [string, string][] = [
  ['United States', 'US'],
  ['United States of America', 'US'],
  ['USA', 'US'],
  ['U.S.A.', 'US'],
  ['U.S.', 'US'],
  ['us', 'US'],
  ['Estados Unidos', 'US'],
  ['Vereinigte Staaten', 'US'],
  ['États-Unis d’Amérique', 'US'],
  ['UK', 'GB'],
  ['U.K.', 'GB'],
  ['Great Britain', 'GB'],
  ['United Kingdom', 'GB'],
  ['GBR', 'GB'],
  ['Royaume-Uni', 'GB'],
  ['Germany', 'DE'],
  ['Deutschland', 'DE'],
  ['DEU', 'DE'],
  ['Allemagne', 'DE'],
  ['Alemania', 'DE'],
  ['Germania', 'DE'],
  ['Niemcy', 'DE'],
  ['Duitsland', 'DE'],
  ['  deutschland ', 'DE'],
  ['France', 'FR'],
  ['Frankreich', 'FR'],
  ['Francia', 'FR'],
  ['España', 'ES'],
  ['Espana', 'ES'],
  ['Spanien', 'ES'],
  ['Italia', 'IT'],
  ['Italien', 'IT'],
  ['Schweiz', 'CH'],
  ['Suisse', 'CH'],
  ['Svizzera', 'CH'],
  ['Österreich', 'AT'],
  ['Osterreich', 'AT'],
  ['Nederland', 'NL'],
  ['The Netherlands', 'NL'],
  ['Holland', 'NL'],
  ['België', 'BE'],
  ['Belgique', 'BE'],
  ['Brasil', 'BR'],
  ['México', 'MX'],
  ['Japan', 'JP'],
  ['日本', 'JP'],
  ['中国', 'CN'],
  ['Россия', 'RU'],
  ['Polska', 'PL'],
  ['Sverige', 'SE'],
  ['Norge', 'NO'],
  ['Danmark', 'DK'],
  ['Suomi', 'FI'],
  ['Éire', 'IE'],
  ['Irland', 'IE'],
  ['Kanada', 'CA'],
  ['Indien', 'IN'],
  ['South Korea', 'KR'],
  ['Republic of Korea', 'KR'],
  ['Czechia', 'CZ'],
  ['Czech Republic', 'CZ'],
  ['Türkiye', 'TR'],
  ['Turkey', 'TR'],
  ["Côte d'Ivoire", 'CI'],
  ['Ivory Coast', 'CI'],
  ['Viet Nam', 'VN'],
  ['UAE', 'AE'],
  ['Südafrika', 'ZA'],
  ['Perú', 'PE'],
  ['Moldova', 'MD'],
  ['Hong Kong', 'HK'],
];

const STATES: [string, string, string][] = [
  ['Texas', 'US', 'US-TX'],
  ['TX', 'US', 'US-TX'],
  ['tx', 'US', 'US-TX'],
  ['US-TX', 'US', 'US-TX'],
  ['California', 'US', 'US-CA'],
  ['New York', 'US', 'US-NY'],
  ['Washington State', 'US', 'US-WA'],
  ['District of Columbia', 'US', 'US-DC'],
  ['Georgia', 'US', 'US-GA'],
  ['Bavaria', 'DE', 'DE-BY'],
  ['BY', 'DE', 'DE-BY'],
  ['North Rhine-Westphalia', 'DE', 'DE-NW'],
  ['Baden-Württemberg', 'DE', 'DE-BW'],
  ['Baden-Wurttemberg', 'DE', 'DE-BW'],
  ['Quebec', 'CA', 'CA-QC'],
  ['Québec', 'CA', 'CA-QC'],
  ['ON', 'CA', 'CA-ON'],
  ['Tokyo', 'JP', 'JP-13'],
  ['Osaka', 'JP', 'JP-27'],
  ['Hokkaido', 'JP', 'JP-01'],
  ['São Paulo', 'BR', 'BR-SP'],
  ['Sao Paulo', 'BR', 'BR-SP'],
  ['Ciudad de México', 'MX', 'MX-CDMX'],
  ['Nuevo Leon', 'MX', 'MX-NLE'],
  ['NSW', 'AU', 'AU-NSW'],
  ['Victoria', 'AU', 'AU-VIC'],
  ['England', 'GB', 'GB-ENG'],
  ['Scotland', 'GB', 'GB-SCT'],
  ['Catalonia', 'ES', 'ES-CT'],
  ['Zürich', 'CH', 'CH-ZH'],
  ['Zurich', 'CH', 'CH-ZH'],
  ['Île-de-France', 'FR', 'FR-IDF'],
  ['Ile de France', 'FR', 'FR-IDF'],
  ['Bretagne', 'FR', 'FR-BRE'],
  ['Maharashtra', 'IN', 'IN-MH'],
  ['Stockholm', 'SE', 'SE-AB'],
  ['Bergamo', 'IT', 'IT-BG'],
  ['Shanghai', 'CN', 'CN-SH'],
];

describe('country normalisation (ISO 3166-1 alpha-2)', () => {
  it.each(COUNTRIES)('reads %j as %s', (text, code) => {
    expect(countryCodeOf(text)).toBe(code);
  });

  it('covers at least 50 real-world spellings in several languages', () => {
    expect(COUNTRIES.length + STATES.length).toBeGreaterThanOrEqual(100);
    expect(COUNTRIES.length).toBeGreaterThanOrEqual(50);
  });

  it('never guesses: unknown, empty or shared spellings stay unread', () => {
    for (const text of ['', '   ', 'Narnia', 'Congo', 'Europe', 'EMEA', 'n/a', '-', 'America'])
      expect(countryCodeOf(text), text).toBeUndefined();
  });

  it('takes extra spellings from sales ops before the dataset', () => {
    const aliases = placeAliases({ England: 'gb', Scotland: 'GB', 'Congo (DRC)': 'CD' });
    expect(countryCodeOf('england', aliases)).toBe('GB');
    expect(countryCodeOf('Congo (DRC)', aliases)).toBe('CD');
    expect(countryCodeOf('England')).toBeUndefined();
  });

  it('knows codes and names', () => {
    expect(isCountryCode('DE')).toBe(true);
    expect(isCountryCode('de')).toBe(false);
    expect(isCountryCode('UK')).toBe(false);
    expect(countryName('de')).toBe('Germany');
  });
});

describe('state and region normalisation (ISO 3166-2)', () => {
  it.each(STATES)('reads %j in %s as %s', (text, country, code) => {
    expect(subdivisionCodeOf(text, country)).toBe(code);
  });

  it('needs the country and never guesses', () => {
    expect(subdivisionCodeOf('Texas', undefined)).toBeUndefined();
    expect(subdivisionCodeOf('Texas', 'DE')).toBeUndefined();
    expect(subdivisionCodeOf('Calif.', 'US')).toBeUndefined();
    expect(subdivisionCodeOf('', 'US')).toBeUndefined();
    expect(subdivisionCodeOf('Bayern', 'DE')).toBeUndefined();
  });

  it('takes local names from sales ops, with or without the country prefix', () => {
    const aliases = subdivisionAliases('DE', { Bayern: 'BY', 'Nordrhein-Westfalen': 'de-nw' });
    expect(subdivisionCodeOf('bayern', 'DE', aliases)).toBe('DE-BY');
    expect(subdivisionCodeOf('Nordrhein Westfalen', 'DE', aliases)).toBe('DE-NW');
  });

  it('knows codes and names', () => {
    expect(isSubdivisionCode('US-TX')).toBe(true);
    expect(isSubdivisionCode('TX')).toBe(false);
    expect(subdivisionName('us-tx')).toBe('Texas');
  });
});
