import { describe, expect, it } from 'vitest';
import { PolicyError, parsePolicy } from '@baton/platform';
import { loadConnectorEnv } from '../config/env.js';
import { HubSpotMappingSchema, SignalsPolicySchema } from './policy.js';

describe('configuration', () => {
  it('rejects a signal rule with an unknown signal, naming the file and key path', () => {
    const yaml = 'signals:\n  - match: { type: page_view, urlPath: /pricing }\n    signal: pricing_viewed\n';
    expect(() => parsePolicy('signals.yaml', yaml, SignalsPolicySchema)).toThrow(PolicyError);
    expect(() => parsePolicy('signals.yaml', yaml, SignalsPolicySchema)).toThrow(/signals\.0\.signal/);
  });

  it('rejects a mapping to an unknown Baton lead status', () => {
    const yaml = [
      'provider: hubspot',
      'objectType: contact',
      'fields: { identity: {}, firmographics: {}, lifecycleStage: lifecyclestage, leadStatus: hs_lead_status, ownerId: hubspot_owner_id,',
      '  disqualificationReason: r, score: s, handoffSummary: h }',
      'values: { lifecycleStage: {}, leadStatus: { NEW: brand_new }, disqualificationReason: {} }',
      'disqualifyingStatuses: [unqualified]',
      'eventTypes: {}',
    ].join('\n');
    expect(() => parsePolicy('mapping.hubspot.yaml', yaml, HubSpotMappingSchema)).toThrow(
      /values\.leadStatus\.NEW/,
    );
  });

  it('validates activityTriggers like engagementTriggers, naming the key', () => {
    const yaml = [
      'provider: hubspot',
      'objectType: contact',
      'fields: { identity: {}, firmographics: {}, lifecycleStage: lifecyclestage, leadStatus: hs_lead_status, ownerId: hubspot_owner_id,',
      '  disqualificationReason: r, score: s, handoffSummary: h }',
      'values: { lifecycleStage: {}, leadStatus: {}, disqualificationReason: {} }',
      'disqualifyingStatuses: [unqualified]',
      'eventTypes: {}',
    ].join('\n');
    expect(
      parsePolicy(
        'mapping.hubspot.yaml',
        `${yaml}\nactivityTriggers: [notes_last_contacted]`,
        HubSpotMappingSchema,
      ).policy.activityTriggers,
    ).toEqual(['notes_last_contacted']);
    expect(() =>
      parsePolicy(
        'mapping.hubspot.yaml',
        `${yaml}\nactivityTriggers: ['last contacted']`,
        HubSpotMappingSchema,
      ),
    ).toThrow(/activityTriggers\.0/);
  });

  it("requires only the chosen provider's credentials, by name", () => {
    const base = { KAFKA_BROKERS: '127.0.0.1:19092', DATABASE_URL: 'postgres://x@y/z' };
    expect(() => loadConnectorEnv({ ...base, CRM_PROVIDER: 'hubspot' })).toThrow(
      /HUBSPOT_ACCESS_TOKEN: is required when CRM_PROVIDER=hubspot/,
    );
    expect(() =>
      loadConnectorEnv({
        ...base,
        CRM_PROVIDER: 'salesforce',
        SALESFORCE_INSTANCE_URL: 'https://acme.my.salesforce.com',
        SALESFORCE_ACCESS_TOKEN: 't',
      }),
    ).not.toThrow();
    expect(() => loadConnectorEnv({ ...base, CRM_PROVIDER: 'pipedrive' })).toThrow(/CRM_PROVIDER/);
    const env = loadConnectorEnv({
      ...base,
      CRM_PROVIDER: 'hubspot',
      HUBSPOT_ACCESS_TOKEN: 'a',
      HUBSPOT_CLIENT_SECRET: 'b',
    });
    expect(env).toMatchObject({
      HUBSPOT_RATE_LIMIT: 100,
      HUBSPOT_API_BASE_URL: 'https://api.hubapi.com',
      WEBHOOK_MAX_BODY_BYTES: 1_048_576,
    });
  });

  it('takes http(s) URLs only for the CRM hosts and the public webhook URL', () => {
    const hubspot = {
      KAFKA_BROKERS: '127.0.0.1:19092',
      DATABASE_URL: 'postgres://x@y/z',
      CRM_PROVIDER: 'hubspot',
      HUBSPOT_ACCESS_TOKEN: 'a',
      HUBSPOT_CLIENT_SECRET: 'b',
    };
    for (const bad of ['ftp:/x', 'ftp://files.example.com', 'file:///etc/passwd', 'javascript:alert(1)']) {
      expect(() => loadConnectorEnv({ ...hubspot, WEBHOOK_PUBLIC_URL: bad })).toThrow(/WEBHOOK_PUBLIC_URL/);
      expect(() => loadConnectorEnv({ ...hubspot, HUBSPOT_API_BASE_URL: bad })).toThrow(
        /HUBSPOT_API_BASE_URL/,
      );
      expect(() =>
        loadConnectorEnv({
          KAFKA_BROKERS: '127.0.0.1:19092',
          DATABASE_URL: 'postgres://x@y/z',
          CRM_PROVIDER: 'salesforce',
          SALESFORCE_INSTANCE_URL: bad,
          SALESFORCE_ACCESS_TOKEN: 't',
        }),
      ).toThrow(/SALESFORCE_INSTANCE_URL/);
    }
    expect(
      loadConnectorEnv({
        ...hubspot,
        WEBHOOK_PUBLIC_URL: 'https://baton.example.com/',
        HUBSPOT_API_BASE_URL: 'http://127.0.0.1:9',
      }),
    ).toMatchObject({
      WEBHOOK_PUBLIC_URL: 'https://baton.example.com',
      HUBSPOT_API_BASE_URL: 'http://127.0.0.1:9',
    });
  });
});
