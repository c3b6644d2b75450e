import { afterAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { schemaDrift } from '@baton/persistence';
import { startTestService, type TestService } from '@baton/service-testing';
import { dropSchema, isolatedEnv } from '@baton/testing';
import { routingService } from '../routing.service.js';

const env = isolatedEnv('route-schema');
let service: TestService | undefined;

afterAll(async () => {
  await service?.stop();
  await dropSchema(env.DATABASE_SCHEMA!);
});

describe("routing's tables", () => {
  it('are described alike by the entities and the migrations', async () => {
    service = await startTestService(routingService, { base: env, consume: false });
    const db = service.get<DataSource>(DataSource);
    expect(db.entityMetadatas.map((m) => m.tableName).sort()).toEqual([
      'assignment',
      'company_owner',
      'lead_profile',
      'pool_rotation',
      'rep',
      'rep_daily_load',
      'roster_change',
    ]);
    expect(await schemaDrift(db)).toEqual([]);
  });
});
