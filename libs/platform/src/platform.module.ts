import {
  Global,
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { topicsOf } from '@baton/domain';
import { systemClock } from './clock.js';
import type { BaseEnv } from './config.js';
import type { ConsumerSettings } from './consumer-settings.js';
import {
  CLOCK,
  SERVICE_DEFINITION,
  SERVICE_ENV,
  SERVICE_POLICY,
  schemaOf,
  type ServiceDefinition,
} from './definition.js';
import { HealthModule } from './health.js';
import { ApiAuthGuard } from './http/auth.js';
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
}

/** Whether start-up has finished (every consumer started): readiness is false before. */
@Injectable()
export class StartupState {
  started = false;
}

@Injectable()
class RuntimeShutdown implements OnApplicationShutdown {
  constructor(@Inject(ServiceRuntime) private readonly runtime: ServiceRuntime) {}
  async onApplicationShutdown(): Promise<void> {
    await this.runtime.stop();
  }
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
        RuntimeShutdown,
        { provide: APP_GUARD, useClass: ApiAuthGuard },
      ],
      exports: [
        SERVICE_DEFINITION,
        SERVICE_ENV,
        SERVICE_POLICY,
        CLOCK,
        StartupState,
        ServiceRuntime,
        DataSource,
      ],
    };
  }
}

/** The root module of a service: the platform, then the service's features. */
export function serviceModule(ctx: ServiceContext<BaseEnv, unknown>): DynamicModule {
  class BatonService {}
  Object.defineProperty(BatonService, 'name', { value: `${ctx.definition.name}-service` });
  Module({})(BatonService);
  return { module: BatonService, imports: [PlatformModule.forService(ctx), ctx.definition.module] };
}
