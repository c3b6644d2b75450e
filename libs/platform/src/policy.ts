import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, YAMLParseError } from 'yaml';
import type { z } from 'zod';

export class PolicyError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid policy file ${file}:\n  ${problems.join('\n  ')}`);
    this.name = 'PolicyError';
  }
}

export interface LoadedPolicy<T> {
  file: string;
  policy: T;
  /** Content hash: written beside every decision so it can be traced to the rules that made it. */
  version: string;
}

/** Parses and validates a sales-ops YAML policy text; errors name the file and the path of each bad key. */
export function parsePolicy<S extends z.ZodType>(
  file: string,
  text: string,
  schema: S,
): LoadedPolicy<z.infer<S>> {
  let doc: unknown;
  try {
    doc = parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    const msg = err instanceof YAMLParseError ? err.message : String(err);
    throw new PolicyError(file, [`YAML: ${msg}`]);
  }
  const result = schema.safeParse(doc);
  if (!result.success) {
    throw new PolicyError(
      file,
      result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  const declared = (doc as { version?: unknown } | null)?.version;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
  return { file, policy: result.data, version: typeof declared === 'string' ? `${declared}+${hash}` : hash };
}

export function loadPolicy<S extends z.ZodType>(
  dir: string,
  name: string,
  schema: S,
): LoadedPolicy<z.infer<S>> {
  const file = join(dir, name);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PolicyError(file, [`cannot read: ${(err as Error).message}`]);
  }
  return parsePolicy(file, text, schema);
}
