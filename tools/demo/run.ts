/**
 * The platform, locally: a HubSpot sandbox (contract-faithful fake, in this process), then
 * crm-connector, scoring and routing as separate processes on the real broker and Postgres,
 * and one prospect's journey through them: signed webhooks in, a qualified lead with its
 * "why", a rep chosen with the reason written down, the CRM record updated, the first-touch
 * timer armed by sla (its demo policy: one minute; `npm start` prints the reminder when it fires).
 *
 *   npm start            runs the journey, then keeps everything up until Ctrl-C
 *   npm run demo         runs the journey and stops (exit 1 if the handoff did not complete)
 *
 * Each run uses its own topic prefix and database schemas, dropped again on exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { parse } from 'yaml';
import {
  Topics,
  type LeadAssigned,
  type LeadQualified,
  type SlaArmed,
  type SlaBreached,
} from '@baton/domain';
import { startHubSpotSandbox, type HubSpotSandbox } from '@baton/crm-sandbox';
import { startChatSandboxes, type ChatSandboxes } from '@baton/chat-sandbox';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const once = process.argv.includes('--once');
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092';
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/baton';
/** Every service's admin and data API requires it; printed at the end with the commands that use it. */
const apiToken = process.env.BATON_API_TOKEN ?? `local-${randomBytes(12).toString('hex')}`;
const run = `demo${Date.now().toString(36)}`;
const prefix = `${run}.`;
const ports = {
  hubspot: 4010,
  connector: 3101,
  scoring: 3102,
  routing: 3103,
  notification: 3104,
  sla: 3105,
  slack: 4030,
  inbox: 4032,
};
const children = new Map<string, ChildProcess>();
const say = (line = '') => process.stdout.write(`${line}\n`);

interface RosterRep {
  id: string;
  name: string;
  email: string;
  crmOwnerIds?: { hubspot?: string };
}

/** The sandbox's owners are the roster's reps, so routing's owner writes are valid there. */
function rosterOwners() {
  const roster = parse(readFileSync(join(root, 'apps/routing/config/policy/roster.yaml'), 'utf8')) as {
    reps?: RosterRep[];
    managers?: RosterRep[];
  };
  const people = [...(roster.managers ?? []), ...(roster.reps ?? [])];
  return people
    .filter((p) => p.crmOwnerIds?.hubspot)
    .map((p, i) => {
      const [firstName, ...rest] = p.name.split(' ');
      return {
        id: p.crmOwnerIds!.hubspot!,
        email: p.email,
        firstName,
        lastName: rest.join(' '),
        userId: 7000 + i,
      };
    });
}

function startService(name: string, port: number, extra: Record<string, string>): ChildProcess {
  const schema = `${name.replace(/-/g, '_')}_${run}`;
  const child = spawn(
    process.execPath,
    ['--import', '@swc-node/register/esm-register', join(root, 'apps', name, 'src', 'main.ts')],
    {
      cwd: root,
      env: {
        ...process.env,
        KAFKA_BROKERS: brokers,
        KAFKA_TOPIC_PREFIX: prefix,
        KAFKA_TOPIC_PARTITIONS: '3',
        DATABASE_URL: databaseUrl,
        DATABASE_SCHEMA: schema,
        PORT: String(port),
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
        BATON_POLICY_DIR: join(root, 'apps', name, 'config', 'policy'),
        BATON_API_TOKEN: apiToken,
        ...extra,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const tag = name.padEnd(13);
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (
        line.trim() &&
        !line.includes('TimeoutNegativeWarning') &&
        !line.includes('Timeout duration was set') &&
        !line.includes('--trace-warnings')
      )
        process.stderr.write(`  [${tag}] ${line}\n`);
    }
  };
  child.stdout!.on('data', forward);
  child.stderr!.on('data', forward);
  child.on('exit', (code, signal) => {
    if (children.get(name) === child && !stopping) say(`  ${name} exited (${code ?? signal})`);
  });
  children.set(name, child);
  return child;
}

async function waitReady(name: string, port: number, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const child = children.get(name);
    if (child && child.exitCode !== null)
      throw new Error(`${name} exited with ${child.exitCode} before it was ready`);
    const res = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined);
    if (res?.ok) return;
    if (Date.now() > deadline) throw new Error(`${name} not ready on :${port} after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

function runProvision(hubspot: HubSpotSandbox): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        '@swc-node/register/esm-register',
        join(root, 'apps/crm-connector/src/cli.ts'),
        'provision',
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          ...connectorEnv(hubspot),
          KAFKA_BROKERS: brokers,
          DATABASE_URL: databaseUrl,
          BATON_POLICY_DIR: join(root, 'apps/crm-connector/config/policy'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`provision failed:\n${out}`))));
  });
}

function connectorEnv(hubspot: HubSpotSandbox): Record<string, string> {
  return {
    CRM_PROVIDER: 'hubspot',
    HUBSPOT_API_BASE_URL: hubspot.baseUrl,
    HUBSPOT_ACCESS_TOKEN: 'pat-demo-token',
    HUBSPOT_CLIENT_SECRET: hubspot.clientSecret,
    HUBSPOT_APP_ID: String(hubspot.appId),
    WEBHOOK_PUBLIC_URL: `http://127.0.0.1:${ports.connector}`,
  };
}

