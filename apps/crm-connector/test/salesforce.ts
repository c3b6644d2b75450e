import {
  BATON_SALESFORCE_FIELDS,
  SAMPLE_LEAD_STATUSES,
  startSalesforceSandbox,
  type SalesforceSandbox,
} from '@baton/crm-sandbox';

/** A Salesforce org with the fields and Lead statuses Baton's sample mapping expects. */
export function startBatonOrg(): Promise<SalesforceSandbox> {
  return startSalesforceSandbox({
    customFields: BATON_SALESFORCE_FIELDS,
    leadStatuses: SAMPLE_LEAD_STATUSES,
  });
}

export function salesforceVars(
  org: SalesforceSandbox,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    CRM_PROVIDER: 'salesforce',
    SALESFORCE_INSTANCE_URL: org.instanceUrl,
    SALESFORCE_ACCESS_TOKEN: org.accessToken,
    SALESFORCE_API_VERSION: org.apiVersion,
    ...extra,
  };
}
