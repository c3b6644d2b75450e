import { generateKeyPairSync } from 'node:crypto';
import { ErrorCode, WebClient, type WebAPIRateLimitedError } from '@slack/web-api';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackSignature, startSlackFake, type SlackFake } from './slack.js';
import { startSmtpInbox, type SmtpInbox } from './smtp.js';
import { TEAMS_MAX_BYTES, startTeamsFake, type TeamsFake } from './teams.js';

let slack: SlackFake;
let teams: TeamsFake;
let smtp: SmtpInbox;

beforeAll(async () => {
  slack = await startSlackFake({
    token: 'xoxb-test',
    signingSecret: 'shh',
    users: [{ id: 'U0ANA', name: 'ana.silva', email: 'ana.silva@example.com' }],
  });
  teams = await startTeamsFake();
  smtp = await startSmtpInbox({ httpPort: 0 });
});

afterAll(async () => {
  await slack?.close();
  await teams?.close();
  await smtp?.close();
});

const client = () =>
  new WebClient('xoxb-test', {
    slackApiUrl: slack.apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  });

describe('the Slack fake, through @slack/web-api', () => {
  it('opens the DM on chat.postMessage to a user id, keeps metadata, updates, finds it in the history', async () => {
    const web = client();
    const posted = await web.chat.postMessage({
      channel: 'U0ANA',
      text: 'New lead',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*New lead*' } }],
      metadata: { event_type: 'baton_delivery', event_payload: { delivery_id: 'd-1' } },
    });
    expect(posted.channel).toBe('D0ANA');
    await web.chat.update({ channel: posted.channel!, ts: posted.ts!, text: 'Accepted' });
    expect(slack.dms('U0ANA')).toMatchObject([{ text: 'Accepted', updates: 1 }]);
    const opened = await web.conversations.open({ users: 'U0ANA' });
    const history = await web.conversations.history({
      channel: opened.channel!.id!,
      include_all_metadata: true,
      limit: 10,
    });
    expect(history.messages?.[0]?.metadata?.event_payload).toEqual({ delivery_id: 'd-1' });
    const found = await web.users.lookupByEmail({ email: 'ANA.SILVA@example.com' });
    expect(found.user?.id).toBe('U0ANA');
  });

  it('answers 429 with Retry-After on demand, and refuses blocks over the limits', async () => {
    slack.failNext('chat.postMessage', { retryAfter: 3 });
    const err = (await client()
      .chat.postMessage({ channel: 'U0ANA', text: 'x' })
      .catch((e: unknown) => e)) as WebAPIRateLimitedError;
    expect(err.code).toBe(ErrorCode.RateLimitedError);
    expect(err.retryAfter).toBe(3);
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    await expect(client().chat.postMessage({ channel: 'U0ANA', text: 'x', blocks: tooMany })).rejects.toThrow(
      'invalid_blocks',
    );
    slack.failNext('chat.postMessage', { status: 503 });
    await expect(client().chat.postMessage({ channel: 'U0ANA', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.HTTPError,
      statusCode: 503,
    });
    await expect(
      new WebClient('xoxb-wrong', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } }).auth.test(),
    ).rejects.toThrow('invalid_auth');
  });

  it('signs interactivity like Slack: v0 HMAC over v0:<ts>:<raw form body>', () => {
    const signed = slack.signInteraction({ type: 'block_actions' }, { timestamp: 1_700_000_000 });
    expect(signed.body).toMatch(/^payload=/);
    expect(signed.headers['x-slack-signature']).toBe(slackSignature('shh', 1_700_000_000, signed.body));
    // The example of Slack's documentation.
    expect(
      slackSignature(
        '8f742231b10e8888abcd99yyyzzz85a5',
        1531420618,
        'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
      ),
    ).toBe('v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503');
  });
});

describe('the Teams Workflows fake', () => {
  const envelope = (card: object) => ({
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: card }],
  });
  const post = (body: unknown) =>
    fetch(teams.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('accepts an Adaptive Card 1.4 with a mention and OpenUrl actions (202)', async () => {
    const res = await post(
      envelope({
        type: 'AdaptiveCard',
        version: '1.4',
        body: [{ type: 'TextBlock', text: '<at>Ana</at> a new lead' }],
        actions: [{ type: 'Action.OpenUrl', title: 'Accept', url: 'https://baton.example/a/1' }],
        msteams: {
          entities: [{ type: 'mention', text: '<at>Ana</at>', mentioned: { id: 'ana@x', name: 'Ana' } }],
        },
      }),
    );
    expect(res.status).toBe(202);
    expect(teams.posts).toHaveLength(1);
  });

  it('refuses 1.5, Action.Submit and a body over 28 KB', async () => {
    expect((await post(envelope({ type: 'AdaptiveCard', version: '1.5', body: [] }))).status).toBe(400);
    expect(
      (
        await post(
          envelope({
            type: 'AdaptiveCard',
            version: '1.4',
            body: [],
            actions: [{ type: 'Action.Submit', title: 'x' }],
          }),
        )
      ).status,
    ).toBe(400);
    const big = 'x'.repeat(TEAMS_MAX_BYTES);
    expect(
      (
        await post(
          envelope({ type: 'AdaptiveCard', version: '1.4', body: [{ type: 'TextBlock', text: big }] }),
        )
      ).status,
    ).toBe(400);
    expect(teams.rejected.map((r) => r.reason).join('\n')).toMatch(/1\.5[\s\S]*Action\.Submit[\s\S]*bytes/);
  });
});

describe('the SMTP inbox, through nodemailer', () => {
  it('receives a DKIM-signed message with its envelope and headers, and shows it over HTTP', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const transport = createTransport({
      url: smtp.url,
      dkim: {
        domainName: 'example.com',
        keySelector: 'baton',
        privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      },
    } as Parameters<typeof createTransport>[0]);
    await transport.sendMail({
      from: 'Ana Silva <ana.silva@example.com>',
      replyTo: 'ana.silva@example.com',
      to: 'priya@northwind.test',
      subject: 'Hello',
      text: 'Hi Priya',
    });
    const mail = await smtp.waitFor(() => smtp.messages[0]);
    expect(mail.envelope).toEqual({ from: 'ana.silva@example.com', to: ['priya@northwind.test'] });
    expect(mail.parsed.from?.value[0]).toMatchObject({ name: 'Ana Silva', address: 'ana.silva@example.com' });
    expect(mail.header('dkim-signature')).toMatch(/d=example\.com;[\s\S]*s=baton;/);
    const listed = (await (await fetch(`${smtp.httpUrl}/messages`)).json()) as { subject: string }[];
    expect(listed[0].subject).toBe('Hello');
    smtp.failNext(550);
    await expect(
      transport.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'x', text: 'x' }),
    ).rejects.toMatchObject({ responseCode: 550 });
  });
});
