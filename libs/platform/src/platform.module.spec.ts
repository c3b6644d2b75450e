import { Module, type DynamicModule } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { BaseEnvSchema, type BaseEnv } from './config.js';
import { consumerEnvSchema } from './consumer-settings.js';
import { defineService, type ServiceDefinition } from './definition.js';
import { serviceModule } from './platform.module.js';
import { Releasers } from './releasers.js';

@Module({})
class OneFeature {}

@Module({})
class OtherFeature {}

/** Picks its features from a setting, as crm-connector picks its CRM. */
@Module({})
class ChosenFeatures {
  static readonly seen: BaseEnv[] = [];
  static forEnv(env: BaseEnv): DynamicModule {
    ChosenFeatures.seen.push(env);
    return { module: ChosenFeatures, imports: [env.LOG_LEVEL === 'debug' ? OneFeature : OtherFeature] };
  }
}

function contextOf(definition: ServiceDefinition, env: BaseEnv) {
  return {
    definition,
    env,
    consumer: consumerEnvSchema(definition.name).parse({}),
    policy: undefined,
    releasers: new Releasers(),
  };
}

const env = BaseEnvSchema.parse({
  KAFKA_BROKERS: '127.0.0.1:9092',
  DATABASE_URL: 'postgres://localhost/baton',
  LOG_LEVEL: 'debug',
});

describe("a service's root module", () => {
  it('imports the platform, then the features as the definition gives them', () => {
    const root = serviceModule(
      contextOf(
        defineService({ name: 'fixture', env: BaseEnvSchema, migrations: [], module: OneFeature }),
        env,
      ),
    );
    expect(root.imports?.[1]).toBe(OneFeature);
  });

  it('builds the features from the validated environment when the module has forEnv', () => {
    const root = serviceModule(
      contextOf(
        defineService({ name: 'fixture', env: BaseEnvSchema, migrations: [], module: ChosenFeatures }),
        env,
      ),
    );
    expect(ChosenFeatures.seen).toEqual([env]);
    expect(root.imports?.[1]).toEqual({ module: ChosenFeatures, imports: [OneFeature] });
  });
});
