import { Global, Injectable, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { Housekeeper, PROCESSED_EVENT_RETENTION } from '@baton/persistence';
import { topicsOf } from '@baton/domain';
import { systemClock } from './clock.js';
import { ConfigError, type BaseEnv } from './config.js';
import type { ConsumerSettings } from './consumer-settings.js';
import {
  CLOCK,
  SERVICE_DEFINITION,
  SERVICE_ENV,
  SERVICE_POLICY,
  schemaOf,
  type RetainedTable,
  type ServiceDefinition,
} from './definition.js';
import { HealthModule, ReadinessRegistry } from './health.js';
import { ApiAuthGuard } from './http/auth.js';
import { HttpErrorFilter } from './http/errors.js';
import type { Releasers } from './releasers.js';
import { ServiceRuntime, type ReadinessProbe } from './runtime.js';

/** What a service is started with: its definition, validated environment and policy, and the releasers of its start. */
export interface ServiceContext<Env extends BaseEnv = BaseEnv, Policy = unknown> {
  definition: ServiceDefinition<Env, Policy>;
  env: Env;
  /** The `<SERVICE>_CONSUMER_*` settings. */
  consumer: ConsumerSettings;
  policy: Policy;
  releasers: Releasers;
  /** Tests: run without the outbox relay (to hold events in the outbox). */
  relay?: boolean;
}

/** Whether start-up has finished (every consumer started): readiness is false before. */
@Injectable()
export class StartupState {
  started = false;
}

/**
 * The platform half of every service, global: the service's env, policy and clock as providers,
 * its runtime (database migrated, topics of the contract registry provisioned, outbox relay
 * running), its DataSource for stores, the API token guard on every HTTP route, /health and
 * /metrics. Everything it starts is registered with the start's releasers.
 */
@Global()
@Module({})
export class PlatformModule {
  static forService(ctx: ServiceContext<BaseEnv, unknown>): DynamicModule {
    const { definition, env } = ctx;
    return {
      module: PlatformModule,
      global: true,
      imports: [
        HealthModule.register({
          inject: [ServiceRuntime, StartupState],
          liveness: (runtime: ServiceRuntime) =>
            runtime.deadConsumers().map((g) => `consumer ${g} stopped for good`),
          useFactory: (runtime: ServiceRuntime, state: StartupState): ReadinessProbe[] => [
            {
              name: 'startup',
              check: () => (state.started ? Promise.resolve() : Promise.reject(new Error('still starting'))),
            },
            ...runtime.readiness(),
          ],
        }),
      ],
      providers: [
        { provide: SERVICE_DEFINITION, useValue: definition },
        { provide: SERVICE_ENV, useValue: env },
        { provide: SERVICE_POLICY, useValue: ctx.policy },
        { provide: CLOCK, useValue: systemClock },
        StartupState,
        ReadinessRegistry,
        {
          provide: ServiceRuntime,
          useFactory: async () => {
            const runtime = await ServiceRuntime.start({
              service: definition.name,
              env: { ...env, DATABASE_SCHEMA: schemaOf(definition, env) },
              topics: topicsOf(definition.name),
              entities: definition.entities,
              migrations: definition.migrations,
              relayBatchSize: definition.relayBatchSize,
              relay: ctx.relay,
              readyRelayFailures: env.BATON_READY_RELAY_FAILURES,
              readyOutboxAgeMs: env.BATON_READY_OUTBOX_AGE_SECONDS * 1000,
            });
            ctx.releasers.add('runtime', () => runtime.stop());
            return runtime;
          },
        },
        {
          provide: DataSource,
          inject: [ServiceRuntime],
          useFactory: (runtime: ServiceRuntime) => runtime.db,
        },
        {
          provide: Housekeeper,
          inject: [ServiceRuntime],
          useFactory: (runtime: ServiceRuntime) => {
            const housekeeper = new Housekeeper({
              url: env.DATABASE_URL,
              schema: runtime.schema,
              tables: retentionRules(definition.retainedTables ?? [], env),
            });
            housekeeper.start();
            ctx.releasers.add('housekeeping', () => housekeeper.stop());
            return housekeeper;
          },
        },
        { provide: APP_GUARD, useClass: ApiAuthGuard },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
      exports: [
        SERVICE_DEFINITION,
        SERVICE_ENV,
        SERVICE_POLICY,
        CLOCK,
        StartupState,
        ReadinessRegistry,
        ServiceRuntime,
        DataSource,
        Housekeeper,
      ],
    };
  }
}

/** The root module of a service: the platform, then the service's features. */
export function serviceModule(ctx: ServiceContext<BaseEnv, unknown>): DynamicModule {
  class BatonService {}
  Object.defineProperty(BatonService, 'name', { value: `${ctx.definition.name}-service` });
  Module({})(BatonService);
  const features = ctx.definition.module;
  return {
    module: BatonService,
    imports: [PlatformModule.forService(ctx), 'forEnv' in features ? features.forEnv(ctx.env) : features],
  };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** processed_event and the service's retained tables, each with BATON_RETENTION_DAYS or its own entry in BATON_RETENTION. */
export function retentionRules(tables: readonly RetainedTable[], env: BaseEnv) {
  const all = [PROCESSED_EVENT_RETENTION, ...tables];
  const unknown = Object.keys(env.BATON_RETENTION).filter((t) => !all.some((r) => r.table === t));
  if (unknown.length > 0) {
    throw new ConfigError([
      `BATON_RETENTION: ${unknown.join(', ')} not pruned by this service (its tables: ${all.map((r) => r.table).join(', ')})`,
    ]);
  }
  return all.map((r) => ({
    table: r.table,
    timeColumn: r.timeColumn,
    retentionMs: (env.BATON_RETENTION[r.table] ?? env.BATON_RETENTION_DAYS) * DAY_MS,
  }));
}
