import { startSlackFake, type SlackFake, type SlackFakeUser } from './slack.js';
import { startSmtpInbox, type SmtpInbox } from './smtp.js';
import { startTeamsFake, type TeamsFake } from './teams.js';

export interface ChatSandboxes {
  slack: SlackFake;
  teams: TeamsFake;
  smtp: SmtpInbox;
  /** The settings that point notification at the sandboxes. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Slack fake, Teams Workflows fake and SMTP inbox (with its HTTP view), for the quickstart and the CLI. */
export async function startChatSandboxes(
  opts: {
    slackPort?: number;
    teamsPort?: number;
    smtpPort?: number;
    inboxHttpPort?: number;
    signingSecret?: string;
    botToken?: string;
    users?: SlackFakeUser[];
    host?: string;
  } = {},
): Promise<ChatSandboxes> {
  const botToken = opts.botToken ?? 'xoxb-sandbox-token';
  const slack = await startSlackFake({
    port: opts.slackPort ?? 0,
    token: botToken,
    signingSecret: opts.signingSecret,
    users: opts.users,
    anyUser: true,
    host: opts.host,
  });
  const teams = await startTeamsFake({ port: opts.teamsPort ?? 0, host: opts.host });
  const smtp = await startSmtpInbox({
    port: opts.smtpPort ?? 0,
    httpPort: opts.inboxHttpPort ?? 0,
    host: opts.host,
  });
  return {
    slack,
    teams,
    smtp,
    env: {
      SLACK_API_URL: slack.apiUrl,
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      TEAMS_WEBHOOK_URL: teams.url,
      SMTP_URL: smtp.url,
    },
    close: async () => {
      await Promise.all([slack.close(), teams.close(), smtp.close()]);
    },
  };
}
