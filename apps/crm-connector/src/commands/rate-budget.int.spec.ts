import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubSpotSandbox } from '@baton/crm-sandbox';
import { waitFor } from '@baton/testing';
import { maxInWindow, publishCommands, updateLead } from '../../test/commands.js';
import { tearDown, type RunningConnector } from '../../test/harness.js';
import { startHubSpotConnector } from '../../test/hubspot.js';

// HubSpot's shape (a rolling window and a per-window budget), compressed in time so the suite
// stays short: 200 requests per 1 s instead of 100/190 per 10 s.
const BUDGET = 200;
const WINDOW_MS = 1000;

let hubspot: HubSpotSandbox;
let running: RunningConnector;

beforeAll(async () => {
  ({ hubspot, running } = await startHubSpotConnector('hsburst', {
    sandbox: { rateLimit: { max: BUDGET, intervalMs: WINDOW_MS } },
    vars: { HUBSPOT_CLIENT_SECRET: 'burst-secret', HUBSPOT_RATE_LIMIT: String(BUDGET) },
    options: { tuning: { hubspotRateWindowMs: WINDOW_MS } },
  }));
});

afterAll(() => tearDown(running, hubspot));

describe('rate budget', () => {
  it('carries out a burst of 5,000 commands without ever exceeding the budget in any sliding window', async () => {
    const contacts = Array.from({ length: 1000 }, (_, i) =>
      hubspot.createContact({ firstname: `Lead${i}`, lastname: 'Burst' }),
    );
    const commands = contacts.flatMap((c) =>
      [1, 2, 3, 4, 5].map((n) => updateLead('hubspot', c.id, { score: n })),
    );
    hubspot.resetRateLimit();
    hubspot.requests.length = 0;
    const started = Date.now();
    await publishCommands(running.env, commands);
    await waitFor(
      async () => hubspot.requests.filter((r) => r.method === 'PATCH' && r.status === 200).length >= 5000,
      120_000,
      '5000 writes',
    );
    const seconds = (Date.now() - started) / 1000;
    const times = hubspot.requests.map((r) => r.at);
    expect(hubspot.requests.filter((r) => r.status === 429)).toHaveLength(0);
    expect(maxInWindow(times, WINDOW_MS)).toBeLessThanOrEqual(BUDGET);
    // Each lead's five commands ran in order: the last score is the one that stays.
    expect(contacts.every((c) => hubspot.contacts.get(c.id)!.properties.baton_score === '5')).toBe(true);
    // And the budget was used, not wasted: 5,000 requests at 200/s take at least ~25 s.
    expect(seconds).toBeGreaterThanOrEqual(5000 / BUDGET - 1);
    console.log(
      `[rate budget] 5000 commands in ${seconds.toFixed(1)} s; max ${maxInWindow(times, WINDOW_MS)} requests in any ${WINDOW_MS} ms (budget ${BUDGET})`,
    );
  }, 150_000);
});