/** Slack fake, Teams Workflows fake and SMTP inbox that notification talks to (this process). */
let chat: ChatSandboxes | undefined;
/**
 * notification's policy with the intro e-mail's delay cut to 15 s, so the journey shows it, and sent
 * although the sandbox's contact carries no opt-out flag yet (the shipped policy skips such leads).
 */
let notificationPolicyDir: string | undefined;

function notificationEnv(sandboxes: ChatSandboxes): Record<string, string> {
  notificationPolicyDir = mkdtempSync(join(tmpdir(), 'baton-demo-notification-'));
  cpSync(join(root, 'apps/notification/config/policy'), notificationPolicyDir, { recursive: true });
  const policy = join(notificationPolicyDir, 'notification.yaml');
  writeFileSync(
    policy,
    readFileSync(policy, 'utf8')
      .replace(/delayMinutes: [\d.]+/, 'delayMinutes: 0.25')
      .replace(/whenOptOutUnknown: \w+/, 'whenOptOutUnknown: send'),
  );
  return {
    ...sandboxes.env,
    BATON_POLICY_DIR: notificationPolicyDir,
    NOTIFICATION_LINK_SECRET: randomBytes(24).toString('hex'),
    NOTIFICATION_PUBLIC_URL: `http://127.0.0.1:${ports.notification}`,
    NOTIFICATION_HUBSPOT_PORTAL_ID: '4711',
  };
}

/** The rep's alert (Slack DM) and the prospect's intro e-mail, as the fakes received them. */
async function alertAndIntro(a: LeadAssigned, sentAt: number): Promise<boolean> {
  const sandboxes = chat!;
  const userId = a.rep.slackUserId;
  const deadline = Date.now() + 30_000;
  let dm = sandboxes.slack.messages.find((m) => userId && m.channel === `D${userId.replace(/^[UW]/, '')}`);
  let mail = sandboxes.smtp.messages.find((m) => m.envelope.to.includes(a.rep.email));
  while (!dm && !mail && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    dm = sandboxes.slack.messages.find((m) => userId && m.channel === `D${userId.replace(/^[UW]/, '')}`);
    mail = sandboxes.smtp.messages.find((m) => m.envelope.to.includes(a.rep.email));
  }
  if (dm) {
    say(`\n✔ Slack DM to ${a.rep.name} (${userId}) after ${Date.now() - sentAt} ms:`);
    for (const line of dm.text.split('\n').slice(0, 8)) say(`  │ ${line}`);
    say(
      `  buttons: Accept · Log a call · Not mine · Open in CRM   (every DM: GET http://127.0.0.1:${ports.slack}/_sandbox/messages)`,
    );
  } else if (mail) {
    say(`\n✔ alert e-mailed to ${a.rep.email}: ${mail.parsed.subject ?? ''}`);
  } else {
    say(`\n✘ no alert reached ${a.rep.name} within 30 s`);
    return false;
  }
  const prospect = a.lead.identity.email?.toLowerCase();
  const introDeadline = Date.now() + 60_000;
  let intro = sandboxes.smtp.messages.find((m) => prospect && m.envelope.to.includes(prospect));
  while (!intro && Date.now() < introDeadline) {
    await new Promise((r) => setTimeout(r, 200));
    intro = sandboxes.smtp.messages.find((m) => prospect && m.envelope.to.includes(prospect));
  }
  if (intro) {
    say(`\n✔ intro e-mail to ${prospect} after ${Date.now() - sentAt} ms (the policy's delay: 15 s here):`);
    say(`  From: ${intro.parsed.from?.text ?? ''}   Reply-To: ${intro.parsed.replyTo?.text ?? ''}`);
    say(`  Subject: ${intro.parsed.subject ?? ''}`);
    for (const line of (intro.parsed.text ?? '').split('\n').slice(0, 6)) say(`  │ ${line}`);
    say(`  (the inbox: GET ${sandboxes.smtp.httpUrl}/messages)`);
  } else {
    say(
      `\n  no intro e-mail to ${prospect ?? 'the prospect'} (see GET http://127.0.0.1:${ports.notification}/leads/${encodeURIComponent(a.leadId)}/notifications for why)`,
    );
  }
  return true;
}

