import type { QueryRunner } from 'typeorm';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertSchemaName(schema: string): string {
  return assertIdentifier(schema, 'schema');
}

/** An unquoted lower-case SQL identifier, safe to splice into a statement; `what` names it in the error. */
export function assertIdentifier(name: string, what = 'identifier'): string {
  if (!IDENTIFIER.test(name))
    throw new Error(`invalid ${what} name "${name}": use lower-case letters, digits and _`);
  return name;
}

/** The schema a migration runs in (taken from the data source, so migrations stay schema-agnostic). */
export function schemaOf(queryRunner: QueryRunner): string {
  return assertSchemaName((queryRunner.connection.options as { schema?: string }).schema ?? 'public');
}
