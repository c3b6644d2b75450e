import type { DataSource } from 'typeorm';

/**
 * The SQL TypeORM's schema builder would run to make the database match the data source's
 * entities: empty when the entities and the migrations describe the same tables. Run it on a
 * migrated database (e.g. from openServiceDatabase) in each service's test "entities and
 * migrations describe the same tables". Only entity tables are compared; tables without an
 * entity (the outbox, processed_event) are left out.
 */
export async function schemaDrift(dataSource: DataSource): Promise<string[]> {
  const sql = await dataSource.driver.createSchemaBuilder().log();
  return sql.upQueries.map((q) => q.query);
}
