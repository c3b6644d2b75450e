import {
  Inject,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { RuntimeModule, type ServiceRuntime } from '@baton/platform';
import { Connector } from './connector.js';
import { HUBSPOT_WEBHOOK_SETTINGS, HubSpotWebhookController } from './hubspot/webhook.controller.js';

class ConnectorLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(@Inject(Connector) private readonly connector: Connector) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.connector.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.connector.stop();
  }
}

@Module({})
export class AppModule {
  static forRuntime(runtime: ServiceRuntime, connector: Connector): DynamicModule {
    return {
      module: AppModule,
      imports: [RuntimeModule.forRuntime(runtime)],
      controllers: connector.hubspot ? [HubSpotWebhookController] : [],
      providers: [
        { provide: Connector, useValue: connector },
        ...(connector.hubspot
          ? [{ provide: HUBSPOT_WEBHOOK_SETTINGS, useValue: connector.hubspot.webhook }]
          : []),
        ConnectorLifecycle,
      ],
    };
  }
}
