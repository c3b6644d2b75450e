import { describe, expect, it } from 'vitest';
import { ReadinessRegistry } from '@baton/platform';
import type { Clock } from '../api-budget/clock.js';
import type { ConnectorEnv } from '../config/env.js';
import { DEFAULT_TUNING } from '../config/tuning.js';
import { CrmSetupGate } from './setup-gate.js';
import type { CrmSetupCheck, SetupCheckResult } from './setup-check.js';

const MISSING: SetupCheckResult = {
  ok: false,
  missing: ['baton_score: contact property missing (Baton score, number)'],
  message: 'HubSpot portal is not set up for Baton, whose writes it would reject: baton_score …',
};
const OK: SetupCheckResult = { ok: true, missing: [], message: 'HubSpot portal is set up for Baton' };

/** A CRM whose answers the test sets, counting the calls. */
function crm(answer: () => SetupCheckResult) {
  const calls = { check: 0, ensure: 0 };
  const setup = {
    check: () => {
      calls.check++;
      return Promise.resolve(answer());
    },
    ensure: () => {
      calls.ensure++;
      return Promise.resolve(answer());
    },
  };
  return { setup: setup as unknown as CrmSetupCheck, calls };
}

function manualClock(): Clock & { advance(ms: number): void } {
  let now = 1_000_000;
  return {
    now: () => now,
    sleep: () => new Promise((r) => setTimeout(r, 5)),
    advance: (ms) => (now += ms),
  };
}

function gateOn(setup: CrmSetupCheck, clock: Clock, provisionOnStart = false) {
  const registry = new ReadinessRegistry();
  const env = { CRM_PROVISION_ON_START: provisionOnStart } as ConnectorEnv;
  const gate = new CrmSetupGate(setup, env, DEFAULT_TUNING, clock, registry);
  const probe = registry.probes.find((p) => p.name === 'crm-setup')!;
  return { gate, probe };
}

describe('the CRM set-up gate', () => {
  it('checks at start, fails readiness with the message, and asks the CRM again at most every 30 s', async () => {
    let answer = MISSING;
    const { setup, calls } = crm(() => answer);
    const clock = manualClock();
    const { gate, probe } = gateOn(setup, clock);
    await gate.onApplicationBootstrap();
    expect(calls).toEqual({ check: 1, ensure: 0 });
    await expect(probe.check()).rejects.toThrow(MISSING.message);
    clock.advance(29_000);
    await expect(probe.check()).rejects.toThrow(MISSING.message);
    expect(calls.check).toBe(1);
    // Someone ran `provision` meanwhile.
    answer = OK;
    clock.advance(1_000);
    await expect(probe.check()).resolves.toBeUndefined();
    expect(calls.check).toBe(2);
    // Once set up it stays so, without asking the CRM again.
    answer = MISSING;
    clock.advance(60_000);
    await expect(probe.check()).resolves.toBeUndefined();
    expect(calls.check).toBe(2);
  });

  it('provisions at start with CRM_PROVISION_ON_START=true', async () => {
    const { setup, calls } = crm(() => OK);
    const { gate, probe } = gateOn(setup, manualClock(), true);
    await gate.onApplicationBootstrap();
    expect(calls).toEqual({ check: 0, ensure: 1 });
    await expect(probe.check()).resolves.toBeUndefined();
  });

  it('says the CRM is not reachable when the check throws', async () => {
    const setup = {
      check: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9')),
    } as unknown as CrmSetupCheck;
    const { gate, probe } = gateOn(setup, manualClock());
    await gate.onApplicationBootstrap();
    await expect(probe.check()).rejects.toThrow('CRM not reachable: connect ECONNREFUSED 127.0.0.1:9');
  });

  it('holds commands until the CRM is set up, one check per interval while they wait', async () => {
    let answer = MISSING;
    const { setup, calls } = crm(() => answer);
    const clock = manualClock();
    const { gate } = gateOn(setup, clock);
    await gate.onApplicationBootstrap();
    let released = false;
    const waiting = gate.ready().then(() => (released = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(released).toBe(false);
    expect(calls.check).toBe(1);
    answer = OK;
    clock.advance(30_000);
    await waiting;
    expect(released).toBe(true);
    expect(calls.check).toBe(2);
    await expect(gate.ready()).resolves.toBeUndefined();
  });
});
