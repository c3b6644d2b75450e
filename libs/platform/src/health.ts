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
import { metricsRegistry } from '@baton/observability';
import { Public } from './http/auth.js';
import type { ReadinessProbe } from './runtime.js';

export const READINESS_PROBES = Symbol('READINESS_PROBES');

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
    // Absent where a runtime is served without the platform module (RuntimeModule).
    @Optional() private readonly registry?: ReadinessRegistry,
  ) {}

  /** Liveness: the process answers; restarts are for hung processes, not for a slow dependency. */
  @Get('health/live')
  live() {
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
      (() => ReadinessProbe[]) | { inject: unknown[]; useFactory: (...deps: never[]) => ReadinessProbe[] },
  ): DynamicModule {
    const provider =
      typeof probes === 'function'
        ? { provide: READINESS_PROBES, useFactory: probes }
        : { provide: READINESS_PROBES, inject: probes.inject as never[], useFactory: probes.useFactory };
    return { module: HealthModule, controllers: [HealthController], providers: [provider] };
  }
}
