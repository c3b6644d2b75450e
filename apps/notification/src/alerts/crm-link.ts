import type { CrmRef } from '@baton/domain';

export interface CrmLinkSettings {
  hubspotAppUrl: string;
  hubspotPortalId?: string;
  salesforceUrl?: string;
}

/**
 * The record in the CRM's own UI: the ref's url when the connector gave one, else built from the
 * configured portal / instance. HubSpot contact: `<app>/contacts/<portal>/record/0-1/<id>` (0-1 is
 * the contact object type); Salesforce Lightning: `<instance>/lightning/r/<Lead|Contact>/<id>/view`.
 */
export function crmRecordUrl(crm: CrmRef, s: CrmLinkSettings): string | undefined {
  if (crm.url) return crm.url;
  if (crm.provider === 'hubspot' && s.hubspotPortalId)
    return `${s.hubspotAppUrl.replace(/\/+$/, '')}/contacts/${encodeURIComponent(s.hubspotPortalId)}/record/0-1/${encodeURIComponent(crm.id)}`;
  if (crm.provider === 'salesforce' && s.salesforceUrl)
    return `${s.salesforceUrl.replace(/\/+$/, '')}/lightning/r/${encodeURIComponent(crm.objectType)}/${encodeURIComponent(crm.id)}/view`;
  return undefined;
}
