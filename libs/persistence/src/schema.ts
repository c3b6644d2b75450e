import type { QueryRunner } from 'typeorm';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema))
    throw new Error(`invalid schema name "${schema}": use lower-case letters, digits and _`);
  return schema;
}

/** The schema a migration runs in (taken from the data source, so migrations stay schema-agnostic). */
export function schemaOf(queryRunner: QueryRunner): string {
  return assertSchemaName((queryRunner.connection.options as { schema?: string }).schema ?? 'public');
}
