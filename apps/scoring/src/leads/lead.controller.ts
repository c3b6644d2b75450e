import { Controller, Get, Inject, NotFoundException, Param } from '@nestjs/common';
import { ServiceRuntime } from '@baton/platform';

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
  constructor(@Inject(ServiceRuntime) private readonly runtime: ServiceRuntime) {}

  @Get(':leadId')
  async history(@Param('leadId') leadId: string): Promise<LeadHistory> {
    const [lead]: { stage: string; score: number; qualification_count: number }[] =
      await this.runtime.db.query(`SELECT stage, score, qualification_count FROM lead WHERE lead_id = $1`, [
        leadId,
      ]);
    if (!lead) throw new NotFoundException(`no lead ${leadId}`);
    const changes: {
      from_stage: string;
      to_stage: string;
      cause: string;
      cause_event_id: string | null;
      score: number;
      rules_version: string;
      changed_at: Date;
    }[] = await this.runtime.db.query(`SELECT * FROM stage_change WHERE lead_id = $1 ORDER BY id`, [leadId]);
    const qualifications: {
      qualification_id: string;
      score: number;
      summary: string;
      opening_line: string | null;
      claims: unknown;
      written_by: string;
      qualified_at: Date;
    }[] = await this.runtime.db.query(`SELECT * FROM qualification WHERE lead_id = $1 ORDER BY seq`, [
      leadId,
    ]);
    return {
      leadId,
      stage: lead.stage,
      score: lead.score,
      qualificationCount: lead.qualification_count,
      stageChanges: changes.map((c) => ({
        from: c.from_stage,
        to: c.to_stage,
        cause: c.cause,
        causeEventId: c.cause_event_id,
        score: c.score,
        rulesVersion: c.rules_version,
        changedAt: c.changed_at.toISOString(),
      })),
      qualifications: qualifications.map((q) => ({
        qualificationId: q.qualification_id,
        score: q.score,
        summary: q.summary,
        openingLine: q.opening_line,
        claims: q.claims,
        writtenBy: q.written_by,
        qualifiedAt: q.qualified_at.toISOString(),
      })),
    };
  }
}
