import type { CrmCommand } from '@baton/domain';
import type { SalesforceMapping } from '../policy/policy.js';
import type { SalesforceApi } from '../salesforce/salesforce-api.js';
import type { OwnWrite } from '../store/write-log.js';
import type { CrmWriter } from './crm-writer.js';
import { crmFieldChanges, plannedWrites, type UpdateLead } from './field-changes.js';

/** Baton's field changes as Salesforce Lead fields. */
export function salesforceFields(
  mapping: SalesforceMapping,
  cmd: UpdateLead,
): Record<string, string | number> {
  return crmFieldChanges(mapping, cmd);
}

export class SalesforceWriter implements CrmWriter {
  readonly provider = 'salesforce' as const;

  constructor(
    private readonly api: SalesforceApi,
    private readonly mapping: SalesforceMapping,
  ) {}

  plan(cmd: CrmCommand): OwnWrite[] {
    return plannedWrites(this.mapping, cmd);
  }

  async execute(cmd: CrmCommand): Promise<number> {
    const meter = { calls: 0 };
    switch (cmd.action) {
      case 'update_lead': {
        const fields = salesforceFields(this.mapping, cmd);
        if (Object.keys(fields).length) await this.api.updateLead(cmd.crm.id, fields, meter);
        break;
      }
      case 'create_task':
        await this.api.create(
          'Task',
          {
            WhoId: cmd.crm.id,
            Subject: cmd.task.subject,
            Description: cmd.task.body ?? '',
            Status: 'Not Started',
            Priority: 'High',
            ActivityDate: (cmd.task.dueAt ?? new Date().toISOString()).slice(0, 10),
            ...(cmd.task.ownerId ? { OwnerId: cmd.task.ownerId } : {}),
          },
          meter,
        );
        break;
      case 'enrol_nurture':
        await this.api.create(
          'CampaignMember',
          { CampaignId: cmd.program, LeadId: cmd.crm.id, Status: 'Sent' },
          meter,
        );
        break;
    }
    return meter.calls;
  }
}
