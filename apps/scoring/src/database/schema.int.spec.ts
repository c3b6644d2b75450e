import { afterAll, describe, expect, it } from 'vitest';
import { openServiceDatabase, schemaDrift } from '@baton/persistence';
import { dropSchema, isolatedEnv } from '@baton/testing';
import { scoringService } from '../scoring.service.js';

const env = isolatedEnv('scoringdrift');
const schema = env.DATABASE_SCHEMA!;
afterAll(() => dropSchema(schema));

describe('scoring tables', () => {
  it('are described the same by the entities and the migrations', async () => {
    const db = await openServiceDatabase({
      url: env.DATABASE_URL,
      schema,
      entities: scoringService.entities,
      migrations: scoringService.migrations,
    });
    try {
      expect(await schemaDrift(db)).toEqual([]);
    } finally {
      await db.destroy();
    }
  });
});
