import { Inject, Injectable } from '@nestjs/common';
import type { CallMeter } from '../api-budget/retry.js';
import { HubSpotApi } from '../hubspot/hubspot-api.js';
import { HUBSPOT_MAPPING, type HubSpotMapping } from '../policy/policy.js';
import { MappedCrmWriter, taskText, type CreateTask, type EnrolNurture } from './crm-writer.js';
import { crmFieldChanges, type UpdateLead } from './field-changes.js';

/** Baton's field changes as HubSpot contact properties, which HubSpot takes as strings only. */
export function hubspotProperties(mapping: HubSpotMapping, cmd: UpdateLead): Record<string, string> {
  return Object.fromEntries(
    Object.entries(crmFieldChanges(mapping, cmd)).map(([field, value]) => [field, String(value)]),
  );
}

@Injectable()
export class HubSpotWriter extends MappedCrmWriter<HubSpotApi, HubSpotMapping> {
  readonly provider = 'hubspot' as const;

  constructor(api: HubSpotApi, @Inject(HUBSPOT_MAPPING) mapping: HubSpotMapping) {
    super(api, mapping);
  }

  protected async updateLead(cmd: UpdateLead, meter: CallMeter): Promise<void> {
    // Every change of one step in ONE PATCH (none when HubSpot keeps none of them).
    const properties = hubspotProperties(this.mapping, cmd);
    if (Object.keys(properties).length) await this.api.updateContact(cmd.crm.id, properties, meter);
  }

  protected async createTask(cmd: CreateTask, meter: CallMeter): Promise<void> {
    const due = cmd.task.dueAt ? new Date(cmd.task.dueAt) : new Date();
    const text = taskText(cmd.task);
    await this.api.createTask(
      cmd.crm.id,
      {
        hs_task_subject: text.subject,
        hs_task_body: text.body,
        hs_task_status: 'NOT_STARTED',
        hs_task_priority: 'HIGH',
        hs_task_type: 'TODO',
        hs_timestamp: due.toISOString(),
        ...(cmd.task.ownerId ? { hubspot_owner_id: cmd.task.ownerId } : {}),
      },
      meter,
    );
  }

  protected async enrolNurture(cmd: EnrolNurture, meter: CallMeter): Promise<void> {
    await this.api.addToList(cmd.program, cmd.crm.id, meter);
  }
}
