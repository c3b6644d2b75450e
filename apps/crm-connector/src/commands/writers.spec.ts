import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { PermanentError } from '@baton/kafka';
import type { CrmCommand } from '@baton/domain';
import { loadConnectorPolicy, type HubSpotMapping, type SalesforceMapping } from '../policy/policy.js';
import { hubspotProperties } from './hubspot-writer.js';
import { crmFieldChanges } from './field-changes.js';
import { MAX_TASK_BODY_CHARS, MAX_TASK_SUBJECT_CHARS, taskText } from './crm-writer.js';

const dir = fileURLToPath(new URL('../../config/policy', import.meta.url));
const hubspot = loadConnectorPolicy(dir, 'hubspot').mapping.policy as HubSpotMapping;
const salesforce = loadConnectorPolicy(dir, 'salesforce').mapping.policy as SalesforceMapping;

type Changes = Extract<CrmCommand, { action: 'update_lead' }>['changes'];
const cmd = (changes: Changes) =>
  ({
    commandId: 'c',
    leadId: 'hubspot:contact:1',
    crm: { provider: 'hubspot', objectType: 'contact', id: '1' },
    issuedBy: 'baton/scoring',
    issuedAt: '2026-11-23T10:00:00.000Z',
    action: 'update_lead',
    changes,
  }) as Extract<CrmCommand, { action: 'update_lead' }>;

describe('update_lead as one write per CRM', () => {
  it('translates the handoff into HubSpot properties', () => {
    expect(
      hubspotProperties(
        hubspot,
        cmd({ lifecycleStage: 'sql', score: 87, handoffSummary: 'Demo + pricing', ownerId: '7' }),
      ),
    ).toEqual({
      lifecyclestage: 'salesqualifiedlead',
      baton_score: '87',
      baton_handoff_summary: 'Demo + pricing',
      hubspot_owner_id: '7',
    });
    expect(
      hubspotProperties(hubspot, cmd({ lifecycleStage: 'disqualified', disqualificationReason: 'budget' })),
    ).toEqual({ lifecyclestage: 'other', baton_disqualification_reason: 'budget' });
    expect(hubspotProperties(hubspot, cmd({ lifecycleStage: 'nurture' }))).toEqual({
      lifecyclestage: 'lead',
    });
  });

  it('translates into Salesforce fields, leaving out what the org keeps no value for', () => {
    expect(
      crmFieldChanges(salesforce, cmd({ lifecycleStage: 'sql', score: 87, leadStatus: 'in_progress' })),
    ).toEqual({ Baton_Lifecycle_Stage__c: 'SQL', Baton_Score__c: 87, Status: 'In Progress' });
    expect(
      crmFieldChanges(
        salesforce,
        cmd({ lifecycleStage: 'disqualified', disqualificationReason: 'not_a_fit' }),
      ),
    ).toEqual({ Baton_Disqualification_Reason__c: 'Not a Fit' });
  });

  it('rejects for good a value the mapping cannot express', () => {
    const custom = { ...hubspot, values: { ...hubspot.values, leadStatus: { NEW: 'new' as const } } };
    expect(() => hubspotProperties(custom, cmd({ leadStatus: 'connected' }))).toThrow(PermanentError);
  });
});

describe('a task written to the CRM', () => {
  it('has its subject and notes cleaned and capped to what either CRM holds', () => {
    const text = taskText({
      subject: `Reason?\u0000${'s'.repeat(1_000)}`,
      body: `\ud800${'b'.repeat(50_000)}`,
    });
    expect(text.subject).toHaveLength(MAX_TASK_SUBJECT_CHARS);
    expect(text.subject.startsWith('Reason?s')).toBe(true);
    expect(text.body).toHaveLength(MAX_TASK_BODY_CHARS);
    expect(text.body.startsWith('\ufffdb')).toBe(true);
    expect(taskText({ subject: 'Call back' })).toEqual({ subject: 'Call back', body: '' });
  });
});
