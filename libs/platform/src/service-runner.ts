import 'reflect-metadata';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { NestMicroservice } from '@nestjs/microservices';
import { JsonLogger } from '@baton/observability';
import { openServiceDatabase } from '@baton/persistence';
import { BaseEnvSchema, ConfigError, applyDeprecatedEnv, loadEnv, type BaseEnv } from './config.js';
import { consumerEnvSchema, type ConsumerSettings } from './consumer-settings.js';
import { policyDirOf, schemaOf, type ServiceDefinition } from './definition.js';
import { KafkaTransport, RethrowRpcErrors } from './kafka-transport.js';
import { StartupState, retentionRules, serviceModule, type ServiceContext } from './platform.module.js';
import { PolicyError } from './policy.js';
import { Releasers } from './releasers.js';
import { ServiceRuntime } from './runtime.js';

type AnyDefinition = ServiceDefinition<BaseEnv, unknown>;

/**
 * Validates the environment — the service's schema, its `<SERVICE>_CONSUMER_*` settings and the
 * API auth rule, every bad key named at once; old setting names mapped, with a warning — and loads
 * the policy (BATON_POLICY_DIR or the bundled sample).
 */
export function prepareService<Env extends BaseEnv, Policy>(
  definition: ServiceDefinition<Env, Policy>,
  rawEnv: NodeJS.ProcessEnv = process.env,
  releasers = new Releasers(),
): ServiceContext<Env, Policy> {
  const log = new JsonLogger(definition.name);
  const raw = applyDeprecatedEnv(rawEnv, definition.deprecatedEnv, (m) => log.warn(m));
  const problems: string[] = [];
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
      return undefined;
    }
  };
  const env = attempt(() => loadEnv(definition.env, raw) as Env);
  const consumer = attempt(() => loadEnv(consumerEnvSchema(definition.name, definition.consumer), raw));
  // Judged on the raw values too, so it is reported beside other bad keys.
  if ((raw.BATON_API_AUTH ?? 'token') === 'token' && !raw.BATON_API_TOKEN) {
    problems.push(
      'BATON_API_TOKEN: is required unless BATON_API_AUTH=ingress (the ingress authenticates) or off (local use only)',
    );
  }
  if (env) attempt(() => retentionRules(definition.retainedTables ?? [], env));
  if (!env || !consumer || problems.length > 0) throw new ConfigError(problems);
  const dir = policyDirOf(definition, env);
  const policy = (definition.policy && dir ? definition.policy.load(dir, env) : undefined) as Policy;
  return { definition, env, consumer, policy, releasers };
}

export interface BootOptions {
  port: number;
  host?: string;
  /** Start the Kafka handlers (default); tools that only serve HTTP or read set false. */
  consume?: boolean;
}

export interface BootedService<Env extends BaseEnv = BaseEnv> {
  app: INestApplication;
  env: Env;
  /** The resolved `<SERVICE>_CONSUMER_*` settings. */
  consumerSettings: ConsumerSettings;
  runtime: ServiceRuntime;
  transport?: KafkaTransport;
  /** Where HTTP listens (`http://127.0.0.1:<port>`). */
  url: string;
  port: number;
}

/**
 * The one way a service comes up, in main and in tests. HTTP listens first, before anything else
 * starts: /health/live answers from the first moment and /health/ready says "starting" (so a slow
 * database or broker never looks like a hung process). Then the Nest application over the
 * service's module (its runtime starting inside Nest's container), its routes attached to the
 * listening server, then the Kafka handlers as a NestJS microservice. Every piece registers with
 * `ctx.releasers`; on a failure the caller releases them.
 */
export async function bootService<Env extends BaseEnv>(
  ctx: ServiceContext<Env, unknown>,
  createApp: (module: DynamicModule, adapter: ExpressAdapter) => Promise<INestApplication>,
  opts: BootOptions,
): Promise<BootedService<Env>> {
  const definition = ctx.definition as unknown as AnyDefinition;
  const log = new JsonLogger(definition.name);
  const adapter = new ExpressAdapter();
  let started = false;
  adapter
    .getInstance()
    .use((req: IncomingMessage & { path: string }, res: ServerResponse, next: () => void) => {
      if (started) return next();
      if (req.path === '/health/live' || req.path === '/health/ready') {
        const live = req.path === '/health/live';
        res.writeHead(live ? 200 : 503, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(
            live ? { status: 'ok' } : { status: 'unavailable', checks: { startup: 'down: still starting' } },
          ),
        );
        return;
      }
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify({ statusCode: 503, message: 'starting' }));
    });
  const server = createServer(adapter.getInstance());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  ctx.releasers.add('http server', () => closeServer(server));
  const address = server.address();
  const port = address && typeof address === 'object' ? address.port : opts.port;
  log.info('listening', { port });

  const app = await createApp(serviceModule(ctx as unknown as ServiceContext<BaseEnv, unknown>), adapter);
  ctx.releasers.add('nest application', () => app.close());
  const runtime = app.get(ServiceRuntime);
  let transport: KafkaTransport | undefined;
  if (opts.consume !== false) {
    transport = new KafkaTransport(definition.name, () => runtime, ctx.consumer);
    // Listeners are created with the filters in force at registration: register them ourselves,
    // after the filter that hands handler errors to the consumer as thrown (PermanentError stays
    // permanent). Its own config: HTTP's filters and guards are not the consumer's.
    const microservice = app.connectMicroservice(
      { strategy: transport },
      { inheritAppConfig: false, deferInitialization: true },
    ) as unknown as NestMicroservice;
    microservice.useGlobalFilters(new RethrowRpcErrors());
    microservice.registerListeners();
    microservice.setIsInitialized(true);
    microservice.setIsInitHookCalled(true);
  }
  await app.init();
  started = true;
  if (transport) await app.startAllMicroservices();
  app.get(StartupState).started = true;
  log.info('started', { consuming: transport?.declaredTopics() ?? [] });
  return {
    app,
    env: ctx.env,
    consumerSettings: ctx.consumer,
    runtime,
    transport,
    port,
    url: `http://127.0.0.1:${port}`,
  };
}

