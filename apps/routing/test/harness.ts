import type { BaseEnv } from '@baton/platform';
import { ServiceRuntime } from '@baton/platform';
import { AssignmentService } from '../src/assignment/assignment.service.js';
import type { Clock } from '../src/clock.js';
import { RoutingTables1763900000000 } from '../src/database/routing.migration.js';
import type { RoutingPolicy } from '../src/policy/policy.js';
import { seedRoster } from '../src/roster/roster.store.js';
import { routingConsumer } from '../src/routing.consumers.js';
import { ROUTING_TOPICS } from '../src/routing.topics.js';

export interface RoutingInstance {
  runtime: ServiceRuntime;
  service: AssignmentService;
  stop(): Promise<void>;
}

/** One routing replica on the real broker and Postgres, wired exactly as main.ts wires it (minus HTTP). */
export async function startRouting(
  env: BaseEnv,
  policy: RoutingPolicy,
  clock: Clock,
  opts: { consume?: boolean; relay?: boolean; maxBatch?: number } = {},
): Promise<RoutingInstance> {
  const runtime = await ServiceRuntime.start({
    service: 'routing',
    env,
    topics: ROUTING_TOPICS,
    migrations: [RoutingTables1763900000000],
    relay: opts.relay,
  });
  await runtime.transaction((em) => seedRoster(em, policy));
  const service = new AssignmentService(runtime, policy, clock);
  if (opts.consume !== false) {
    await routingConsumer(runtime, service, { maxBatch: opts.maxBatch ?? 500 }, { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 500 }).start();
  }
  return { runtime, service, stop: () => runtime.stop() };
}
