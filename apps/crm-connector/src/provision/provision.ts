import {
  PropertyCreateFieldTypeEnum,
  PropertyCreateTypeEnum,
} from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import type { HubSpotApi } from '../hubspot/hubspot-api.js';
import type { HubSpotMapping, SalesforceMapping } from '../policy/policy.js';
import type { SalesforceApi } from '../salesforce/salesforce-api.js';

export interface ProvisionReport {
  provider: 'hubspot' | 'salesforce';
  created: string[];
  present: string[];
  /** Problems a person must fix in the CRM (Salesforce fields are created by an admin, not by Baton). */
  missing: string[];
}

const GROUP = 'contactinformation';

/** The contact properties Baton owns in HubSpot: created by `provision`, checked at start-up. */
export function batonHubSpotProperties(mapping: HubSpotMapping) {
  const f = mapping.fields;
  return [
    {
      name: f.score,
      label: 'Baton score',
      description: 'Lead score computed by Baton from fit and engagement',
      type: PropertyCreateTypeEnum.Number,
      fieldType: PropertyCreateFieldTypeEnum.Number,
    },
    {
      name: f.handoffSummary,
      label: 'Baton handoff summary',
      description: 'Why this lead is sales-ready: the signals and journey Baton saw',
      type: PropertyCreateTypeEnum.String,
      fieldType: PropertyCreateFieldTypeEnum.Textarea,
    },
    {
      name: f.disqualificationReason,
      label: 'Baton disqualification reason',
      description: 'Why the lead was set to unqualified or bad timing; required to close a lead',
      type: PropertyCreateTypeEnum.Enumeration,
      fieldType: PropertyCreateFieldTypeEnum.Select,
      options: Object.keys(mapping.values.disqualificationReason).map((value, i) => ({
        label: value.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()),
        value,
        displayOrder: i,
        hidden: false,
      })),
    },
  ];
}

/** Creates the contact properties Baton writes (HubSpot lets an app create them). */
export async function provisionHubSpot(api: HubSpotApi, mapping: HubSpotMapping): Promise<ProvisionReport> {
  const f = mapping.fields;
  const wanted = batonHubSpotProperties(mapping);
  const existing = await api.contactPropertyNames();
  const report: ProvisionReport = { provider: 'hubspot', created: [], present: [], missing: [] };
  for (const p of wanted) {
    if (existing.has(p.name)) {
      report.present.push(p.name);
      continue;
    }
    await api.createContactProperty({ ...p, groupName: GROUP, formField: false });
    report.created.push(p.name);
  }
  for (const name of [f.lifecycleStage, f.leadStatus, f.ownerId]) {
    if (!existing.has(name)) report.missing.push(`${name}: standard property not found`);
  }
  return report;
}

/** Checks (describe) that the Lead fields and picklist values Baton reads and writes exist. */
export async function checkSalesforce(
  api: SalesforceApi,
  mapping: SalesforceMapping,
): Promise<ProvisionReport> {
  const fields = await api.describeLeadFields();
  const f = mapping.fields;
  const report: ProvisionReport = { provider: 'salesforce', created: [], present: [], missing: [] };
  const need = (name: string, picklist?: string[]) => {
    const field = fields.get(name);
    if (!field) {
      report.missing.push(`${name}: field not found on Lead`);
      return;
    }
    report.present.push(name);
    if (picklist && field.type === 'picklist') {
      const absent = picklist.filter((v) => !field.picklistValues.includes(v));
      if (absent.length) report.missing.push(`${name}: picklist values missing: ${absent.join(', ')}`);
    }
  };
  need(f.score);
  need(f.handoffSummary);
  need(f.disqualificationReason, Object.keys(mapping.values.disqualificationReason));
  need(f.lifecycleStage, Object.keys(mapping.values.lifecycleStage));
  need(f.leadStatus, Object.keys(mapping.values.leadStatus));
  need(f.ownerId);
  return report;
}
