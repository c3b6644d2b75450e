import { LEAD_STATUSES, LIFECYCLE_STAGES, type LeadStatus, type LifecycleStage } from '@baton/domain';
import type { HubSpotApi } from '../hubspot/hubspot-api.js';
import { crmValueOf } from '../mapping/lead-mapper.js';
import type { CrmMapping, HubSpotMapping, SalesforceMapping } from '../policy/policy.js';
import type { SalesforceApi } from '../salesforce/salesforce-api.js';
import { batonHubSpotProperties, checkSalesforce, provisionHubSpot } from './provision.js';

export interface SetupCheckResult {
  /** The CRM holds every field and value Baton writes. */
  ok: boolean;
  /** One line per problem, naming the field (and the values it lacks). */
  missing: string[];
  /** For a person: what is missing and the command that creates it; "… is set up for Baton" when ok. */
  message: string;
}

/** The command that creates (HubSpot) or checks (Salesforce) what Baton writes. */
export const PROVISION_COMMAND = 'npx nx run crm-connector:provision';

export type CrmSetupTarget =
  | { provider: 'hubspot'; api: HubSpotApi; mapping: HubSpotMapping }
  | { provider: 'salesforce'; api: SalesforceApi; mapping: SalesforceMapping };

/** The CRM values Baton writes for a field: the write override, else the first CRM value that reads as it. */
function writtenValues<T extends string>(
  all: readonly T[],
  map: Record<string, T>,
  overrides: Partial<Record<T, string | null>>,
): string[] {
  const out = new Set<string>();
  for (const v of all) {
    const crm = v in overrides ? overrides[v] : crmValueOf(map, v);
    if (crm) out.add(crm);
  }
  return [...out];
}

/**
 * Whether the CRM holds what Baton writes: the handoff (lifecycle stage SQL, score, summary), the
 * owner, lead statuses and the disqualification reason. Without them HubSpot rejects the whole
 * write (400, unknown property or option) and the handoff is dead-lettered as permanent, so this
 * runs at start-up and behind /health/ready. `ensure()` creates what Baton may create itself
 * (HubSpot properties and their options; Salesforce fields are an admin's to create) and checks
 * again. Self-contained: it only needs the CRM API and the mapping.
 */
export class CrmSetupCheck {
  constructor(private readonly target: CrmSetupTarget) {}

  async check(): Promise<SetupCheckResult> {
    const t = this.target;
    const problems =
      t.provider === 'hubspot'
        ? await hubspotProblems(t.api, t.mapping)
        : (await checkSalesforce(t.api, t.mapping)).missing.map((line) => ({ line, provisionFixes: false }));
    const missing = problems.map((p) => p.line);
    return {
      ok: missing.length === 0,
      missing,
      message: messageOf(t.provider, problems),
    };
  }

  /** Provisions what Baton may create (CRM_PROVISION_ON_START=true), then checks. */
  async ensure(): Promise<SetupCheckResult> {
    const t = this.target;
    if (t.provider === 'hubspot') {
      await provisionHubSpot(t.api, t.mapping);
      await addMissingOptions(t.api, t.mapping);
    }
    return this.check();
  }
}

interface Problem {
  line: string;
  /** Whether `provision` (or CRM_PROVISION_ON_START) fixes it: Baton's own properties only. */
  provisionFixes: boolean;
}

async function hubspotProblems(api: HubSpotApi, mapping: HubSpotMapping): Promise<Problem[]> {
  const properties = await api.contactProperties();
  const problems: Problem[] = [];
  const options = (name: string, wanted: string[], provisionFixes: boolean) => {
    const have = properties.get(name);
    if (!have) return;
    const absent = wanted.filter((v) => !have.options.includes(v));
    if (absent.length)
      problems.push({ line: `${name}: options missing: ${absent.join(', ')}`, provisionFixes });
  };
  for (const p of batonHubSpotProperties(mapping)) {
    if (!properties.has(p.name))
      problems.push({
        line: `${p.name}: contact property missing (${p.label}, ${p.type})`,
        provisionFixes: true,
      });
    else if (p.options)
      options(
        p.name,
        p.options.map((o) => o.value),
        true,
      );
  }
  const f = mapping.fields;
  for (const name of [f.lifecycleStage, f.leadStatus, f.ownerId])
    if (!properties.has(name))
      problems.push({ line: `${name}: standard contact property not found`, provisionFixes: false });
  options(
    f.lifecycleStage,
    writtenValues<LifecycleStage>(
      LIFECYCLE_STAGES,
      mapping.values.lifecycleStage,
      mapping.writeValues.lifecycleStage,
    ),
    false,
  );
  options(
    f.leadStatus,
    writtenValues<LeadStatus>(LEAD_STATUSES, mapping.values.leadStatus, mapping.writeValues.leadStatus),
    false,
  );
  return problems;
}

/** Adds the options an existing Baton-owned enumeration property lacks (keeps the ones it has). */
async function addMissingOptions(api: HubSpotApi, mapping: HubSpotMapping): Promise<void> {
  const properties = await api.contactProperties();
  for (const p of batonHubSpotProperties(mapping)) {
    const have = properties.get(p.name);
    if (!have || !p.options) continue;
    const absent = p.options.filter((o) => !have.options.includes(o.value));
    if (!absent.length) continue;
    const kept = have.options.map((value, i) => ({ label: value, value, displayOrder: i, hidden: false }));
    const added = absent.map((o, i) => ({ ...o, displayOrder: kept.length + i }));
    await api.updateContactPropertyOptions(p.name, [...kept, ...added]);
  }
}

function messageOf(provider: CrmMapping['provider'], problems: Problem[]): string {
  if (!problems.length)
    return `${provider === 'hubspot' ? 'HubSpot portal' : 'Salesforce org'} is set up for Baton`;
  const list = problems.map((p) => p.line).join('; ');
  if (provider === 'hubspot') {
    const fixes = [
      problems.some((p) => p.provisionFixes) &&
        `run \`${PROVISION_COMMAND}\` (or start with CRM_PROVISION_ON_START=true) to create Baton's properties`,
      problems.some((p) => !p.provisionFixes) &&
        'add the missing options of HubSpot-defined properties in HubSpot (Settings → Properties)',
    ].filter(Boolean);
    return `HubSpot portal is not set up for Baton, whose writes it would reject: ${list}. To fix: ${fixes.join('; ')}.`;
  }
  return (
    `Salesforce org is not set up for Baton, whose writes it would reject: ${list}. ` +
    'An admin creates the Lead fields and picklist values (Setup → Object Manager → Lead → Fields & Relationships); ' +
    `\`${PROVISION_COMMAND}\` then checks them.`
  );
}
