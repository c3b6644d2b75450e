// Commits a state change and its outbox event in one transaction, then dies by SIGKILL
// before any relay could publish: the crash the outbox exists for.
import { Topics } from '@baton/domain';
import { Outbox } from '../src/outbox.js';
import { openServiceDatabase } from '../src/data-source.js';
import { DemoLead1732300000001 } from './demo-lead.migration.js';

const [url, schema, leadId, eventId] = process.argv.slice(2);
const ds = await openServiceDatabase({ url, schema, migrations: [DemoLead1732300000001] });
const outbox = new Outbox('baton/crash-writer', schema);
await ds.transaction(async (em) => {
  await em.query(`INSERT INTO demo_lead (lead_id, touches) VALUES ($1, 1)`, [leadId]);
  await outbox.enqueue(em, [
    {
      topic: Topics.LeadRecycled,
      subject: leadId,
      id: eventId,
      data: {
        leadId,
        crm: { provider: 'hubspot', objectType: 'contact', id: leadId.split(':')[2] },
        reason: 'timing',
        previousStage: 'sql',
        scoreBefore: 72,
        scoreAfter: 20,
        nurtureProgram: 'list-42',
        recycledAt: new Date().toISOString(),
      },
    },
  ]);
});
process.stdout.write('committed\n');
process.kill(process.pid, 'SIGKILL');
