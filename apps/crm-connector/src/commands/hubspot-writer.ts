import { PermanentError } from '@baton/kafka';
import type { CrmCommand } from '@baton/domain';
import type { HubSpotApi } from '../hubspot/hubspot-api.js';
import { crmValueOf } from '../mapping/lead-mapper.js';
import type { HubSpotMapping } from '../policy/policy.js';
import type { OwnWrite } from '../store/write-log.js';
import type { CrmWriter } from './crm-writer.js';

type UpdateLead = Extract<CrmCommand, { action: 'update_lead' }>;

/** A value the CRM keeps no counterpart for (writeValues: null) is left out of the write. */
function setIf(target: Record<string, string | number>, field: string, value: string | undefined): void {
  if (value !== undefined) target[field] = value;
}

/** Baton's field changes as HubSpot contact properties; a value the mapping cannot express is a permanent error. */
export function hubspotProperties(mapping: HubSpotMapping, cmd: UpdateLead): Record<string, string> {
  const f = mapping.fields;
  const c = cmd.changes;
  const props: Record<string, string> = {};
  const mapped = <T extends string>(
    map: Record<string, T>,
    value: T,
    what: string,
    override?: Partial<Record<T, string | null>>,
  ) => {
    if (override && value in override) return override[value] ?? undefined;
    const v = crmValueOf(map, value);
    if (v === undefined)
      throw new PermanentError(`mapping.hubspot.yaml has no HubSpot value for ${what} "${value}"`);
    return v;
  };
  if (c.lifecycleStage)
    setIf(
      props,
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
      props,
      f.leadStatus,
      mapped(mapping.values.leadStatus, c.leadStatus, 'lead status', mapping.writeValues.leadStatus),
    );
  if (c.disqualificationReason) {
    setIf(
      props,
      f.disqualificationReason,
      mapped(mapping.values.disqualificationReason, c.disqualificationReason, 'disqualification reason'),
    );
  }
  if (c.ownerId !== undefined) props[f.ownerId] = c.ownerId;
  if (c.score !== undefined) props[f.score] = String(c.score);
  if (c.handoffSummary !== undefined) props[f.handoffSummary] = c.handoffSummary;
  return props;
}

export class HubSpotWriter implements CrmWriter {
  readonly provider = 'hubspot' as const;

  constructor(
    private readonly api: HubSpotApi,
    private readonly mapping: HubSpotMapping,
  ) {}

  plan(cmd: CrmCommand): OwnWrite[] {
    switch (cmd.action) {
      case 'update_lead':
        return Object.entries(hubspotProperties(this.mapping, cmd)).map(([field, value]) => ({
          objectId: cmd.crm.id,
          field,
          value,
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
