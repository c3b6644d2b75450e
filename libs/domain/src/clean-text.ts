/**
 * Text from CRMs can hold what no store or JSON column accepts: NUL (Postgres text and jsonb
 * refuse `\u0000`) and lone UTF-16 surrogates (not valid Unicode). Such characters are removed
 * (NUL, other C0 controls but tab, line feed and carriage return) or replaced (a lone surrogate
 * becomes U+FFFD), and the event is kept.
 */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

export function cleanText(s: string): string {
  const wellFormed = s.isWellFormed() ? s : s.toWellFormed();
  return CONTROL.test(wellFormed) ? wellFormed.replace(CONTROL, '') : wellFormed;
}

/** Whether JSON text may hold an escaped control character or surrogate (a cheap pre-check before walking it). */
// JSON.stringify writes \b and \f short; a false alarm (an escaped backslash before b or f) only costs a walk.
// DEL is not escaped by JSON.stringify: it is looked for as itself.
const SUSPECT_ESCAPE = /\\u(00[01][0-9a-fA-F]|007[fF]|[dD][89a-fA-F][0-9a-fA-F]{2})|\\[bf]|\u007f/;

export function mayNeedCleaning(jsonText: string): boolean {
  return SUSPECT_ESCAPE.test(jsonText);
}

const DIRTY = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ud800-\udfff]/;

/** Whether any string (or key) of a value holds what cleanText would change; allocates nothing. */
export function hasDirtyText(value: unknown): boolean {
  if (typeof value === 'string') return DIRTY.test(value) && cleanText(value) !== value;
  if (Array.isArray(value)) return value.some(hasDirtyText);
  if (value && typeof value === 'object') {
    for (const k in value) {
      if (hasDirtyText(k) || hasDirtyText((value as Record<string, unknown>)[k])) return true;
    }
  }
  return false;
}

/** Cleans every string (keys too) of a parsed JSON value. */
export function cleanJson<T>(value: T): T {
  if (typeof value === 'string') return cleanText(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => cleanJson(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[cleanText(k)] = cleanJson(v);
    return out as T;
  }
  return value;
}
