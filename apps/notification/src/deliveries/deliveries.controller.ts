import { Controller, Get, Inject, NotFoundException, Param } from '@nestjs/common';
import { LeadIdParam, SERVICE_ENV, ZodParam } from '@baton/platform';
import type { NotificationEnv } from '../config/env.js';
import { DeliveryStore } from '../database/delivery.store.js';

/** A lead's deliveries — who was told what, on which channel, with what outcome (skipped ones with the reason). API token required. */
@Controller('leads')
export class DeliveriesController {
  constructor(
    private readonly store: DeliveryStore,
    @Inject(SERVICE_ENV) private readonly env: NotificationEnv,
  ) {}

  @Get(':leadId/notifications')
  async byLead(@Param('leadId', new ZodParam(LeadIdParam)) leadId: string) {
    const rows = await this.store.byLead(leadId, this.env.NOTIFICATION_HISTORY_LIMIT);
    if (rows.length === 0) throw new NotFoundException(`no notification for ${leadId}`);
    return {
      leadId,
      notifications: rows.map((r) => ({
        id: r.id,
        purpose: r.purpose,
        channel: r.channel,
        recipient: r.recipient,
        status: r.status,
        attempts: r.attempts,
        assignmentId: r.assignmentId,
        providerMessageId: r.providerMessageId,
        error: r.error,
        dueAt: r.dueAt,
        sentAt: r.sentAt,
        createdAt: r.createdAt,
      })),
    };
  }
}
