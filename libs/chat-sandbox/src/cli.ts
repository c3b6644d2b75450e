import { startChatSandboxes } from './standalone.js';

/*
 * Local Slack, Teams Workflows and SMTP for demos:
 *   node --import @swc-node/register/esm-register libs/chat-sandbox/src/cli.ts
 * Env: SLACK_SANDBOX_PORT (4030), TEAMS_SANDBOX_PORT (4031), SMTP_SANDBOX_PORT (2525),
 * INBOX_SANDBOX_PORT (4032, the inbox over HTTP), SLACK_SANDBOX_SIGNING_SECRET, CHAT_SANDBOX_HOST
 * (127.0.0.1; 0.0.0.0 in a container).
 */
function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535)
    throw new Error(`${name} must be a TCP port, got "${raw}"`);
  return value;
}

const sandboxes = await startChatSandboxes({
  slackPort: port('SLACK_SANDBOX_PORT', 4030),
  teamsPort: port('TEAMS_SANDBOX_PORT', 4031),
  smtpPort: port('SMTP_SANDBOX_PORT', 2525),
  inboxHttpPort: port('INBOX_SANDBOX_PORT', 4032),
  signingSecret: process.env.SLACK_SANDBOX_SIGNING_SECRET || undefined,
  host: process.env.CHAT_SANDBOX_HOST || undefined,
});
const { slack, smtp } = sandboxes;
process.stdout.write(
  [
    `Slack fake       ${slack.apiUrl}  (DMs: GET http://127.0.0.1:${slack.port}/_sandbox/messages)`,
    `Teams fake       ${sandboxes.teams.url}`,
    `SMTP inbox       ${smtp.url}  (mail: GET ${smtp.httpUrl}/messages)`,
    '',
    '# Point notification at the sandboxes:',
    ...Object.entries(sandboxes.env).map(([k, v]) => `${k}=${v}`),
    '',
    'Ctrl-C stops them.',
    '',
  ].join('\n'),
);
const stop = () => {
  sandboxes.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
