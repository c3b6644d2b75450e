import { resolve } from 'node:path';
import type { DynamicModule, NestApplicationOptions, Type } from '@nestjs/common';
import type { MigrationInterface } from 'typeorm';
import type { z } from 'zod';
import type { BaseEnv, DeprecatedEnv } from './config.js';
import type { ConsumerDefaults } from './consumer-settings.js';

/** Injection tokens of what every service has: `@Inject(SERVICE_ENV) env: ScoringEnv`. */
export const SERVICE_ENV = Symbol('SERVICE_ENV');
export const SERVICE_POLICY = Symbol('SERVICE_POLICY');
export const SERVICE_DEFINITION = Symbol('SERVICE_DEFINITION');
/** The clock (`Clock` from @baton/platform); tests override it with a ManualClock. */
export const CLOCK = Symbol('CLOCK');

/** A dedupe or log table pruned by age (BATON_RETENTION_DAYS, or its entry in BATON_RETENTION). */
export interface RetainedTable {
  table: string;
  timeColumn: string;
}

/** Features built from the validated environment (`forEnv` is called once per start). */
export interface ModuleOfEnv<Env> {
  forEnv(env: Env): Type | DynamicModule;
}

export interface PolicySpec<Env, Policy> {
  /** The sample policy shipped with the service (absolute), used when BATON_POLICY_DIR is not set. */
  bundledDir: string;
  /** Reads and validates every policy file of the directory; throws PolicyError naming file and key. */
  load(dir: string, env: Env): Policy;
}

/**
 * Everything that makes a Baton service, declared once and used by `main`, `migrate`, `validate`,
 * the CLI and the tests: its name (consumer group, CloudEvents source, schema, and the key of its
 * topics in the contract registry), its environment schema, its policy files, its migrations and
 * the Nest module holding its features.
 */
export interface ServiceDefinition<Env extends BaseEnv = BaseEnv, Policy = unknown> {
  name: string;
  env: z.ZodType<Env>;
  /** Old setting names still accepted for one release (old → new), with a warning. */
  deprecatedEnv?: DeprecatedEnv;
  policy?: PolicySpec<Env, Policy>;
  migrations: (new () => MigrationInterface)[];
  /** TypeORM entities describing the service's tables (typed rows for its stores). */
  entities?: Type[];
  /**
   * The features: controllers (HTTP and @EventPattern), stores, services. Where a setting chooses
   * the features (crm-connector's CRM_PROVIDER), a module with `static forEnv(env)`: the kit calls
   * it with the validated environment before Nest builds the module graph.
   */
  module: Type | DynamicModule | ModuleOfEnv<Env>;
  /** Defaults of the `<SERVICE>_CONSUMER_*` settings. */
  consumer?: ConsumerDefaults;
  /** Outbox rows published per relay round. */
  relayBatchSize?: number;
  /** Dedupe and log tables pruned by age, beside processed_event (every service has it). */
  retainedTables?: RetainedTable[];
  /** Nest application options (e.g. `bodyParser: false` where a controller reads the raw body). */
  http?: Pick<NestApplicationOptions, 'bodyParser' | 'rawBody'>;
}

export function defineService<Env extends BaseEnv, Policy = undefined>(
  definition: ServiceDefinition<Env, Policy>,
): ServiceDefinition<Env, Policy> {
  return definition;
}

/** BATON_POLICY_DIR (relative to the working directory) or the service's bundled sample policy. */
export function policyDirOf(
  definition: { policy?: { bundledDir: string } },
  env: Pick<BaseEnv, 'BATON_POLICY_DIR'>,
): string | undefined {
  if (env.BATON_POLICY_DIR) return resolve(env.BATON_POLICY_DIR);
  return definition.policy?.bundledDir;
}

/** The schema a service's tables live in: DATABASE_SCHEMA or its name. */
export function schemaOf(definition: { name: string }, env: BaseEnv): string {
  return env.DATABASE_SCHEMA ?? definition.name.replace(/-/g, '_');
}
