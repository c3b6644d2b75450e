import { Global, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { HealthModule } from './health.js';
import { ServiceRuntime } from './runtime.js';

class RuntimeShutdown implements OnApplicationShutdown {
  constructor(private readonly runtime: ServiceRuntime) {}
  async onApplicationShutdown(): Promise<void> {
    await this.runtime.stop();
  }
}

/**
 * Makes a started ServiceRuntime injectable (`constructor(private readonly runtime: ServiceRuntime)`),
 * serves /health/live, /health/ready and /metrics, and stops the runtime when Nest shuts down.
 * Feature modules register their consumers in onApplicationBootstrap and start them there.
 */
@Global()
@Module({})
export class RuntimeModule {
  static forRuntime(runtime: ServiceRuntime): DynamicModule {
    return {
      module: RuntimeModule,
      global: true,
      imports: [HealthModule.register(() => runtime.readiness())],
      providers: [
        { provide: ServiceRuntime, useValue: runtime },
        { provide: RuntimeShutdown, useFactory: () => new RuntimeShutdown(runtime) },
      ],
      exports: [ServiceRuntime],
    };
  }
}
