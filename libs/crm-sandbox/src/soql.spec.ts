import { describe, expect, it } from 'vitest';
import { matches, parseSoql, parseSalesforceDate, SoqlError } from './soql.js';
import { normalizeId, to18 } from './salesforce-schema.js';

describe('SOQL subset', () => {
  it('parses fields, conditions, order and limit', () => {
    expect(
      parseSoql(
        "SELECT Id, Email FROM Lead WHERE Status != 'Closed - Converted' AND Id NOT IN ('00Q000000000001') AND LastModifiedDate >= 2026-01-31T10:00:00.000+0000 ORDER BY LastModifiedDate DESC LIMIT 5",
      ),
    ).toEqual({
      fields: ['Id', 'Email'],
      object: 'Lead',
      where: [
        { field: 'Status', op: '!=', value: 'Closed - Converted' },
        { field: 'Id', op: 'NOT IN', value: ['00Q000000000001'] },
        { field: 'LastModifiedDate', op: '>=', value: { datetime: Date.parse('2026-01-31T10:00:00Z') } },
      ],
      orderBy: { field: 'LastModifiedDate', direction: 'DESC' },
      limit: 5,
    });
  });

  it('unescapes quoted strings and reads booleans and null', () => {
    const q = parseSoql(
      "SELECT Id FROM Lead WHERE Company = 'O\\'Brien & Co' AND IsConverted = false AND Email != null",
    );
    expect(q.where.map((w) => w.value)).toEqual(["O'Brien & Co", false, null]);
  });

  it('rejects what it does not support as MALFORMED_QUERY', () => {
    for (const soql of [
      'SELECT FROM Lead',
      "SELECT Id FROM Lead WHERE Name LIKE 'A%'",
      'SELECT Id FROM Lead WHERE (Id = 1)',
      "SELECT Id FROM Lead WHERE Email = 'x' OR Email = 'y'",
      'SELECT Id FROM Lead LIMIT',
    ]) {
      expect(() => parseSoql(soql), soql).toThrow(SoqlError);
    }
  });

  it('compares datetimes as instants and ids on their 15-character form', () => {
    const id = to18('00QDn0000000005');
    const record = { Id: id, LastModifiedDate: '2026-01-31T10:00:05.000+0000' };
    const isDate = (f: string) => f === 'LastModifiedDate';
    const isId = (f: string) => f === 'Id';
    expect(
      matches(
        record,
        parseSoql('SELECT Id FROM Lead WHERE LastModifiedDate > 2026-01-31T10:00:00Z').where,
        isDate,
        isId,
      ),
    ).toBe(true);
    expect(
      matches(
        record,
        parseSoql('SELECT Id FROM Lead WHERE LastModifiedDate > 2026-01-31T11:00:00+01:00').where,
        isDate,
        isId,
      ),
    ).toBe(true);
    expect(
      matches(record, parseSoql("SELECT Id FROM Lead WHERE Id IN ('00QDn0000000005')").where, isDate, isId),
    ).toBe(true);
    expect(normalizeId('00QDn0000000005')).toBe(id);
    // The case-safe suffix of a well-known example id.
    expect(to18('0015000000Gv7qJ')).toBe('0015000000Gv7qJAAR');
    expect(parseSalesforceDate('2026-01-31T10:00:05.000+0000')).toBe(Date.parse('2026-01-31T10:00:05Z'));
  });
});
