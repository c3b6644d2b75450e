import { Inject, Injectable } from '@nestjs/common';
import type { CallMeter } from '../api-budget/retry.js';
import { SALESFORCE_MAPPING, type SalesforceMapping } from '../policy/policy.js';
import { SalesforceApi } from '../salesforce/salesforce-api.js';
import { MappedCrmWriter, taskText, type CreateTask, type EnrolNurture } from './crm-writer.js';
import { crmFieldChanges, type UpdateLead } from './field-changes.js';

@Injectable()
export class SalesforceWriter extends MappedCrmWriter<SalesforceApi, SalesforceMapping> {
  readonly provider = 'salesforce' as const;

  constructor(api: SalesforceApi, @Inject(SALESFORCE_MAPPING) mapping: SalesforceMapping) {
    super(api, mapping);
  }

  protected async updateLead(cmd: UpdateLead, meter: CallMeter): Promise<void> {
    // Salesforce Lead fields take Baton's field changes as they are.
    const fields = crmFieldChanges(this.mapping, cmd);
    if (Object.keys(fields).length) await this.api.updateLead(cmd.crm.id, fields, meter);
  }

  protected async createTask(cmd: CreateTask, meter: CallMeter): Promise<void> {
    const text = taskText(cmd.task);
    await this.api.create(
      'Task',
      {
        WhoId: cmd.crm.id,
        Subject: text.subject,
        Description: text.body,
        Status: 'Not Started',
        Priority: 'High',
        ActivityDate: (cmd.task.dueAt ?? new Date().toISOString()).slice(0, 10),
        ...(cmd.task.ownerId ? { OwnerId: cmd.task.ownerId } : {}),
      },
      meter,
    );
  }

  protected async enrolNurture(cmd: EnrolNurture, meter: CallMeter): Promise<void> {
    await this.api.create(
      'CampaignMember',
      { CampaignId: cmd.program, LeadId: cmd.crm.id, Status: 'Sent' },
      meter,
    );
  }
}
