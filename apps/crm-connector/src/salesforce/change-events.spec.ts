import { describe, expect, it } from 'vitest';
import { actorOfChange, type ChangeEventHeader } from './change-events.js';

const header = (h: Partial<ChangeEventHeader>): ChangeEventHeader => ({
  entityName: 'Lead',
  recordIds: ['00Q1'],
  changeType: 'UPDATE',
  ...h,
});

describe('who made a Salesforce change', () => {
  it('reads a person from the UI (no client, or Salesforce’s internal one) with commitUser', () => {
    expect(
      actorOfChange(
        header({ changeOrigin: 'com/salesforce/api/soap/62.0;client=SfdcInternalAPI/', commitUser: '005A' }),
        'baton',
      ),
    ).toEqual({
      kind: 'person',
      userId: '005A',
      ownerId: '005A',
      source: 'com/salesforce/api/soap/62.0;client=SfdcInternalAPI/',
    });
    expect(actorOfChange(header({ commitUser: '005A' }), 'baton')).toEqual({
      kind: 'person',
      userId: '005A',
      ownerId: '005A',
    });
  });

  it("tells Baton's own client from another API client", () => {
    expect(
      actorOfChange(
        header({ changeOrigin: 'com/salesforce/api/rest/62.0;client=baton', commitUser: '005I' }),
        'baton',
      ),
    ).toEqual({ kind: 'baton', source: 'com/salesforce/api/rest/62.0;client=baton', integrationId: 'baton' });
    expect(
      actorOfChange(
        header({ changeOrigin: 'com/salesforce/api/rest/62.0;client=acme-sync', commitUser: '005I' }),
        'baton',
      ),
    ).toEqual({
      kind: 'integration',
      integrationId: 'acme-sync',
      userId: '005I',
      source: 'com/salesforce/api/rest/62.0;client=acme-sync',
    });
    expect(actorOfChange(header({}), 'baton')).toBeUndefined();
  });
});
