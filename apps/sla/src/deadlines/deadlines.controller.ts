import { Controller, Get, Inject, NotFoundException, Param } from '@nestjs/common';
import { Topics } from '@baton/domain';
import { LeadIdParam, SERVICE_ENV, ZodParam } from '@baton/platform';
import type { SlaEnv } from '../config/env.js';
import { DeadlinesStore } from '../database/deadlines.store.js';

/**
 * A lead's lead.activity.v1 events, as sla recorded them. The API token is required, as on
 * every route not marked @Public().
 */
@Controller('leads')
export class DeadlinesController {
  constructor(
    private readonly store: DeadlinesStore,
    @Inject(SERVICE_ENV) private readonly env: SlaEnv,
  ) {}

  @Get(':leadId/deadlines')
  async byLead(@Param('leadId', new ZodParam(LeadIdParam)) leadId: string) {
    const events = await this.store.byLead(leadId, this.env.SLA_HISTORY_LIMIT);
    if (events.length === 0)
      throw new NotFoundException(`no ${Topics.LeadActivity} event handled for ${leadId}`);
    return { leadId, events };
  }
}
