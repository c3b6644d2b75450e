/*
 * The SOQL subset Baton uses (SOQL and SOSL Reference): SELECT <fields> FROM <object>
 * [WHERE <condition> [AND <condition>]...] [ORDER BY <field> [ASC|DESC]] [LIMIT n].
 * Conditions: <field> (= | != | < | <= | > | >=) <literal>, <field> [NOT] IN (<literal>, ...).
 * Literals: 'quoted strings' (backslash escapes), numbers, true/false/null, and unquoted
 * date/datetime literals (2024-01-31, 2024-01-31T10:00:00Z, 2024-01-31T10:00:00.000+0000).
 * Anything else is rejected with MALFORMED_QUERY, as Salesforce does for bad syntax.
 */

export type SoqlLiteral = string | number | boolean | null | { datetime: number };

export interface SoqlCondition {
  field: string;
  op: '=' | '!=' | '<' | '<=' | '>' | '>=' | 'IN' | 'NOT IN';
  value: SoqlLiteral | SoqlLiteral[];
}

export interface SoqlQuery {
  fields: string[];
  object: string;
  where: SoqlCondition[];
  orderBy?: { field: string; direction: 'ASC' | 'DESC' };
  limit?: number;
}

export class SoqlError extends Error {
  constructor(
    message: string,
    readonly errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE',
  ) {
    super(message);
  }
}

type Token = { kind: 'word' | 'string' | 'symbol' | 'number'; text: string };

function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < soql.length) {
    const c = soql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let text = '';
      i++;
      while (i < soql.length && soql[i] !== "'") {
        if (soql[i] === '\\' && i + 1 < soql.length) i++;
        text += soql[i++];
      }
      if (soql[i] !== "'") throw new SoqlError('unterminated string literal', 'MALFORMED_QUERY');
      i++;
      tokens.push({ kind: 'string', text });
    } else if ('(),'.includes(c)) {
      tokens.push({ kind: 'symbol', text: c });
      i++;
    } else if ('<>!='.includes(c)) {
      const two = soql.slice(i, i + 2);
      const op = ['<=', '>=', '!='].includes(two) ? two : c;
      tokens.push({ kind: 'symbol', text: op });
      i += op.length;
    } else {
      const m = /^[A-Za-z0-9_.:+\-]+/.exec(soql.slice(i));
      if (!m) throw new SoqlError(`unexpected character '${c}'`, 'MALFORMED_QUERY');
      tokens.push({ kind: /^-?\d+(\.\d+)?$/.test(m[0]) ? 'number' : 'word', text: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

const DATE_LITERAL = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2}))?$/;

export function parseSalesforceDate(text: string): number {
  // Salesforce writes datetimes as 2024-01-31T10:00:00.000+0000; make the offset ISO-8601.
  return Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}

