import type { CrmCommand } from '@baton/domain';
import type { HubSpotApi } from '../hubspot/hubspot-api.js';
import type { HubSpotMapping } from '../policy/policy.js';
import type { OwnWrite } from '../store/write-log.js';
import type { CrmWriter } from './crm-writer.js';
import { crmFieldChanges, plannedWrites, type UpdateLead } from './field-changes.js';

/** Baton's field changes as HubSpot contact properties, which HubSpot takes as strings only. */
export function hubspotProperties(mapping: HubSpotMapping, cmd: UpdateLead): Record<string, string> {
  return Object.fromEntries(
    Object.entries(crmFieldChanges(mapping, cmd)).map(([field, value]) => [field, String(value)]),
  );
}

export class HubSpotWriter implements CrmWriter {
  readonly provider = 'hubspot' as const;

  constructor(
    private readonly api: HubSpotApi,
    private readonly mapping: HubSpotMapping,
  ) {}

  plan(cmd: CrmCommand): OwnWrite[] {
    return plannedWrites(this.mapping, cmd);
  }

  async execute(cmd: CrmCommand): Promise<number> {
    const meter = { calls: 0 };
    switch (cmd.action) {
      case 'update_lead': {
        // Every change of one step in ONE PATCH (none when HubSpot keeps none of them).
        const properties = hubspotProperties(this.mapping, cmd);
        if (Object.keys(properties).length) await this.api.updateContact(cmd.crm.id, properties, meter);
        break;
      }
      case 'create_task': {
        const due = cmd.task.dueAt ? new Date(cmd.task.dueAt) : new Date();
        await this.api.createTask(
          cmd.crm.id,
          {
            hs_task_subject: cmd.task.subject,
            hs_task_body: cmd.task.body ?? '',
            hs_task_status: 'NOT_STARTED',
            hs_task_priority: 'HIGH',
            hs_task_type: 'TODO',
            hs_timestamp: due.toISOString(),
            ...(cmd.task.ownerId ? { hubspot_owner_id: cmd.task.ownerId } : {}),
          },
          meter,
        );
        break;
      }
      case 'enrol_nurture':
        await this.api.addToList(cmd.program, cmd.crm.id, meter);
        break;
    }
    return meter.calls;
  }
}
