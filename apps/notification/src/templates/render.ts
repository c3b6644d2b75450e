/**
 * Sales-ops wording with placeholders: `{{path}}` or `{{path|fallback}}` (dotted paths into the
 * values). A line whose placeholders are all empty and have no fallback is left out, so a
 * missing field never shows as a blank ("Hi ,").
 */
export type TemplateValues = { [key: string]: string | number | undefined | null | TemplateValues };

const PLACEHOLDER = /\{\{\s*([\w.]+)\s*(?:\|([^}]*))?\}\}/g;

function lookup(values: TemplateValues, path: string): string | undefined {
  let at: unknown = values;
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  if (at === undefined || at === null) return undefined;
  const text = typeof at === 'object' ? undefined : String(at as string | number);
  return text === '' ? undefined : text;
}

export function renderTemplate(template: string, values: TemplateValues): string {
  const lines = template.split('\n').flatMap((line) => {
    let placeholders = 0;
    let empty = 0;
    const out = line.replace(PLACEHOLDER, (_, path: string, fallback: string | undefined) => {
      placeholders++;
      const value = lookup(values, path);
      if (value !== undefined) return value;
      if (fallback !== undefined) return fallback;
      empty++;
      return '';
    });
    return placeholders > 0 && empty === placeholders ? [] : [out.replace(/ {2,}/g, ' ').trimEnd()];
  });
  return lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The placeholder paths a template uses (validation: every path must be one the service fills). */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]);
}
