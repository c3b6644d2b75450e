import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadConnectorPolicy } from '../policy/policy.js';
import { interpretChange, type ObservedChange } from './lead-changes.js';
import { mapLead } from './lead-mapper.js';

const dir = fileURLToPath(new URL('../../config/policy', import.meta.url));
const mapping = loadConnectorPolicy(dir, 'hubspot').mapping.policy;

function observe(props: Record<string, string>, extra: Partial<ObservedChange> = {}): ObservedChange {
  return {
    lead: mapLead(mapping, '51', { firstname: 'Ada', lastname: 'Lovelace', ...props }),
    change: 'updated',
    occurredAt: '2026-11-23T10:00:00.000Z',
    sourceEventId: 'e1',
    echoFields: new Set(),
    ...extra,
  };
}

describe('interpretChange', () => {
  it('turns a status move by a rep into status_changed with from/to', () => {
    const r = interpretChange(
      mapping,
      { leadStatus: 'new' },
      observe({ hs_lead_status: 'CONNECTED' }, { changedFields: ['leadStatus'] }),
    );
    expect(r.activities.map((a) => a.data)).toEqual([
      expect.objectContaining({ kind: 'status_changed', status: { from: 'new', to: 'connected' } }),
    ]);
    expect(r.profile?.data.changedFields).toEqual(['leadStatus']);
    expect(r.snapshot).toEqual({ leadStatus: 'connected' });
  });

  it('emits nothing new for a value already seen (duplicate or late older change)', () => {
    const r = interpretChange(mapping, { leadStatus: 'connected' }, observe({ hs_lead_status: 'CONNECTED' }));
    expect(r.activities).toEqual([]);
  });

  it("keeps Baton's own writes out of activity and, when nothing else changed, out of profiles", () => {
    const r = interpretChange(
      mapping,
      { leadStatus: 'new' },
      observe(
        { hs_lead_status: 'OPEN', hubspot_owner_id: '7' },
        { changedFields: ['leadStatus', 'ownerId'], echoFields: new Set(['leadStatus', 'ownerId']) },
      ),
    );
    expect(r.activities).toEqual([]);
    expect(r.profile).toBeUndefined();
    expect(r.snapshot).toEqual({ leadStatus: 'open', ownerId: '7' });
  });

  it('asks for a reason when a lead is disqualified without one, and accepts it once given', () => {
    const noReason = interpretChange(
      mapping,
      { leadStatus: 'open', ownerId: '7' },
      observe({ hs_lead_status: 'UNQUALIFIED', hubspot_owner_id: '7' }),
    );
    expect(noReason.disqualified).toBeUndefined();
    expect(noReason.reasonRequest).toEqual({
      leadId: 'hubspot:contact:51',
      ownerId: '7',
      status: 'unqualified',
      sourceEventId: 'e1',
    });
    expect(noReason.activities).toEqual([]);

    const withReason = interpretChange(
      mapping,
      noReason.snapshot,
      observe(
        { hs_lead_status: 'UNQUALIFIED', hubspot_owner_id: '7', baton_disqualification_reason: 'no_need' },
        { sourceEventId: 'e2' },
      ),
    );
    expect(withReason.disqualified?.data).toMatchObject({
      reason: 'no_need',
      disqualifiedByOwnerId: '7',
      sourceEventId: 'e2',
    });
    expect(withReason.reasonRequest).toBeUndefined();
  });

  it('does not treat creation as rep activity, and forgets values changed later in the same delivery', () => {
    const r = interpretChange(
      mapping,
      undefined,
      observe({ hs_lead_status: 'CONNECTED' }, { change: 'created', unknownFields: ['leadStatus'] }),
    );
    expect(r.profile?.data.change).toBe('created');
    expect(r.activities).toEqual([]);
    expect(r.snapshot).toEqual({});
  });

  it("makes no activity of a record's first sight: its values were already there", () => {
    // A contact created before Baton was installed: its first webhook is a lifecycle stage change.
    const r = interpretChange(
      mapping,
      undefined,
      observe(
        { hs_lead_status: 'NEW', lifecyclestage: 'lead', hubspot_owner_id: '7' },
        { changedFields: ['lifecycleStage'], actor: { kind: 'person', userId: '42' } },
      ),
    );
    expect(r.activities).toEqual([]);
    expect(r.profile?.data).toMatchObject({ change: 'updated', leadStatus: 'new', lifecycleStage: 'lead' });
    expect(r.snapshot).toEqual({ leadStatus: 'new', lifecycleStage: 'lead', ownerId: '7' });
  });

  it('on first sight, accepts a disqualification only when this change set it', () => {
    const closed = { hs_lead_status: 'UNQUALIFIED', baton_disqualification_reason: 'budget' };
    const byThisChange = interpretChange(
      mapping,
      undefined,
      observe(closed, { changedFields: ['leadStatus'] }),
    );
    expect(byThisChange.disqualified?.data.reason).toBe('budget');
    expect(byThisChange.activities).toEqual([]);
    // Polling meets a lead closed long ago: nothing happened now.
    expect(interpretChange(mapping, undefined, observe(closed)).disqualified).toBeUndefined();
    expect(
      interpretChange(mapping, undefined, observe({ hs_lead_status: 'UNQUALIFIED' })).reasonRequest,
    ).toBeUndefined();
  });

  it('says who acted on each activity', () => {
    const rep = { kind: 'person' as const, userId: '9001', ownerId: '7', source: 'CRM_UI' };
    const workflow = { kind: 'integration' as const, source: 'WORKFLOWS' };
    const r = interpretChange(
      mapping,
      { leadStatus: 'new', lifecycleStage: 'lead' },
      observe(
        { hs_lead_status: 'CONNECTED', lifecyclestage: 'marketingqualifiedlead' },
        {
          changedFields: ['leadStatus', 'lifecycleStage'],
          actor: rep,
          fieldActors: { lifecycleStage: workflow },
        },
      ),
    );
    expect(r.activities.map((a) => a.data)).toEqual([
      expect.objectContaining({ kind: 'status_changed', actor: rep, actorOwnerId: '7' }),
      expect.objectContaining({ kind: 'stage_changed', actor: workflow }),
    ]);
    expect(r.activities[1].data).not.toHaveProperty('actorOwnerId');
  });
});
