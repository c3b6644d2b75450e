const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * A JSON-like value as a TypeScript expression (single quotes, bare keys), for the sample event
 * of a generated spec. `expressions` replaces the value of the named top-level keys with code:
 * `{ leadId: 'leadId' }` writes the shorthand `leadId`.
 */
export function toLiteral(value: unknown, expressions: Record<string, string> = {}): string {
  if (value === null) return 'null';
  if (typeof value === 'string')
    return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => toLiteral(v)).join(', ')}]`;
  if (typeof value !== 'object') throw new Error(`cannot write a ${typeof value} as a literal`);
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => {
      const key = IDENTIFIER.test(k) ? k : `'${k}'`;
      const code = expressions[k];
      if (code !== undefined) return code === k ? k : `${key}: ${code}`;
      return `${key}: ${toLiteral(v)}`;
    });
  return `{ ${entries.join(', ')} }`;
}
