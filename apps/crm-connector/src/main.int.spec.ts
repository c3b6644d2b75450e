import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startHubSpotSandbox, type HubSpotSandbox } from '@baton/crm-sandbox';
import { killSpawnedServices, spawnService } from '@baton/service-testing';
import { dropSchema, isolatedEnv } from '@baton/testing';
import { hubspotVars } from '../test/hubspot.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const base = isolatedEnv('crmmain');
let hubspot: HubSpotSandbox | undefined;

afterAll(async () => {
  killSpawnedServices();
  await hubspot?.close();
  await dropSchema(base.DATABASE_SCHEMA!);
});

describe('crm-connector main', () => {
  it('runs the definition in its own process: ready with the CRM set up, webhooks signed rather than token-guarded, stopped by SIGTERM', async () => {
    hubspot = await startHubSpotSandbox({ clientSecret: 'main-secret' });
    const service = spawnService(
      MAIN,
      base,
      hubspotVars(hubspot, { HUBSPOT_CLIENT_SECRET: 'main-secret', CRM_PROVISION_ON_START: 'true' }),
    );
    await service.ready(90_000);
    const url = `http://127.0.0.1:${await service.port}`;
    const ready = (await (await fetch(`${url}/health/ready`)).json()) as { checks: Record<string, string> };
    expect(ready.checks).toMatchObject({ startup: 'up', database: 'up', kafka: 'up', 'crm-setup': 'up' });

    const c = hubspot.createContact({ firstname: 'Main', lastname: 'Line' });
    const delivery = await hubspot.sendWebhook(`${url}/webhooks/hubspot`, [
      hubspot.webhookEvent({ subscriptionType: 'contact.creation', objectId: Number(c.id) }),
    ]);
    expect(delivery.status).toBe(200);

    service.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 0, signal: null });
  }, 150_000);
});
