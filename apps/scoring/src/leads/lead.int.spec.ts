import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_API_TOKEN } from '@baton/service-testing';
import { cleanup, scoringEnv, startScoring, type ScoringTestService } from '../../test/harness.js';

const env = scoringEnv('http');
let service: ScoringTestService;
beforeAll(async () => {
  service = await startScoring(env, { consume: false });
});
afterAll(async () => {
  await service?.stop();
  await cleanup(env);
});

describe('scoring HTTP API', () => {
  it('requires the API token on its data routes, and not on health', async () => {
    expect((await fetch(`${service.url}/leads/hubspot:contact:1`)).status).toBe(401);
    expect((await fetch(`${service.url}/review?from=2026-01-01&to=2026-02-01`)).status).toBe(401);
    expect(
      (await fetch(`${service.url}/leads/hubspot:contact:1`, { headers: { authorization: TEST_API_TOKEN } }))
        .status,
    ).toBe(401);
    expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
    expect((await service.fetch('/leads/hubspot:contact:1')).status).toBe(404);
  });

  it('answers bad parameters with 400 naming them, never 500', async () => {
    for (const path of ['/leads/%00', '/leads/hubspot%3Acontact%3A1%00', '/leads/not-a-lead']) {
      const res = await service.fetch(path);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { message: string }).message, path).toContain('leadId');
    }
    for (const query of [
      'from=%00&to=2026-02-01',
      'from=2026-01-01&to=2026-02-01%00',
      'from=2026-01-01&to=2026-02-01&bandWidth=%00',
    ]) {
      const res = await service.fetch(`/review?${query}`);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { message: string }).message, query).toContain('query.');
    }
    // Percent-encoding that decodes to no text at all is refused by the router itself.
    expect((await service.fetch('/leads/%F0%9F')).status).toBe(400);
    expect((await service.fetch('/review?from=2026-01-01&to=2026-02-01')).status).toBe(200);
  });
});
