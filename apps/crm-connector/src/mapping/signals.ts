import type { CrmRef, EngagementKind, LeadEngagement } from '@baton/domain';
import type { EngagementFactType, SignalRule } from '../policy/policy.js';

/** One thing the prospect did, as either CRM reports it, before sales-ops rules name the signal. */
export interface EngagementFact {
  type: EngagementFactType;
  occurredAt: string;
  /** The CRM's id for the fact: dedupe key downstream. */
  sourceEventId: string;
  /** Form name, page title, asset title or custom event name. */
  name?: string;
  url?: string;
  formId?: string;
  campaign?: string;
  properties?: Record<string, string>;
}

function pathOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url, 'https://placeholder.invalid').pathname.replace(/\/+$/, '') || '/';
  } catch {
    return undefined;
  }
}

function matches(rule: SignalRule, fact: EngagementFact): boolean {
  const m = rule.match;
  if (m.type !== fact.type) return false;
  const name = fact.name?.trim().toLowerCase();
  if (m.name !== undefined && name !== m.name.trim().toLowerCase()) return false;
  if (m.nameContains !== undefined && !name?.includes(m.nameContains.toLowerCase())) return false;
  const path = pathOf(fact.url);
  if (m.urlPath !== undefined && path !== (m.urlPath.replace(/\/+$/, '') || '/')) return false;
  if (m.urlPathPrefix !== undefined && !path?.startsWith(m.urlPathPrefix)) return false;
  return true;
}

/** The first rule that matches names the signal; a fact no rule names is not a Baton signal. */
export function classifyEngagement(
  rules: readonly SignalRule[],
  fact: EngagementFact,
): SignalRule | undefined {
  return rules.find((r) => matches(r, fact));
}

export function toEngagement(
  leadId: string,
  crm: CrmRef,
  fact: EngagementFact,
  kind: EngagementKind,
  contentTag?: string,
): LeadEngagement {
  const detail: LeadEngagement['detail'] = {};
  if (fact.url) detail.url = fact.url;
  if (fact.name) detail.title = fact.name;
  if (fact.formId) detail.formId = fact.formId;
  if (fact.campaign) detail.campaign = fact.campaign;
  if (contentTag) detail.contentTag = contentTag;
  if (fact.type === 'custom_event' && fact.name) detail.eventName = fact.name;
  if (fact.properties && Object.keys(fact.properties).length) detail.properties = fact.properties;
  return { leadId, crm, kind, occurredAt: fact.occurredAt, sourceEventId: fact.sourceEventId, detail };
}
