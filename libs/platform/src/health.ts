import {
  Controller,
  Get,
  Header,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  Module,
  Optional,
  type DynamicModule,
} from '@nestjs/common';
import { counter, metricsRegistry } from '@baton/observability';
import { Public } from './http/auth.js';
import type { ReadinessProbe } from './runtime.js';

export const READINESS_PROBES = Symbol('READINESS_PROBES');
/** Problems that only a restart cures (a consumer stopped for good): liveness fails on them. */
export const LIVENESS_CHECK = Symbol('LIVENESS_CHECK');

const notReady = counter('baton_not_ready_total', 'Readiness checks that failed, by probe', ['probe']);

/**
 * Readiness probes a service's features add beside the platform's (startup, database, kafka):
 * `registry.add({ name: 'crm-setup', check })` from a provider's constructor or onModuleInit.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly added: ReadinessProbe[] = [];

  add(probe: ReadinessProbe): void {
    this.added.push(probe);
  }

  get probes(): readonly ReadinessProbe[] {
    return this.added;
  }
}

@Public()
@Controller()
export class HealthController {
  constructor(
    @Inject(READINESS_PROBES) private readonly probes: ReadinessProbe[],
    // Absent where health is served without the platform module.
    @Optional() private readonly registry?: ReadinessRegistry,
    @Optional() @Inject(LIVENESS_CHECK) private readonly liveness?: () => string[],
  ) {}

  /**
   * Liveness: the process answers; restarts are for hung or broken processes, not for a slow
   * dependency (that is readiness).
   */
  @Get('health/live')
  live() {
    const problems = this.liveness?.() ?? [];
    if (problems.length > 0)
      throw new HttpException({ status: 'broken', problems }, HttpStatus.SERVICE_UNAVAILABLE);
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready() {
    const checks: Record<string, string> = {};
    let ok = true;
    await Promise.all(
      [...this.probes, ...(this.registry?.probes ?? [])].map(async (p) => {
        try {
          await p.check();
          checks[p.name] = 'up';
        } catch (err) {
          ok = false;
          notReady.inc({ probe: p.name });
          checks[p.name] = `down: ${(err as Error).message}`;
        }
      }),
    );
    if (!ok) throw new HttpException({ status: 'unavailable', checks }, HttpStatus.SERVICE_UNAVAILABLE);
    return { status: 'ok', checks };
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4')
  metrics() {
    return metricsRegistry.metrics();
  }
}

@Module({})
export class HealthModule {
  static register(
    probes:
      | (() => ReadinessProbe[])
      | {
          inject: unknown[];
          useFactory: (...deps: never[]) => ReadinessProbe[];
          liveness?: (...deps: never[]) => string[];
        },
  ): DynamicModule {
    if (typeof probes === 'function') {
      return {
        module: HealthModule,
        controllers: [HealthController],
        providers: [{ provide: READINESS_PROBES, useFactory: probes }],
      };
    }
    const inject = probes.inject as never[];
    const live = probes.liveness;
    return {
      module: HealthModule,
      controllers: [HealthController],
      providers: [
        { provide: READINESS_PROBES, inject, useFactory: probes.useFactory },
        ...(live
          ? [
              {
                provide: LIVENESS_CHECK,
                inject,
                useFactory:
                  (...deps: never[]) =>
                  () =>
                    live(...deps),
              },
            ]
          : []),
      ],
    };
  }
}
