import { PermanentError } from '@baton/kafka';
import type { CrmCommand } from '@baton/domain';
import { crmValueOf } from '../mapping/lead-mapper.js';
import type { CrmMapping } from '../policy/policy.js';
import type { OwnWrite } from '../database/write-log.store.js';

export type UpdateLead = Extract<CrmCommand, { action: 'update_lead' }>;

const CRM_NAMES: Record<CrmMapping['provider'], string> = { hubspot: 'HubSpot', salesforce: 'Salesforce' };

/**
 * Baton's field changes as the CRM's own field names and values, in one shape for both CRMs so a
 * handoff writes the same facts wherever the lead lives. The score stays a number; a CRM that
 * only takes strings converts it. A value the mapping cannot express is a permanent error.
 */
export function crmFieldChanges(mapping: CrmMapping, cmd: UpdateLead): Record<string, string | number> {
  const f = mapping.fields;
  const c = cmd.changes;
  const fields: Record<string, string | number> = {};
  // A value the CRM keeps no counterpart for (writeValues: null) is left out of the write.
  const setIf = (field: string, value: string | undefined): void => {
    if (value !== undefined) fields[field] = value;
  };
  const mapped = <T extends string>(
    map: Record<string, T>,
    value: T,
    what: string,
    override?: Partial<Record<T, string | null>>,
  ) => {
    if (override && value in override) return override[value] ?? undefined;
    const v = crmValueOf(map, value);
    if (v === undefined)
      throw new PermanentError(
        `mapping.${mapping.provider}.yaml has no ${CRM_NAMES[mapping.provider]} value for ${what} "${value}"`,
      );
    return v;
  };
  if (c.lifecycleStage)
    setIf(
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
      f.leadStatus,
      mapped(mapping.values.leadStatus, c.leadStatus, 'lead status', mapping.writeValues.leadStatus),
    );
  if (c.disqualificationReason) {
    setIf(
      f.disqualificationReason,
      mapped(mapping.values.disqualificationReason, c.disqualificationReason, 'disqualification reason'),
    );
  }
  if (c.ownerId !== undefined) fields[f.ownerId] = c.ownerId;
  if (c.score !== undefined) fields[f.score] = c.score;
  if (c.handoffSummary !== undefined) fields[f.handoffSummary] = c.handoffSummary;
  return fields;
}

/** The field values a command will write, as the write log records them to recognise their echo. */
export function plannedWrites(mapping: CrmMapping, cmd: CrmCommand): OwnWrite[] {
  switch (cmd.action) {
    case 'update_lead':
      return Object.entries(crmFieldChanges(mapping, cmd)).map(([field, value]) => ({
        objectId: cmd.crm.id,
        field,
        value: String(value),
      }));
    case 'create_task':
    case 'enrol_nurture':
      return [];
  }
}
