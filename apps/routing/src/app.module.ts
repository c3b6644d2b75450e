import { Module, type DynamicModule } from '@nestjs/common';
import { RuntimeModule, ServiceRuntime, type Clock } from '@baton/platform';
import { AssignmentController } from './assignment/assignment.controller.js';
import { AssignmentService } from './assignment/assignment.service.js';
import type { RoutingSettings } from './config.js';
import type { RoutingPolicy } from './policy/policy.js';
import { RosterController } from './roster/roster.controller.js';
import { RoutingConsumers } from './routing.consumers.js';
import { CLOCK, ROUTING_POLICY, ROUTING_SETTINGS } from './tokens.js';

@Module({})
export class AppModule {
  static forRuntime(
    runtime: ServiceRuntime,
    policy: RoutingPolicy,
    clock: Clock,
    settings: RoutingSettings,
    opts: { consume?: boolean } = {},
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [RuntimeModule.forRuntime(runtime)],
      controllers: [AssignmentController, RosterController],
      providers: [
        { provide: ROUTING_POLICY, useValue: policy },
        { provide: CLOCK, useValue: clock },
        { provide: ROUTING_SETTINGS, useValue: settings },
        { provide: AssignmentService, useFactory: () => new AssignmentService(runtime, policy, clock) },
        ...(opts.consume === false ? [] : [RoutingConsumers]),
      ],
    };
  }
}
