import { Module } from '@nestjs/common';
import { LeadAssignedConsumer } from './assignments/lead-assigned.consumer.js';
import { DeliveryStore } from './database/delivery.store.js';
import { LeadStateStore } from './database/lead-state.store.js';
import { RepActionStore } from './database/rep-action.store.js';
import { SlaArmedConsumer } from './deadlines/sla-armed.consumer.js';
import { DeliveriesController } from './deliveries/deliveries.controller.js';
import { Dispatcher } from './delivery/dispatcher.js';
import { AlertRenderer } from './delivery/renderer.js';
import { SlaBreachedConsumer } from './escalations/sla-breached.consumer.js';
import { ActionLinkController } from './interactivity/action-link.controller.js';
import { RepActionsService } from './interactivity/rep-actions.service.js';
import { SlackInteractivityController } from './interactivity/slack-interactivity.controller.js';
import { EmailGateway } from './providers/email.gateway.js';
import { SlackGateway } from './providers/slack.gateway.js';
import { TeamsGateway } from './providers/teams.gateway.js';
import { LeadActivityConsumer } from './touches/lead-activity.consumer.js';

/**
 * The features of notification: alerts on assignments, escalations on breaches, deadlines and
 * touches kept, the reps' actions (Slack buttons, signed links), deliveries over HTTP; the
 * dispatcher and the provider gateways; the stores.
 */
@Module({
  controllers: [
    LeadAssignedConsumer,
    SlaBreachedConsumer,
    SlaArmedConsumer,
    LeadActivityConsumer,
    SlackInteractivityController,
    ActionLinkController,
    DeliveriesController,
  ],
  providers: [
    DeliveryStore,
    LeadStateStore,
    RepActionStore,
    AlertRenderer,
    Dispatcher,
    RepActionsService,
    SlackGateway,
    TeamsGateway,
    EmailGateway,
  ],
})
export class NotificationModule {}
