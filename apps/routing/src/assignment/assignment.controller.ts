import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { LeadIdParam, ZodParam } from '@baton/platform';
import { AssignmentStore } from '../database/assignment.store.js';
import { assignmentAnswer, type AssignmentAnswer } from './assignment.history.js';

@Controller('leads')
export class AssignmentController {
  constructor(private readonly assignments: AssignmentStore) {}

  /** "Why did I get this lead?" */
  @Get(':leadId/assignment')
  async assignment(@Param('leadId', new ZodParam(LeadIdParam)) leadId: string): Promise<AssignmentAnswer> {
    const answer = assignmentAnswer(leadId, await this.assignments.history(leadId));
    if (!answer) throw new NotFoundException(`lead ${leadId} has no assignment`);
    return answer;
  }
}
