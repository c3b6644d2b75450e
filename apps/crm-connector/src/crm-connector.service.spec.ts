import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { policyDirOf, prepareService } from '@baton/platform';
import { testEnvOf } from '@baton/service-testing';
import { isolatedEnv } from '@baton/testing';
import { crmConnectorService } from './crm-connector.service.js';

const base = isolatedEnv('crm-def');
const hubspot = { CRM_PROVIDER: 'hubspot', HUBSPOT_ACCESS_TOKEN: 'pat', HUBSPOT_CLIENT_SECRET: 'secret' };

describe('the crm-connector service definition', () => {
  it("keeps today's command consumer: group baton-crm-connector, 200 per batch, 6 partitions at once, retries 3 × 1 s…10 s", () => {
    const { consumer } = prepareService(crmConnectorService, testEnvOf(base, hubspot));
    expect(consumer).toMatchObject({
      group: 'baton-crm-connector',
      batch: 200,
      concurrency: 6,
      retryAttempts: 3,
      retryInitialDelayMs: 1_000,
      retryMaxDelayMs: 10_000,
    });
  });

  it('takes the consumer group from CRM_CONNECTOR_CONSUMER_GROUP, as before', () => {
    const { consumer } = prepareService(
      crmConnectorService,
      testEnvOf(base, { ...hubspot, CRM_CONNECTOR_CONSUMER_GROUP: 'baton-crm-connector-eu' }),
    );
    expect(consumer.group).toBe('baton-crm-connector-eu');
  });

  it('loads the mapping of CRM_PROVIDER from the bundled policy when BATON_POLICY_DIR is unset', () => {
    const hs = prepareService(
      crmConnectorService,
      testEnvOf(base, { ...hubspot, BATON_POLICY_DIR: undefined }),
    );
    expect(policyDirOf(crmConnectorService, hs.env)).toBe(resolve('apps/crm-connector/config/policy'));
    expect(hs.policy.mapping.policy.provider).toBe('hubspot');
    const sf = prepareService(
      crmConnectorService,
      testEnvOf(base, {
        CRM_PROVIDER: 'salesforce',
        SALESFORCE_INSTANCE_URL: 'https://acme.my.salesforce.com',
        SALESFORCE_ACCESS_TOKEN: 't',
      }),
    );
    expect(sf.policy.mapping.policy.provider).toBe('salesforce');
  });

  it('checks the CRM at start by default, and provisions it with CRM_PROVISION_ON_START=true', () => {
    expect(prepareService(crmConnectorService, testEnvOf(base, hubspot)).env.CRM_PROVISION_ON_START).toBe(
      false,
    );
    expect(
      prepareService(crmConnectorService, testEnvOf(base, { ...hubspot, CRM_PROVISION_ON_START: 'true' })).env
        .CRM_PROVISION_ON_START,
    ).toBe(true);
    expect(() =>
      prepareService(crmConnectorService, testEnvOf(base, { ...hubspot, CRM_PROVISION_ON_START: 'yes' })),
    ).toThrow(/CRM_PROVISION_ON_START/);
  });

  it('prunes the command dedupe and the write log, not the logged activities it already emitted', () => {
    expect(crmConnectorService.retainedTables).toEqual([
      { table: 'executed_command', timeColumn: 'executed_at' },
      { table: 'write_log', timeColumn: 'written_at' },
      { table: 'hubspot_inbox_rejected', timeColumn: 'received_at' },
    ]);
  });
});
