import { afterAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { Housekeeper, schemaDrift } from '@baton/persistence';
import { startSalesforceSandbox, type SalesforceSandbox } from '@baton/crm-sandbox';
import { query } from '@baton/testing';
import { connectorEnv, startConnector, tearDown, type RunningConnector } from '../../test/harness.js';
import { salesforceVars } from '../../test/salesforce.js';

let org: SalesforceSandbox;
let running: RunningConnector;

afterAll(() => tearDown(running, org));

describe("crm-connector's tables", () => {
  it('are described alike by the entities and the migrations', async () => {
    org = await startSalesforceSandbox({});
    running = await startConnector(connectorEnv('crmschema', salesforceVars(org)), { consume: false });
    const db = running.get<DataSource>(DataSource);
    expect(db.entityMetadatas.map((m) => m.tableName).sort()).toEqual([
      'executed_command',
      'hubspot_activity_due',
      'hubspot_engagement_due',
      'hubspot_inbox',
      'hubspot_inbox_rejected',
      'hubspot_logged_activity',
      'lead_snapshot',
      'stream_cursor',
      'write_log',
    ]);
    expect(await schemaDrift(db)).toEqual([]);
  });

  it('prune executed commands, the write log and the set-aside webhook events by age, never the logged activities already emitted', async () => {
    const s = running.env.DATABASE_SCHEMA;
    await query(
      `INSERT INTO ${s}.executed_command (command_id, action, lead_id, api_calls, executed_at)
       VALUES ('old', 'update_lead', 'hubspot:contact:1', 1, now() - interval '8 days'),
              ('recent', 'update_lead', 'hubspot:contact:1', 1, now() - interval '1 day')`,
    );
    await query(
      `INSERT INTO ${s}.write_log (provider, object_id, field, value, command_id, written_at)
       VALUES ('hubspot', '1', 'baton_score', '1', 'old', now() - interval '8 days'),
              ('hubspot', '1', 'baton_score', '2', 'recent', now() - interval '1 day')`,
    );
    await query(
      `INSERT INTO ${s}.hubspot_logged_activity (object_id, engagement, emitted_at)
       VALUES ('1', 'hubspot:calls:1', now() - interval '400 days')`,
    );
    await query(
      `INSERT INTO ${s}.hubspot_inbox_rejected (event_id, reason, raw, received_at)
       VALUES ('1', 'old', '{}', now() - interval '30 days'), ('2', 'recent', '{}', now())`,
    );
    const round = await running.get<Housekeeper>(Housekeeper).runOnce();
    expect(round).toMatchObject({
      ran: true,
      failed: {},
      deleted: { executed_command: 1, write_log: 1, hubspot_inbox_rejected: 1 },
    });
    expect(Object.keys(round.deleted)).not.toContain('hubspot_logged_activity');
    expect(await query(`SELECT command_id FROM ${s}.executed_command`)).toEqual([{ command_id: 'recent' }]);
    expect(await query(`SELECT command_id FROM ${s}.write_log`)).toEqual([{ command_id: 'recent' }]);
    expect(await query(`SELECT reason FROM ${s}.hubspot_inbox_rejected`)).toEqual([{ reason: 'recent' }]);
    expect(await query(`SELECT engagement FROM ${s}.hubspot_logged_activity`)).toHaveLength(1);
  });
});