export function parseSoql(soql: string): SoqlQuery {
  const tokens = tokenize(soql);
  let pos = 0;
  const peek = () => tokens[pos];
  const keyword = (word: string) => peek()?.kind === 'word' && peek().text.toUpperCase() === word;
  const expectKeyword = (word: string) => {
    if (!keyword(word))
      throw new SoqlError(
        `unexpected token: '${peek()?.text ?? '<end>'}', expected ${word}`,
        'MALFORMED_QUERY',
      );
    pos++;
  };
  const expectSymbol = (symbol: string) => {
    if (peek()?.kind !== 'symbol' || peek().text !== symbol)
      throw new SoqlError(`unexpected token: '${peek()?.text ?? '<end>'}'`, 'MALFORMED_QUERY');
    pos++;
  };
  const word = () => {
    const t = peek();
    if (t?.kind !== 'word')
      throw new SoqlError(`unexpected token: '${t?.text ?? '<end>'}'`, 'MALFORMED_QUERY');
    pos++;
    return t.text;
  };
  const literal = (): SoqlLiteral => {
    const t = peek();
    if (!t) throw new SoqlError('unexpected end of query', 'MALFORMED_QUERY');
    pos++;
    if (t.kind === 'string') return t.text;
    if (t.kind === 'number') return Number(t.text);
    if (t.kind === 'word') {
      const upper = t.text.toUpperCase();
      if (upper === 'TRUE') return true;
      if (upper === 'FALSE') return false;
      if (upper === 'NULL') return null;
      if (DATE_LITERAL.test(t.text))
        return { datetime: parseSalesforceDate(t.text.length === 10 ? `${t.text}T00:00:00Z` : t.text) };
    }
    throw new SoqlError(`unexpected token: '${t.text}'`, 'MALFORMED_QUERY');
  };

  expectKeyword('SELECT');
  const fields = [word()];
  while (peek()?.text === ',') {
    pos++;
    fields.push(word());
  }
  expectKeyword('FROM');
  const object = word();
  const where: SoqlCondition[] = [];
  if (keyword('WHERE')) {
    pos++;
    for (;;) {
      const field = word();
      let op: SoqlCondition['op'];
      if (keyword('NOT')) {
        pos++;
        expectKeyword('IN');
        op = 'NOT IN';
      } else if (keyword('IN')) {
        pos++;
        op = 'IN';
      } else {
        const t = peek();
        if (t?.kind !== 'symbol' || !['=', '!=', '<', '<=', '>', '>='].includes(t.text)) {
          throw new SoqlError(`unexpected token: '${t?.text ?? '<end>'}'`, 'MALFORMED_QUERY');
        }
        pos++;
        op = t.text as SoqlCondition['op'];
      }
      if (op === 'IN' || op === 'NOT IN') {
        expectSymbol('(');
        const values = [literal()];
        while (peek()?.text === ',') {
          pos++;
          values.push(literal());
        }
        expectSymbol(')');
        where.push({ field, op, value: values });
      } else {
        where.push({ field, op, value: literal() });
      }
      if (!keyword('AND')) break;
      pos++;
    }
  }
  let orderBy: SoqlQuery['orderBy'];
  if (keyword('ORDER')) {
    pos++;
    expectKeyword('BY');
    const field = word();
    let direction: 'ASC' | 'DESC' = 'ASC';
    if (keyword('ASC') || keyword('DESC')) direction = word().toUpperCase() as 'ASC' | 'DESC';
    orderBy = { field, direction };
  }
  let limit: number | undefined;
  if (keyword('LIMIT')) {
    pos++;
    const t = peek();
    if (t?.kind !== 'number')
      throw new SoqlError(`unexpected token: '${t?.text ?? '<end>'}'`, 'MALFORMED_QUERY');
    pos++;
    limit = Number(t.text);
  }
  if (pos < tokens.length) throw new SoqlError(`unexpected token: '${tokens[pos].text}'`, 'MALFORMED_QUERY');
  return { fields, object, where, orderBy, limit };
}

function comparable(value: unknown): number | string | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return String(value);
}

function literalValue(literal: SoqlLiteral): number | string | boolean | null {
  return typeof literal === 'object' && literal !== null ? literal.datetime : literal;
}

/** True when the record satisfies every condition; datetime fields compare as instants, ids case-insensitively by 15-char prefix. */
export function matches(
  record: Record<string, unknown>,
  where: SoqlCondition[],
  isDateField: (field: string) => boolean,
  isIdField: (field: string) => boolean,
): boolean {
  return where.every((condition) => {
    const raw = record[condition.field];
    const norm = (v: number | string | boolean | null): number | string | boolean | null => {
      if (v === null) return null;
      if (isDateField(condition.field) && typeof v === 'string') return parseSalesforceDate(v);
      if (isIdField(condition.field) && typeof v === 'string') return v.slice(0, 15);
      return v;
    };
    const left = norm(comparable(raw));
    if (condition.op === 'IN' || condition.op === 'NOT IN') {
      const values = (condition.value as SoqlLiteral[]).map((l) => norm(literalValue(l)));
      const found = values.some((v) => v === left);
      return condition.op === 'IN' ? found : !found;
    }
    const right = norm(literalValue(condition.value as SoqlLiteral));
    switch (condition.op) {
      case '=':
        return left === right;
      case '!=':
        return left !== right;
      case '<':
        return left !== null && right !== null && left < right;
      case '<=':
        return left !== null && right !== null && left <= right;
      case '>':
        return left !== null && right !== null && left > right;
      case '>=':
        return left !== null && right !== null && left >= right;
    }
  });
}
