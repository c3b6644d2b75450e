import { Controller, Get, Inject, NotFoundException, Param } from '@nestjs/common';
import { Topics } from '@baton/domain';
import { LeadIdParam, SERVICE_ENV, ZodParam } from '@baton/platform';
import type { NotificationEnv } from '../config/env.js';
import { LeadAssignedStore } from '../database/lead-assigned.store.js';

/**
 * A lead's lead.assigned.v1 events, as notification recorded them. The API token is required, as on
 * every route not marked @Public().
 */
@Controller('leads')
export class LeadAssignedController {
  constructor(
    private readonly store: LeadAssignedStore,
    @Inject(SERVICE_ENV) private readonly env: NotificationEnv,
  ) {}

  @Get(':leadId/lead-assigned')
  async byLead(@Param('leadId', new ZodParam(LeadIdParam)) leadId: string) {
    const events = await this.store.byLead(leadId, this.env.NOTIFICATION_HISTORY_LIMIT);
    if (events.length === 0)
      throw new NotFoundException(`no ${Topics.LeadAssigned} event handled for ${leadId}`);
    return { leadId, events };
  }
}
