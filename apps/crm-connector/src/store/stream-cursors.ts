import type { EntityManager } from 'typeorm';

export async function readCursors(em: EntityManager, names: string[]): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  const rows: { name: string; position: string }[] = await em.query(
    `SELECT name, position FROM stream_cursor WHERE name = ANY($1::text[])`,
    [names],
  );
  return new Map(rows.map((r) => [r.name, r.position]));
}

export async function writeCursors(em: EntityManager, cursors: Map<string, string>): Promise<void> {
  if (cursors.size === 0) return;
  const names = [...cursors.keys()];
  await em.query(
    `INSERT INTO stream_cursor (name, position, updated_at)
     SELECT n, p, now() FROM unnest($1::text[], $2::text[]) AS t(n, p)
     ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
    [names, names.map((n) => cursors.get(n)!)],
  );
}

export async function readCursor(em: EntityManager, name: string): Promise<string | undefined> {
  return (await readCursors(em, [name])).get(name);
}