/** Stops accepting, then ends idle keep-alive connections so close() does not wait on them. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2_000).unref();
  });
}

/** Bounds a stop: drain what can be drained, then leave. */
const STOP_DEADLINE_MS = 10_000;

/**
 * main.ts of every service: `await runService(scoringService)`. A configuration or policy error
 * exits 78 naming the key; any other start-up failure releases, in reverse order, what was
 * started and exits 1 with the cause. SIGTERM / SIGINT stop gracefully within 10 s.
 */
export async function runService<Env extends BaseEnv, Policy>(
  definition: ServiceDefinition<Env, Policy>,
): Promise<void> {
  const log = new JsonLogger(definition.name);
  const releasers = new Releasers();
  const leave = async (code: number) => {
    setTimeout(() => process.exit(code), STOP_DEADLINE_MS).unref();
    await releasers.releaseAll();
    process.exit(code);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info('stopping', { signal });
      void leave(0);
    });
  }
  try {
    const ctx = prepareService(definition, process.env, releasers);
    await bootService(
      ctx,
      (module, adapter) =>
        NestFactory.create(module, adapter, {
          logger: new JsonLogger(definition.name),
          abortOnError: false,
          ...definition.http,
        }),
      { port: ctx.env.PORT },
    );
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PolicyError) {
      log.error(err.message);
      await leave(78);
    }
    log.error('failed to start; releasing what was started', { error: err as Error });
    await leave(1);
  }
}

/**
 * migrate.ts of every service: applies the pending migrations to the service's schema (under the
 * migration lock) and exits. Needs only DATABASE_URL / DATABASE_SCHEMA.
 */
export async function migrateService(definition: { name: string; migrations: AnyDefinition['migrations'] }) {
  await runCommand(`${definition.name}.migrate`, async () => {
    const env = loadEnv(BaseEnvSchema.pick({ DATABASE_URL: true, DATABASE_SCHEMA: true })) as BaseEnv;
    const schema = schemaOf(definition, env);
    const db = await openServiceDatabase({
      url: env.DATABASE_URL,
      schema,
      migrations: definition.migrations,
    });
    try {
      const rows: { name: string }[] = await db.query(`SELECT name FROM ${schema}.migrations ORDER BY id`);
      new JsonLogger(`${definition.name}.migrate`).info('schema is current', {
        schema,
        migrations: rows.map((r) => r.name),
      });
    } finally {
      await db.destroy();
    }
    return 0;
  });
}

/**
 * The one ending of every command line tool: the exit code `main` returns; a configuration error
 * prints its message and exits 78, a policy error likewise (exit `policyErrorExit`, 78 unless the
 * tool says otherwise); anything else is logged with its cause and exits 1.
 */
export async function runCommand(
  name: string,
  main: () => number | Promise<number>,
  opts: { policyErrorExit?: number } = {},
): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PolicyError) {
      console.error(err.message);
      process.exitCode = err instanceof PolicyError ? (opts.policyErrorExit ?? 78) : 78;
    } else {
      new JsonLogger(name).error('command failed', { error: err as Error });
      process.exitCode = 1;
    }
  }
}

/**
 * The `validate` command of every service: checks the policy directory given as the first
 * argument, else BATON_POLICY_DIR, else the bundled sample; prints what `check` reports and exits
 * 0, or prints the file and every bad key and exits 1.
 */
export async function validatePolicyCommand(
  name: string,
  bundledDir: string,
  check: (dir: string) => string,
): Promise<void> {
  await runCommand(
    `${name}.validate`,
    () => {
      console.log(check(process.argv[2] ?? process.env.BATON_POLICY_DIR ?? bundledDir));
      return 0;
    },
    { policyErrorExit: 1 },
  );
}
