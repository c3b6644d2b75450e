import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { ServiceRuntime } from '@baton/platform';
import { assignmentHistory, type AssignmentAnswer } from './assignment.history.js';

@Controller('leads')
export class AssignmentController {
  constructor(private readonly runtime: ServiceRuntime) {}

  /** "Why did I get this lead?" */
  @Get(':leadId/assignment')
  async assignment(@Param('leadId') leadId: string): Promise<AssignmentAnswer> {
    const answer = await assignmentHistory(this.runtime.db.manager, leadId);
    if (!answer) throw new NotFoundException(`lead ${leadId} has no assignment`);
    return answer;
  }
}
