import { Test } from '@nestjs/testing';
import { JsonLogger } from '@baton/observability';
import {
  Releasers,
  bootService,
  prepareService,
  type BaseEnv,
  type BootedService,
  type ServiceDefinition,
} from '@baton/platform';
import { withKafkaRetry } from './topics.js';
import { dropSchema, isolatedEnv, type TestEnv } from '@baton/testing';

/** The API token every test service requires (tests send it with `service.fetch`). */
export const TEST_API_TOKEN = 'test-api-token-0123456789';

export interface TestServiceOptions {
  /** Isolation (topic prefix, schema, broker, database); a fresh isolatedEnv by default. */
  base?: TestEnv;
  /** Environment variables as the process would get them, over the base (e.g. `SCORING_CONSUMER_BATCH`). */
  env?: Record<string, string | undefined>;
  /** Replaces the policy loaded from the policy directory. */
  policy?: unknown;
  /** Providers replaced in Nest's container: a ManualClock for CLOCK, a fake of a SaaS client… */
  providers?: { provide: unknown; useValue: unknown }[];
  /** Start the Kafka handlers (default true). */
  consume?: boolean;
  /** Run the outbox relay (default true); off, committed events stay in the outbox. */
  relay?: boolean;
  /** Drop the schema when the service stops (default false: tests often restart on the same schema). */
  dropSchemaOnStop?: boolean;
}

export interface TestService<Env extends BaseEnv = BaseEnv> extends BootedService<Env> {
  /** Anything from the service's container: `service.get(AssignmentStore)`. */
  get<T>(token: unknown): T;
  /** fetch against the service, with the API token. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Releases everything the service started, last first (idempotent). */
  stop(): Promise<void>;
}

/** Environment values as strings, the way a process receives them. */
export function toEnvStrings(env: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env))
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(',') : String(v);
  return out;
}

/** The environment a test service gets: the isolated base, the test API token, then the overrides. */
export function testEnvOf(base: TestEnv, vars: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const raw: NodeJS.ProcessEnv = {
    ...toEnvStrings(base),
    BATON_API_AUTH: 'token',
    BATON_API_TOKEN: TEST_API_TOKEN,
  };
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete raw[k];
    else raw[k] = v;
  }
  return raw;
}

/**
 * Starts a service exactly as main.ts does — same definition, same module, same transport, same
 * start order — inside `@nestjs/testing`'s TestingModule, so any provider can be replaced (the clock,
 * a SaaS fake), on the real broker and Postgres, HTTP on a free port of 127.0.0.1.
 */
export async function startTestService<Env extends BaseEnv, Policy>(
  definition: ServiceDefinition<Env, Policy>,
  opts: TestServiceOptions = {},
): Promise<TestService<Env>> {
  const base = opts.base ?? isolatedEnv(definition.name);
  const releasers = new Releasers();
  const ctx = prepareService(definition, testEnvOf(base, opts.env), releasers);
  if (opts.policy !== undefined) ctx.policy = opts.policy as Policy;
  if (opts.relay === false) ctx.relay = false;
  if (opts.dropSchemaOnStop && ctx.env.DATABASE_SCHEMA) {
    const schema = ctx.env.DATABASE_SCHEMA;
    releasers.add('test schema', () => dropSchema(schema));
  }
  try {
    const booted = await withKafkaRetry(
      () =>
        bootService(
          ctx,
          async (module, adapter) => {
            let builder = Test.createTestingModule({ imports: [module] });
            for (const o of opts.providers ?? [])
              builder = builder.overrideProvider(o.provide).useValue(o.useValue);
            const moduleRef = await builder.compile();
            return moduleRef.createNestApplication(adapter, {
              logger: new JsonLogger(`test.${definition.name}`),
              ...definition.http,
            });
          },
          { port: 0, host: '127.0.0.1', consume: opts.consume },
        ),
      3,
    );
    return {
      ...booted,
      get: <T>(token: unknown) => booted.app.get(token as never) as T,
      fetch: (path, init = {}) =>
        fetch(`${booted.url}${path}`, {
          ...init,
          headers: { authorization: `Bearer ${TEST_API_TOKEN}`, ...(init.headers as Record<string, string>) },
        }),
      stop: () => releasers.releaseAll(),
    };
  } catch (err) {
    await releasers.releaseAll();
    throw err;
  }
}
