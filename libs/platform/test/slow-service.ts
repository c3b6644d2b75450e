// A minimal Baton service for the shutdown test: consumes lead.activity.v1 slowly, writing one
// row per event (deduped) in a transaction, and serves health and metrics over HTTP.
import { Module } from '@nestjs/common';
import { Topics } from '@baton/domain';
import { BaseEnvSchema, RuntimeModule, ServiceRuntime, loadEnv, runNestService } from '../src/index.js';
import { SlowTable1732300000002 } from './slow-table.migration.js';

await runNestService('slow-service', async () => {
  const env = loadEnv(BaseEnvSchema);
  const runtime = await ServiceRuntime.start({
    service: 'slow-service',
    env,
    topics: [Topics.LeadActivity],
    migrations: [SlowTable1732300000002],
  });
  const processed = runtime.processed('slow');
  const consumer = runtime.consumer({
    groupId: process.env.GROUP_ID,
    maxWaitTimeMs: 100,
    partitionsConsumedConcurrently: 1,
  });
  consumer.on(Topics.LeadActivity, async (event) => {
    await new Promise((r) => setTimeout(r, Number(process.env.HANDLE_MS ?? 300)));
    await runtime.transaction(async (em) => {
      if (!(await processed.claim(em, event.id))) return;
      await em.query(`INSERT INTO handled (event_id, source_event_id) VALUES ($1, $2)`, [
        event.id,
        event.data.sourceEventId,
      ]);
    });
  });
  await consumer.start();

  @Module({ imports: [RuntimeModule.forRuntime(runtime)] })
  class SlowServiceModule {}
  return { module: SlowServiceModule, port: env.PORT };
});
