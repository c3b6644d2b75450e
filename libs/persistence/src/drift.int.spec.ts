import { afterEach, describe, expect, it } from 'vitest';
import type { MigrationInterface } from 'typeorm';
import { dropSchema, isolatedEnv } from '@baton/testing';
import { openServiceDatabase } from './data-source.js';
import { schemaDrift } from './drift.js';
import {
  DriftLead,
  DriftLeadDrifted1732300000201,
  DriftLeadMatching1732300000201,
} from '../test/drift-lead.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function migrated(name: string, migration: new () => MigrationInterface) {
  const env = isolatedEnv(name);
  const schema = env.DATABASE_SCHEMA!;
  cleanups.push(() => dropSchema(schema));
  const ds = await openServiceDatabase({
    url: env.DATABASE_URL,
    schema,
    entities: [DriftLead],
    migrations: [migration],
  });
  cleanups.push(() => ds.destroy());
  return { ds, schema };
}

describe('schemaDrift on real Postgres', () => {
  it('is empty when the entities and the migrations describe the same tables', async () => {
    const { ds } = await migrated('nodrift', DriftLeadMatching1732300000201);
    expect(await schemaDrift(ds)).toEqual([]);
  });

  it('lists what the migrations left out or made differently', async () => {
    const { ds } = await migrated('drift', DriftLeadDrifted1732300000201);
    const drift = await schemaDrift(ds);
    expect(drift).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/ALTER TABLE "drift_lead" ADD "owner" text/),
        expect.stringMatching(/ALTER COLUMN "touches" SET NOT NULL/),
        expect.stringMatching(/CREATE INDEX "drift_lead_owner"/),
      ]),
    );
    expect(drift).toHaveLength(3);
  });
});
