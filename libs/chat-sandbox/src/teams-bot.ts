import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { failedOnDemand, listen, readBody, send, until } from './http.js';
import type { AdaptiveCard } from './teams.js';

/**
 * A fake of the two Microsoft endpoints a Teams bot's proactive 1:1 message uses: the Entra ID
 * token endpoint (client credentials, scope https://api.botframework.com/.default) and the Bot
 * Connector REST API at the bot's `serviceUrl` (create the 1:1 conversation, then post a message
 * activity with an Adaptive Card attachment, at most 40 KB).
 * https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication,
 * https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/send-proactive-messages
 */
export const TEAMS_BOT_MAX_BYTES = 40 * 1024;

export interface BotActivity {
  conversationId: string;
  userId: string;
  id: string;
  card: AdaptiveCard;
  bytes: number;
  at: number;
}

export interface TeamsBotFake {
  /** The token endpoint URL (TEAMS_BOT_TOKEN_URL). */
  tokenUrl: string;
  /** The Bot Connector service URL (TEAMS_BOT_SERVICE_URL). */
  serviceUrl: string;
  appId: string;
  appPassword: string;
  tenantId: string;
  activities: BotActivity[];
  /** Token requests served (a client should cache its token until it expires). */
  tokensIssued: number;
  /** The next `times` activity posts answer `status` (429 with Retry-After 1). */
  failNext(status: number, times?: number): void;
  waitFor<T>(check: () => T | undefined | false, timeoutMs?: number, what?: string): Promise<T>;
  close(): Promise<void>;
}

export async function startTeamsBotFake(opts: { port?: number; host?: string } = {}): Promise<TeamsBotFake> {
  const appId = '00000000-0000-0000-0000-00000000b07';
  const appPassword = 'sandbox-bot-password';
  const tenantId = '00000000-0000-0000-0000-0000000tenant';
  const tokens = new Set<string>();
  const conversations = new Map<string, string>();
  const activities: BotActivity[] = [];
  const failures: number[] = [];
  let tokensIssued = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://bot.local');
    const raw = await readBody(req);
    if (req.method === 'POST' && url.pathname === `/${tenantId}/oauth2/v2.0/token`) {
      const form = new URLSearchParams(raw);
      if (
        form.get('grant_type') !== 'client_credentials' ||
        form.get('client_id') !== appId ||
        form.get('client_secret') !== appPassword ||
        form.get('scope') !== 'https://api.botframework.com/.default'
      ) {
        send(res, 401, { error: 'invalid_client' });
        return;
      }
      const token = `bot-token-${randomUUID()}`;
      tokens.add(token);
      tokensIssued++;
      send(res, 200, { token_type: 'Bearer', expires_in: 3599, access_token: token });
      return;
    }
    const auth = req.headers.authorization?.replace(/^Bearer /, '');
    if (!auth || !tokens.has(auth)) {
      send(res, 401, { error: { code: 'Unauthorized', message: 'invalid bearer token' } });
      return;
    }
    if (req.method === 'POST' && url.pathname === '/v3/conversations') {
      const body = JSON.parse(raw) as {
        bot?: { id?: string };
        members?: { id: string }[];
        isGroup?: boolean;
      };
      const user = body.members?.[0]?.id;
      if (!user || body.members!.length !== 1 || body.isGroup) {
        send(res, 400, { error: { code: 'BadArgument', message: 'one member for a 1:1 conversation' } });
        return;
      }
      const id = conversations.get(user) ?? `a:1${Buffer.from(user).toString('hex')}`;
      conversations.set(user, id);
      send(res, 201, { id });
      return;
    }
    const m = /^\/v3\/conversations\/([^/]+)\/activities$/.exec(url.pathname);
    if (req.method === 'POST' && m) {
      if (failedOnDemand(res, failures)) return;
      const conversationId = decodeURIComponent(m[1]);
      const user = [...conversations.entries()].find(([, c]) => c === conversationId)?.[0];
      const bytes = Buffer.byteLength(raw);
      const activity = JSON.parse(raw) as {
        type?: string;
        attachments?: { contentType: string; content: AdaptiveCard }[];
      };
      const card = activity.attachments?.[0]?.content;
      if (
        !user ||
        activity.type !== 'message' ||
        !card ||
        card.version !== '1.4' ||
        bytes > TEAMS_BOT_MAX_BYTES
      ) {
        send(res, 400, {
          error: { code: 'BadArgument', message: 'a message with one Adaptive Card 1.4, at most 40 KB' },
        });
        return;
      }
      const id = `1${Date.now()}${activities.length}`;
      activities.push({ conversationId, userId: user, id, card, bytes, at: Date.now() });
      send(res, 201, { id });
      return;
    }
    send(res, 404, { error: { code: 'NotFound', message: url.pathname } });
  };
  const listening = await listen(opts.port ?? 0, handle, opts.host);
  const base = `http://127.0.0.1:${listening.port}`;
  return {
    tokenUrl: `${base}/${tenantId}/oauth2/v2.0/token`,
    serviceUrl: `${base}/`,
    appId,
    appPassword,
    tenantId,
    activities,
    get tokensIssued() {
      return tokensIssued;
    },
    failNext: (status, times = 1) => {
      for (let i = 0; i < times; i++) failures.push(status);
    },
    waitFor: (check, timeoutMs = 30_000, what = 'the Teams bot fake') => until(check, timeoutMs, what),
    close: () => listening.close(),
  };
}
