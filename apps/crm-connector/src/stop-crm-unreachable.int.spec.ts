import { createServer, connect, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startHubSpotSandbox, type HubSpotSandbox } from '@baton/crm-sandbox';
import { killSpawnedServices, spawnService } from '@baton/service-testing';
import { dropSchema, isolatedEnv } from '@baton/testing';
import { hubspotVars } from '../test/hubspot.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const base = isolatedEnv('crmstop');
let hubspot: HubSpotSandbox | undefined;
let proxy: Server | undefined;

afterAll(async () => {
  killSpawnedServices();
  await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
  await hubspot?.close();
  await dropSchema(base.DATABASE_SCHEMA!);
});

/** A TCP proxy to the CRM that can turn into a black hole: connections stay open, nothing answers. */
async function blackHoleProxy(target: URL): Promise<{ url: string; blackHole(): void }> {
  let holed = false;
  const sockets = new Set<Socket>();
  proxy = createServer((client) => {
    sockets.add(client);
    const upstream = connect(Number(target.port), target.hostname);
    client.on('data', (d) => {
      if (!holed) upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!holed) client.write(d);
    });
    const end = () => {
      if (holed) return; // a black hole never closes a connection either
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => proxy!.listen(0, '127.0.0.1', r));
  const port = (proxy.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    blackHole: () => {
      holed = true;
    },
  };
}

describe('crm-connector stop', () => {
  it('finishes SIGTERM within 10 s, exit code 0, while every CRM call hangs', async () => {
    hubspot = await startHubSpotSandbox({ clientSecret: 'stop-secret' });
    const crm = await blackHoleProxy(new URL(hubspot.baseUrl));
    const service = spawnService(
      MAIN,
      base,
      hubspotVars(hubspot, {
        HUBSPOT_CLIENT_SECRET: 'stop-secret',
        CRM_PROVISION_ON_START: 'true',
        HUBSPOT_API_BASE_URL: crm.url,
      }),
    );
    await service.ready(90_000);
    const url = `http://127.0.0.1:${await service.port}`;
    crm.blackHole();
    // Work for the inbox worker, whose contact read now hangs.
    const c = hubspot.createContact({ firstname: 'Stop', lastname: 'Watch' });
    const delivery = await hubspot.sendWebhook(`${url}/webhooks/hubspot`, [
      hubspot.webhookEvent({ subscriptionType: 'contact.creation', objectId: Number(c.id) }),
    ]);
    expect(delivery.status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_500));

    const started = Date.now();
    service.kill('SIGTERM');
    const exit = await Promise.race([
      service.exited,
      new Promise((r) => setTimeout(() => r('still running after 15 s'), 15_000)),
    ]);
    const tookMs = Date.now() - started;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeLessThanOrEqual(10_000);
    // The intake loops give up a hanging round after STOP_GRACE_MS (3 s) instead of holding the
    // stop until the kit's own bound cuts it short.
    expect(tookMs).toBeLessThanOrEqual(7_000);
  }, 150_000);
});
