import { Injectable } from '@nestjs/common';
import { In, type EntityManager } from 'typeorm';
import { StreamCursorRow } from './stream-cursor.entity.js';

/** Resume points (stream_cursor), committed with the domain events they lead to. */
@Injectable()
export class StreamCursorStore {
  async read(em: EntityManager, names: string[]): Promise<Map<string, string>> {
    if (names.length === 0) return new Map();
    const rows = await em.getRepository(StreamCursorRow).find({ where: { name: In(names) } });
    return new Map(rows.map((r) => [r.name, r.position]));
  }

  /** One statement for every cursor. */
  async write(em: EntityManager, cursors: Map<string, string>): Promise<void> {
    if (cursors.size === 0) return;
    const names = [...cursors.keys()];
    await em.query(
      `INSERT INTO stream_cursor (name, position, updated_at)
       SELECT n, p, now() FROM unnest($1::text[], $2::text[]) AS t(n, p)
       ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
      [names, names.map((n) => cursors.get(n)!)],
    );
  }
}
