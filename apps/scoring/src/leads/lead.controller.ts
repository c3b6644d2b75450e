import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { LeadIdParam, ZodParam } from '@baton/platform';
import { LeadStore } from '../database/lead.store.js';

export interface LeadHistory {
  leadId: string;
  stage: string;
  score: number;
  qualificationCount: number;
  stageChanges: {
    from: string;
    to: string;
    cause: string;
    causeEventId: string | null;
    score: number;
    rulesVersion: string;
    changedAt: string;
  }[];
  qualifications: {
    qualificationId: string;
    score: number;
    summary: string;
    openingLine: string | null;
    claims: unknown;
    writtenBy: string;
    qualifiedAt: string;
  }[];
}

/** "Why is this lead an SQL?": its stage history with causes, and each qualification's brief with its evidence. */
@Controller('leads')
export class LeadController {
  constructor(private readonly leads: LeadStore) {}

  @Get(':leadId')
  async history(@Param('leadId', new ZodParam(LeadIdParam)) leadId: string): Promise<LeadHistory> {
    const found = await this.leads.record(leadId);
    if (!found) throw new NotFoundException(`no lead ${leadId}`);
    const { lead, stageChanges, qualifications } = found;
    return {
      leadId,
      stage: lead.stage,
      score: lead.score,
      qualificationCount: lead.qualificationCount,
      stageChanges: stageChanges.map((c) => ({
        from: c.fromStage,
        to: c.toStage,
        cause: c.cause,
        causeEventId: c.causeEventId,
        score: c.score,
        rulesVersion: c.rulesVersion,
        changedAt: c.changedAt.toISOString(),
      })),
      qualifications: qualifications.map((q) => ({
        qualificationId: q.qualificationId,
        score: q.score,
        summary: q.summary,
        openingLine: q.openingLine,
        claims: q.claims,
        writtenBy: q.writtenBy,
        qualifiedAt: q.qualifiedAt.toISOString(),
      })),
    };
  }
}
