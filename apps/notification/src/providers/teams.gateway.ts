import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, SERVICE_ENV, type Clock } from '@baton/platform';
import type { Person } from '../alerts/content.js';
import type { NotificationEnv } from '../config/env.js';
import { PermanentFailure, RetryLater, TransientFailure } from '../delivery/failures.js';

interface BotSettings {
  appId: string;
  appPassword: string;
  tenantId: string;
  serviceUrl: string;
  tokenUrl: string;
}

/**
 * Microsoft Teams, two ways. Where a bot is configured (TEAMS_BOT_*) and the rep has a Teams user
 * id, a 1:1 proactive message through the Bot Connector REST API: an app-only token (client
 * credentials, scope https://api.botframework.com/.default, cached until it expires), the 1:1
 * conversation (`POST /v3/conversations`, remembered), the card as a message activity (≤ 40 KB;
 * the app must be installed for the user). Otherwise a post to the Workflows webhook
 * (TEAMS_WEBHOOK_URL; Office 365 connectors are retired) in the channel the flow's owner chose, the
 * rep @mentioned in the card; its URL carries a `sig=` and is never logged. Neither can be asked
 * whether an earlier post arrived: a crash between the POST and the record can post twice (see the
 * README).
 * https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/send-proactive-messages,
 * https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication
 */
@Injectable()
export class TeamsGateway {
  readonly enabled: boolean;
  private readonly webhookUrl?: string;
  private readonly bot?: BotSettings;
  private token?: { value: string; expiresAt: number };
  private readonly conversations = new Map<string, string>();

  constructor(
    @Inject(SERVICE_ENV) env: NotificationEnv,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.webhookUrl = env.TEAMS_WEBHOOK_URL;
    if (env.TEAMS_BOT_APP_ID && env.TEAMS_BOT_APP_PASSWORD && env.TEAMS_BOT_TENANT_ID)
      this.bot = {
        appId: env.TEAMS_BOT_APP_ID,
        appPassword: env.TEAMS_BOT_APP_PASSWORD,
        tenantId: env.TEAMS_BOT_TENANT_ID,
        serviceUrl: env.TEAMS_BOT_SERVICE_URL.replace(/\/?$/, '/'),
        tokenUrl:
          env.TEAMS_BOT_TOKEN_URL ??
          `https://login.microsoftonline.com/${encodeURIComponent(env.TEAMS_BOT_TENANT_ID)}/oauth2/v2.0/token`,
      };
    this.enabled = Boolean(this.webhookUrl || this.bot);
  }

  /** Posts the Workflows message (or its card, 1:1 through the bot); the bot's activity id when there is one. */
  async post(message: { attachments: unknown[] }, recipient: Person): Promise<string | undefined> {
    if (this.bot && recipient.teamsUserId)
      return this.postBot(this.bot, recipient.teamsUserId, message.attachments);
    if (!this.webhookUrl)
      throw new PermanentFailure(
        this.bot ? 'no Teams user id for the bot, and no TEAMS_WEBHOOK_URL' : 'Teams is not configured',
      );
    await this.request(this.webhookUrl, { method: 'POST', body: JSON.stringify(message) }, 'Teams webhook');
    return undefined;
  }

  private async postBot(bot: BotSettings, userId: string, attachments: unknown[]): Promise<string> {
    let conversation = this.conversations.get(userId);
    if (!conversation) {
      const created = (await this.request(
        `${bot.serviceUrl}v3/conversations`,
        {
          method: 'POST',
          body: JSON.stringify({
            bot: { id: `28:${bot.appId}` },
            members: [{ id: userId }],
            channelData: { tenant: { id: bot.tenantId } },
            isGroup: false,
            tenantId: bot.tenantId,
          }),
        },
        'Bot Connector (conversation)',
        await this.accessToken(bot),
      )) as { id?: string };
      if (!created.id) throw new TransientFailure('Bot Connector created no conversation');
      conversation = created.id;
      this.conversations.set(userId, conversation);
    }
    const sent = (await this.request(
      `${bot.serviceUrl}v3/conversations/${encodeURIComponent(conversation)}/activities`,
      { method: 'POST', body: JSON.stringify({ type: 'message', attachments }) },
      'Bot Connector (message)',
      await this.accessToken(bot),
    )) as { id?: string };
    return sent.id ?? `teams-bot:${conversation}`;
  }

  private async accessToken(bot: BotSettings): Promise<string> {
    const now = this.clock.now().getTime();
    if (this.token && this.token.expiresAt - 60_000 > now) return this.token.value;
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: bot.appId,
      client_secret: bot.appPassword,
      scope: 'https://api.botframework.com/.default',
    });
    const res = (await this.request(
      bot.tokenUrl,
      {
        method: 'POST',
        body: body.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
      'Entra token endpoint',
    )) as { access_token?: string; expires_in?: number };
    if (!res.access_token) throw new PermanentFailure('the token endpoint gave no access_token');
    this.token = { value: res.access_token, expiresAt: now + (res.expires_in ?? 3600) * 1000 };
    return this.token.value;
  }

  /** One HTTP call, its failure mapped onto what the dispatcher does next. */
  private async request(url: string, init: RequestInit, what: string, bearer?: string): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(url, {
        ...init,
        headers: {
          'content-type': 'application/json',
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          ...(init.headers as Record<string, string> | undefined),
        },
        signal: AbortSignal.timeout(10_000),
        redirect: 'error',
      });
    } catch (err) {
      throw new TransientFailure(`${what} unreachable: ${(err as Error).message}`, true);
    }
    const text = await res.text().catch(() => '');
    if (res.ok) {
      try {
        return text ? (JSON.parse(text) as unknown) : {};
      } catch {
        return {};
      }
    }
    if (res.status === 401 && bearer) this.token = undefined;
    if (res.status === 429) {
      const after = Number(res.headers.get('retry-after'));
      throw new RetryLater(
        (Number.isFinite(after) && after > 0 ? after : 5) * 1000,
        `${what} throttled (429)`,
      );
    }
    if (res.status >= 500 || res.status === 408)
      throw new TransientFailure(`${what} HTTP ${res.status}`, true);
    throw new PermanentFailure(`${what} HTTP ${res.status}: ${text.slice(0, 300)}`);
  }
}
