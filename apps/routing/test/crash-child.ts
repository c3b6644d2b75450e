/**
 * A routing replica in its own process for the crash test: decides and commits, but its outbox
 * relay is off, so whatever it decided is still unpublished when the test kills it (SIGKILL).
 */
import type { TestEnv } from '@baton/testing';
import { ManualClock } from '@baton/platform';
import { testPolicy } from './fixtures.js';
import { startRouting } from './harness.js';

const env = JSON.parse(process.env.ROUTING_TEST_ENV ?? '{}') as TestEnv;
await startRouting(env, testPolicy(), new ManualClock(new Date('2026-11-23T15:00:00Z')), {
  relay: false,
  sessionTimeoutMs: 6_000,
});
process.stdout.write('ready\n');
// Stays up until killed; a short session lets the group notice the death sooner.
setInterval(() => undefined, 60_000);
