import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { policyDirOf, prepareService } from '@baton/platform';
import { testEnvOf } from '@baton/service-testing';
import { isolatedEnv } from '@baton/testing';
import { routingService } from './routing.service.js';

const base = isolatedEnv('route-def');

describe('the routing service definition', () => {
  it("keeps today's consumer settings: group baton-routing, 500 per batch, one partition at a time, retries 5 × 100 ms…5 s", () => {
    const { consumer } = prepareService(routingService, testEnvOf(base));
    expect(consumer).toMatchObject({
      group: 'baton-routing',
      batch: 500,
      concurrency: 1,
      retryAttempts: 5,
      retryInitialDelayMs: 100,
      retryMaxDelayMs: 5_000,
    });
  });

  it('still accepts the old setting names for one release', () => {
    const ctx = prepareService(
      routingService,
      testEnvOf(base, {
        BATON_API_TOKEN: undefined,
        ROUTING_ADMIN_TOKEN: 'sales-ops-token-0123456789',
        ROUTING_MAX_BATCH: '120',
        ROUTING_CONSUMER_CONCURRENCY: '2',
      }),
    );
    expect(ctx.env.BATON_API_TOKEN).toBe('sales-ops-token-0123456789');
    expect(ctx.consumer).toMatchObject({ batch: 120, concurrency: 2 });
  });

  it('loads the sample policy bundled with the app when BATON_POLICY_DIR is unset', () => {
    const ctx = prepareService(routingService, testEnvOf(base, { BATON_POLICY_DIR: undefined }));
    expect(policyDirOf(routingService as never, ctx.env)).toBe(resolve('apps/routing/config/policy'));
    expect(ctx.policy.roster.reps.length).toBeGreaterThan(0);
  });
});
