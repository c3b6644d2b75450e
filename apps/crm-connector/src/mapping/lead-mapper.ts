import type {
  CrmProvider,
  CrmRef,
  DisqualificationReason,
  Firmographics,
  Identity,
  LeadStatus,
  LifecycleStage,
} from '@baton/domain';
import { leadIdOf } from '@baton/domain';
import type { CrmMapping } from '../policy/policy.js';
import { normaliserFor, type LeadNormaliser } from './normalise.js';

/** A CRM record as flat field → value, whatever the provider. */
export type CrmRecordFields = Record<string, unknown>;

/** What the connector knows about a lead after mapping one CRM record. */
export interface CanonicalLead {
  leadId: string;
  crm: CrmRef;
  identity: Identity;
  firmographics: Firmographics;
  lifecycleStage?: LifecycleStage;
  leadStatus?: LeadStatus;
  ownerId?: string;
  disqualificationReason?: DisqualificationReason;
  custom: Record<string, unknown>;
}

export interface RecordUrlContext {
  portalId?: string;
  instanceUrl?: string;
}

function text(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

/** HubSpot stores employee counts as ranges ("25-50", "1000+"); the lower bound is what fit rules can use. */
export function parseEmployees(v: unknown): number | undefined {
  const s = text(v);
  if (!s) return undefined;
  const m = /^(\d[\d,]*)/.exec(s);
  if (!m) return undefined;
  const n = Number(m[1].replace(/,/g, ''));
  return Number.isFinite(n) ? n : undefined;
}

function parseAmount(v: unknown): number | undefined {
  const s = text(v);
  if (!s) return undefined;
  const n = Number(s.replace(/[, ]/g, ''));
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export function recordUrl(mapping: CrmMapping, id: string, ctx: RecordUrlContext): string | undefined {
  if (!mapping.recordUrl) return undefined;
  const needsPortal = mapping.recordUrl.includes('{portalId}');
  const needsInstance = mapping.recordUrl.includes('{instanceUrl}');
  if ((needsPortal && !ctx.portalId) || (needsInstance && !ctx.instanceUrl)) return undefined;
  const url = mapping.recordUrl
    .replace('{id}', encodeURIComponent(id))
    .replace('{portalId}', ctx.portalId ?? '')
    .replace('{instanceUrl}', ctx.instanceUrl ?? '');
  return URL.canParse(url) ? url : undefined;
}

export function crmRefOf(mapping: CrmMapping, id: string, ctx: RecordUrlContext = {}): CrmRef {
  const url = recordUrl(mapping, id, ctx);
  return { provider: mapping.provider, objectType: mapping.objectType, id, ...(url ? { url } : {}) };
}

export function leadIdFor(provider: CrmProvider, objectType: string, id: string): string {
  return leadIdOf({ provider, objectType, id });
}

/** Maps a CRM value through a picklist map; an unknown value is dropped rather than guessed. */
export function mapValue<T extends string>(map: Record<string, T>, value: unknown): T | undefined {
  const s = text(value);
  if (s === undefined) return undefined;
  if (s in map) return map[s];
  const folded = Object.keys(map).find((k) => k.toLowerCase() === s.toLowerCase());
  return folded ? map[folded] : undefined;
}

/** The CRM value Baton writes for one of its own values: the first CRM value mapped to it. */
export function crmValueOf<T extends string>(map: Record<string, T>, value: T): string | undefined {
  return Object.entries(map).find(([, v]) => v === value)?.[0];
}

/** Every CRM field the mapping reads, for batch reads and SOQL. */
export function fieldsRead(mapping: CrmMapping): string[] {
  const f = mapping.fields;
  const all = [
    ...Object.values(f.identity),
    ...Object.values(f.firmographics),
    f.lifecycleStage,
    f.leadStatus,
    f.ownerId,
    f.disqualificationReason,
    ...Object.values(f.custom),
  ].filter((x): x is string => typeof x === 'string');
  return [...new Set(all)];
}

/**
 * Country, state and industry as Baton's vocabularies (ISO 3166-1 alpha-2, ISO 3166-2, Baton
 * industry ids), the CRM's text kept beside them; a value that does not read is left empty.
 */
function normalise(identity: Identity, firmographics: Firmographics, n: LeadNormaliser): void {
  if (identity.country !== undefined) {
    identity.countryRaw = identity.country;
    const code = n.country(identity.country);
    if (code) identity.country = code;
    else delete identity.country;
  }
  if (identity.state !== undefined) {
    identity.stateRaw = identity.state;
    const code = n.state(identity.state, identity.country);
    if (code) identity.state = code;
    else delete identity.state;
  }
  if (firmographics.industry !== undefined) {
    firmographics.industryRaw = firmographics.industry;
    const id = n.industry(firmographics.industry);
    if (id) firmographics.industry = id;
    else delete firmographics.industry;
  }
}

/** Maps one CRM record to the canonical lead, by the sales-ops mapping. */
export function mapLead(
  mapping: CrmMapping,
  id: string,
  fields: CrmRecordFields,
  ctx: RecordUrlContext = {},
  normaliser: LeadNormaliser = normaliserFor(mapping),
): CanonicalLead {
  const f = mapping.fields;
  const identity: Identity = {};
  for (const [key, crmName] of Object.entries(f.identity) as [keyof Identity, string | undefined][]) {
    const v = crmName ? text(fields[crmName]) : undefined;
    if (v !== undefined) identity[key] = v;
  }
  if (!identity.fullName && (identity.firstName || identity.lastName)) {
    identity.fullName = [identity.firstName, identity.lastName].filter(Boolean).join(' ');
  }
  const firmographics: Firmographics = {};
  const fm = f.firmographics;
  const employees = fm.employees ? parseEmployees(fields[fm.employees]) : undefined;
  if (employees !== undefined) firmographics.employees = employees;
  const revenue = fm.annualRevenue ? parseAmount(fields[fm.annualRevenue]) : undefined;
  if (revenue !== undefined) firmographics.annualRevenue = revenue;
  for (const key of ['industry', 'segment', 'domain', 'source'] as const) {
    const crmName = fm[key];
    const v = crmName ? text(fields[crmName]) : undefined;
    if (v !== undefined) firmographics[key] = v;
  }
  if (fm.productInterest) {
    const v = text(fields[fm.productInterest]);
    if (v)
      firmographics.productInterest = v
        .split(/[;,]/)
        .map((s) => s.trim())
        .filter(Boolean);
  }
  normalise(identity, firmographics, normaliser);
  const custom: Record<string, unknown> = {};
  for (const [key, crmName] of Object.entries(f.custom)) {
    const v = fields[crmName];
    if (v !== undefined && v !== null && v !== '') custom[key] = v;
  }
  const lead: CanonicalLead = {
    leadId: leadIdFor(mapping.provider, mapping.objectType, id),
    crm: crmRefOf(mapping, id, ctx),
    identity,
    firmographics,
    custom,
  };
  const stage = mapValue(mapping.values.lifecycleStage, fields[f.lifecycleStage]);
  if (stage) lead.lifecycleStage = stage;
  const status = mapValue(mapping.values.leadStatus, fields[f.leadStatus]);
  if (status) lead.leadStatus = status;
  const owner = text(fields[f.ownerId]);
  if (owner) lead.ownerId = owner;
  const reason = mapValue(mapping.values.disqualificationReason, fields[f.disqualificationReason]);
  if (reason) lead.disqualificationReason = reason;
  return lead;
}

/** CRM field names that changed, translated to canonical names for lead.profile.v1's changedFields. */
export function canonicalFieldNames(mapping: CrmMapping, crmFields: Iterable<string>): string[] {
  const byCrm = new Map<string, string>();
  const f = mapping.fields;
  for (const [k, v] of Object.entries(f.identity)) if (v) byCrm.set(v, `identity.${k}`);
  for (const [k, v] of Object.entries(f.firmographics)) if (v) byCrm.set(v, `firmographics.${k}`);
  for (const [k, v] of Object.entries(f.custom)) byCrm.set(v, `custom.${k}`);
  byCrm.set(f.lifecycleStage, 'lifecycleStage');
  byCrm.set(f.leadStatus, 'leadStatus');
  byCrm.set(f.ownerId, 'ownerId');
  byCrm.set(f.disqualificationReason, 'disqualificationReason');
  const out = new Set<string>();
  for (const c of crmFields) {
    const name = byCrm.get(c);
    if (name) out.add(name);
  }
  return [...out].sort();
}
