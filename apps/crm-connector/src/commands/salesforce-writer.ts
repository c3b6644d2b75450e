import { PermanentError } from '@baton/kafka';
import type { CrmCommand } from '@baton/domain';
import { crmValueOf } from '../mapping/lead-mapper.js';
import type { SalesforceMapping } from '../policy/policy.js';
import type { SalesforceApi } from '../salesforce/salesforce-api.js';
import type { OwnWrite } from '../store/write-log.js';
import type { CrmWriter } from './crm-writer.js';

type UpdateLead = Extract<CrmCommand, { action: 'update_lead' }>;

/** A value the CRM keeps no counterpart for (writeValues: null) is left out of the write. */
function setIf(target: Record<string, string | number>, field: string, value: string | undefined): void {
  if (value !== undefined) target[field] = value;
}

/** Baton's field changes as Salesforce Lead fields; a value the mapping cannot express is a permanent error. */
export function salesforceFields(
  mapping: SalesforceMapping,
  cmd: UpdateLead,
): Record<string, string | number> {
  const f = mapping.fields;
  const c = cmd.changes;
  const fields: Record<string, string | number> = {};
  const mapped = <T extends string>(
    map: Record<string, T>,
    value: T,
    what: string,
    override?: Partial<Record<T, string | null>>,
  ) => {
    if (override && value in override) return override[value] ?? undefined;
    const v = crmValueOf(map, value);
    if (v === undefined)
      throw new PermanentError(`mapping.salesforce.yaml has no Salesforce value for ${what} "${value}"`);
    return v;
  };
  if (c.lifecycleStage)
    setIf(
      fields,
      f.lifecycleStage,
      mapped(
        mapping.values.lifecycleStage,
        c.lifecycleStage,
        'lifecycle stage',
        mapping.writeValues.lifecycleStage,
      ),
    );
  if (c.leadStatus)
    setIf(
      fields,
      f.leadStatus,
      mapped(mapping.values.leadStatus, c.leadStatus, 'lead status', mapping.writeValues.leadStatus),
    );
  if (c.disqualificationReason) {
    setIf(
      fields,
      f.disqualificationReason,
      mapped(mapping.values.disqualificationReason, c.disqualificationReason, 'disqualification reason'),
    );
  }
  if (c.ownerId !== undefined) fields[f.ownerId] = c.ownerId;
  if (c.score !== undefined) fields[f.score] = c.score;
  if (c.handoffSummary !== undefined) fields[f.handoffSummary] = c.handoffSummary;
  return fields;
}

export class SalesforceWriter implements CrmWriter {
  readonly provider = 'salesforce' as const;

  constructor(
    private readonly api: SalesforceApi,
    private readonly mapping: SalesforceMapping,
  ) {}

  plan(cmd: CrmCommand): OwnWrite[] {
    switch (cmd.action) {
      case 'update_lead':
        return Object.entries(salesforceFields(this.mapping, cmd)).map(([field, value]) => ({
          objectId: cmd.crm.id,
          field,
          value: String(value),
        }));
      case 'create_task':
      case 'enrol_nurture':
        return [];
    }
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