/** Watches a topic from the start with a plain kafkajs consumer, independent of the services. */
async function watch<T>(topic: string, leadId: string, timeoutMs: number): Promise<{ data: T; at: number }> {
  const kafka = new Kafka({
    brokers: brokers.split(','),
    clientId: 'baton-demo',
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `${run}-watch-${topic}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: `${prefix}${topic}`, fromBeginning: true });
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${topic} for ${leadId} within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (message.key?.toString() !== leadId) return;
          clearTimeout(timer);
          resolve({ data: (JSON.parse(message.value!.toString()) as { data: T }).data, at: Date.now() });
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
}

async function journey(hubspot: HubSpotSandbox): Promise<boolean> {
  const webhookUrl = `http://127.0.0.1:${ports.connector}/webhooks/hubspot`;
  const contact = hubspot.createContact({
    email: 'priya.raman@northwind.test',
    firstname: 'Priya',
    lastname: 'Raman',
    company: 'Northwind Logistics',
    jobtitle: 'VP of Operations',
    // As a real portal holds them: free-text places, HubSpot's industry and employee-range enums.
    country: 'United States',
    state: 'California',
    numemployees: '1000+',
    industry: 'LOGISTICS_AND_SUPPLY_CHAIN',
    product_interest: 'routing',
  });
  const leadId = `hubspot:contact:${contact.id}`;
  const day = 24 * 3600_000;
  const t0 = Date.now();
  const journeyEvents: { eventType: string; at: number; properties: Record<string, string> }[] = [
    {
      eventType: 'e_visited_page',
      at: t0 - 9 * day,
      properties: {
        hs_url: 'https://www.example.com/blog/speed-to-lead',
        hs_page_title: 'Why speed-to-lead matters',
      },
    },
    {
      eventType: 'e_opened_email',
      at: t0 - 7 * day,
      properties: { hs_email_subject: 'Your November digest' },
    },
    {
      eventType: 'e_downloaded_content',
      at: t0 - 6 * day,
      properties: {
        hs_asset_title: 'Security whitepaper',
        hs_url: 'https://www.example.com/security/whitepaper',
      },
    },
    {
      eventType: 'e_visited_page',
      at: t0 - 2 * day,
      properties: { hs_url: 'https://www.example.com/pricing', hs_page_title: 'Pricing' },
    },
    {
      eventType: 'e_submitted_form',
      at: t0 - 3600_000,
      properties: { hs_form_title: 'Request a demo', hs_form_id: 'demo-request' },
    },
  ];
  for (const e of journeyEvents)
    hubspot.addEvent({
      objectId: contact.id,
      eventType: e.eventType,
      properties: e.properties,
      occurredAt: e.at,
    });

  say(
    `\n▶ Prospect ${leadId}: Priya Raman, VP of Operations at Northwind Logistics (California, United States; 1000+ employees; LOGISTICS_AND_SUPPLY_CHAIN)`,
  );
  say('  journey: blog post → e-mail open → security whitepaper → pricing page → "Request a demo" form');
  const qualified = watch<LeadQualified>(Topics.LeadQualified, leadId, 60_000);
  const assigned = watch<LeadAssigned>(Topics.LeadAssigned, leadId, 60_000);
  const armed = watch<SlaArmed>(Topics.SlaArmed, leadId, 60_000);
  await new Promise((r) => setTimeout(r, 1500));
  const sentAt = Date.now();
  const res = await hubspot.sendWebhook(webhookUrl, [
    hubspot.webhookEvent({ subscriptionType: 'contact.creation', objectId: Number(contact.id) }),
  ]);
  say(`  HubSpot → POST /webhooks/hubspot (v3 signature): ${res.status} in ${Date.now() - sentAt} ms`);

  const q = await qualified;
  say(
    `\n✔ lead.qualified.v1 after ${q.at - sentAt} ms: score ${q.data.score} ≥ ${q.data.threshold}, ${q.data.highIntentSignals.length} distinct high-intent signals`,
  );
  const { identity: who, firmographics: firm } = q.data;
  say(
    `  read as: country ${who.country ?? '?'} (from "${who.countryRaw ?? ''}"), state ${who.state ?? '?'} (from "${who.stateRaw ?? ''}"), industry ${firm.industry ?? '?'} (from "${firm.industryRaw ?? ''}")`,
  );
  for (const b of q.data.breakdown) say(`    ${String(b.points).padStart(4)}  ${b.label}`);
  say(`  summary for the rep: ${q.data.summary}`);

  const a = await assigned;
  say(
    `\n✔ lead.assigned.v1 after ${a.at - sentAt} ms: ${a.data.rep.name} <${a.data.rep.email}> (rule ${a.data.ruleId}, ${a.data.strategy})`,
  );
  say(`  why: ${a.data.reason}`);

  const audit = (await (
    await fetch(`http://127.0.0.1:${ports.routing}/leads/${encodeURIComponent(leadId)}/assignment`, {
      headers: { authorization: `Bearer ${apiToken}` },
    })
  ).json()) as unknown;
  say(
    `  GET routing /leads/${leadId}/assignment → ${JSON.stringify(audit).length} bytes of audit (candidates, skips, rotation before/after)`,
  );

  // The write-back: scoring's update (stage, score, summary) and routing's (owner), one PATCH each.
  const deadline = Date.now() + 30_000;
  let props = hubspot.contacts.get(contact.id)!.properties;
  while (Date.now() < deadline && !(props.hubspot_owner_id && props.baton_handoff_summary)) {
    await new Promise((r) => setTimeout(r, 200));
    props = hubspot.contacts.get(contact.id)!.properties;
  }
  const patches = hubspot.requests.filter(
    (r) => r.method === 'PATCH' && r.path.endsWith(`/contacts/${contact.id}`),
  );
  say(
    `\n✔ HubSpot contact after ${Date.now() - sentAt} ms: lifecyclestage=${props.lifecyclestage}, hubspot_owner_id=${props.hubspot_owner_id}, baton_score=${props.baton_score}`,
  );
  say(`  baton_handoff_summary: ${props.baton_handoff_summary ?? '(not written)'}`);
  say(`  CRM write calls for this lead: ${patches.length} PATCH`);
  for (const p of patches)
    say(`    PATCH ${Object.keys((p.body as { properties?: object })?.properties ?? {}).join(', ')}`);
  const crmUpdated = Boolean(
    props.hubspot_owner_id && props.baton_handoff_summary && props.lifecyclestage === 'salesqualifiedlead',
  );
  const alerted = await alertAndIntro(a.data, sentAt);
  const slaArmed = await firstTouchDue(armed, sentAt);
  if (!once && slaArmed) void reminder(leadId);
  return crmUpdated && alerted && slaArmed;
}

/** The SLA timers armed for the assignment (the demo policy: a one-minute first touch). */
async function firstTouchDue(
  armed: Promise<{ data: SlaArmed; at: number }>,
  sentAt: number,
): Promise<boolean> {
  const s = await armed.catch(() => undefined);
  if (!s) {
    say('\n✘ no sla.armed.v1: the first-touch timer was not armed');
    return false;
  }
  say(`\n✔ sla.armed.v1 after ${s.at - sentAt} ms: ${s.data.timers.length} timer(s) for ${s.data.repId}`);
  for (const t of s.data.timers)
    say(
      `  ${t.policy} (${t.clock} clock) due ${t.deadline}: ${t.rungs.map((r) => `${r.action} at ${r.at.slice(11, 19)}`).join(', ')}`,
    );
  return s.data.timers.length > 0;
}

/** `npm start`: nobody logs a call, so the demo policy's reminder fires within a minute. */
async function reminder(leadId: string): Promise<void> {
  const t = Date.now();
  say('\n  waiting for the first-touch reminder (nobody logs a call; the demo policy reminds at 30 s)…');
  const b = await watch<SlaBreached>(Topics.SlaBreached, leadId, 90_000).catch(() => undefined);
  if (!b) {
    say('  no sla.breached.v1 within 90 s');
    return;
  }
  say(
    `✔ sla.breached.v1 after ${Math.round((b.at - t) / 1000)} s: ${b.data.action} ${b.data.rep.name} (rung ${b.data.rung}, ${b.data.policy} due ${b.data.deadline})`,
  );
  say(`  GET sla /leads/${leadId}/sla shows every timer, what fired and why`);
}

let stopping = false;
async function shutdown(hubspot?: HubSpotSandbox): Promise<void> {
  if (stopping) return;
  stopping = true;
  say('\nstopping services (SIGTERM: they finish in-flight work and commit)…');
  await Promise.all(
    [...children.values()].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          const t = setTimeout(() => c.kill('SIGKILL'), 20_000);
          c.on('exit', () => {
            clearTimeout(t);
            resolve();
          });
          c.kill('SIGTERM');
        }),
    ),
  );
  await hubspot?.close();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await chat?.close();
  if (notificationPolicyDir) rmSync(notificationPolicyDir, { recursive: true, force: true });
  for (const name of ['crm_connector', 'scoring', 'routing', 'notification', 'sla'])
    await client.query(`DROP SCHEMA IF EXISTS ${name}_${run} CASCADE`);
  await client.end();
  const admin = new Kafka({
    brokers: brokers.split(','),
    clientId: 'baton-demo',
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (topics.length) await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}

async function main(): Promise<number> {
  const hubspot = await startHubSpotSandbox({
    port: ports.hubspot,
    clientSecret: 'demo-client-secret',
    owners: rosterOwners(),
    webhookTargetUrl: `http://127.0.0.1:${ports.connector}/webhooks/hubspot`,
  });
  process.on('SIGINT', () => void shutdown(hubspot).then(() => process.exit(0)));
  process.on('SIGTERM', () => void shutdown(hubspot).then(() => process.exit(0)));
  try {
    say(`HubSpot sandbox on ${hubspot.baseUrl} (owners = the routing roster); run id ${run}`);
    await runProvision(hubspot);
    say('crm-connector provision: Baton properties created in the sandbox portal');
    startService('crm-connector', ports.connector, connectorEnv(hubspot));
    startService('scoring', ports.scoring, {});
    startService('routing', ports.routing, {});
    chat = await startChatSandboxes({ slackPort: ports.slack, inboxHttpPort: ports.inbox });
    startService('notification', ports.notification, notificationEnv(chat));
    startService('sla', ports.sla, { BATON_POLICY_DIR: join(root, 'apps/sla/config/demo') });
    await Promise.all([
      waitReady('crm-connector', ports.connector),
      waitReady('scoring', ports.scoring),
      waitReady('routing', ports.routing),
      waitReady('notification', ports.notification),
      waitReady('sla', ports.sla),
    ]);
    say(
      `services ready: crm-connector :${ports.connector}, scoring :${ports.scoring}, routing :${ports.routing}, notification :${ports.notification}, sla :${ports.sla} (/health/ready, /metrics); Slack fake :${ports.slack}, SMTP inbox ${chat.smtp.url} (${chat.smtp.httpUrl}/messages)`,
    );
    const ok = await journey(hubspot);
    say(ok ? '\nhandoff complete.' : '\nhandoff INCOMPLETE: see the lines above.');
    if (once || !ok) {
      await shutdown(hubspot);
      return ok ? 0 : 1;
    }
    say('\nEverything stays up (Ctrl-C stops it): try the admin API, e.g.');
    say(`  API token (every admin and data API): ${apiToken}`);
    say(`  curl -H "Authorization: Bearer ${apiToken}" http://127.0.0.1:${ports.routing}/roster/reps`);
    say(`  curl -H "Authorization: Bearer ${apiToken}" http://127.0.0.1:${ports.scoring}/review`);
    say(`  curl -H "Authorization: Bearer ${apiToken}" http://127.0.0.1:${ports.sla}/sla/report`);
    say(`  curl http://127.0.0.1:${ports.slack}/_sandbox/messages      # the Slack DMs`);
    say(
      `  curl ${chat.smtp.httpUrl}/messages                     # the e-mails (intro e-mail to the prospect)`,
    );
    await new Promise(() => undefined);
    return 0;
  } catch (err) {
    say(`\ndemo failed: ${(err as Error).message}`);
    await shutdown(hubspot);
    return 1;
  }
}

process.exitCode = await main();
process.exit(process.exitCode);
