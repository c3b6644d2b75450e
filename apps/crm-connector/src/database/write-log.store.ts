import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { CrmProvider } from '@baton/domain';

/** A field value Baton writes to (or sees changed on) a CRM record. */
export interface OwnWrite {
  objectId: string;
  /** The CRM field name, as written. */
  field: string;
  value: string | null;
}

function norm(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = String(v).trim();
  return s === '' ? null : s;
}

export function echoKey(objectId: string, field: string): string {
  return `${objectId}\u0000${field}`;
}

/** Baton's own CRM writes (write_log), to tell their echo from a person's change. Pruned by housekeeping. */
@Injectable()
export class WriteLogStore {
  constructor(private readonly db: DataSource) {}

  /** Records writes before they are sent, so an echo can never overtake its log entry. */
  async record(provider: CrmProvider, writes: (OwnWrite & { commandId: string })[]): Promise<void> {
    if (writes.length === 0) return;
    await this.db.query(
      `INSERT INTO write_log (provider, object_id, field, value, command_id)
       SELECT $1, o, f, v, c FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS t(o, f, v, c)`,
      [
        provider,
        writes.map((w) => w.objectId),
        writes.map((w) => w.field),
        writes.map((w) => w.value),
        writes.map((w) => w.commandId),
      ],
    );
  }

  /**
   * Which of the observed (object, field, value) changes match a write Baton made within the
   * echo window: those are Baton's own changes coming back, not a person's (keys: echoKey).
   */
  async findEchoes(
    em: EntityManager,
    provider: CrmProvider,
    observed: OwnWrite[],
    windowMs: number,
    now: Date,
  ): Promise<Set<string>> {
    if (observed.length === 0) return new Set();
    const rows: { object_id: string; field: string; value: string | null }[] = await em.query(
      `SELECT DISTINCT object_id, field, value FROM write_log
        WHERE provider = $1 AND object_id = ANY($2::text[]) AND written_at >= $3`,
      [provider, [...new Set(observed.map((o) => o.objectId))], new Date(now.getTime() - windowMs)],
    );
    const written = new Set(rows.map((r) => `${r.object_id}\u0000${r.field}\u0000${norm(r.value) ?? ''}`));
    const echoes = new Set<string>();
    for (const o of observed) {
      if (written.has(`${o.objectId}\u0000${o.field}\u0000${norm(o.value) ?? ''}`))
        echoes.add(echoKey(o.objectId, o.field));
    }
    return echoes;
  }
}
