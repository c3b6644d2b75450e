import type { IncomingMessage, ServerResponse } from 'node:http';
import { failedOnDemand, listen, readBody, send, until } from './http.js';

/**
 * A Microsoft Teams Workflows webhook fake ("When a Teams webhook request is received" → "Post
 * card in a chat or channel"). It takes the envelope Workflows expects,
 * `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":{…}}]}`,
 * and refuses what Teams would not render: a card that is not Adaptive Card 1.4 (1.5 fails there),
 * a body over 28 KB, `Action.Submit` (does nothing through Workflows: use Action.OpenUrl), or a
 * mention entity whose `<at>` text is not in the card. Answers 202 Accepted like the Workflows trigger.
 *
 * Sources: https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook
 * (Workflows replaces Office 365 connectors), https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format
 * (user mention in an Adaptive Card: `msteams.entities` of type `mention`).
 */
export const TEAMS_MAX_BYTES = 28 * 1024;

export interface TeamsPost {
  body: TeamsEnvelope;
  bytes: number;
  at: number;
}

export interface TeamsEnvelope {
  type: string;
  attachments: { contentType: string; content: AdaptiveCard }[];
}

export interface AdaptiveCard {
  type: string;
  version: string;
  body: Record<string, unknown>[];
  actions?: { type: string; title: string; url?: string }[];
  msteams?: { entities?: { type: string; text: string; mentioned: { id: string; name: string } }[] };
}

export interface TeamsFake {
  /** The webhook URL (carries a `sig=` like a real Workflows URL: treat it as a secret). */
  url: string;
  posts: TeamsPost[];
  /** Requests refused, with the reason. */
  rejected: { reason: string; at: number }[];
  /** The next `times` posts answer `status` (e.g. 429, 502). */
  failNext(status: number, times?: number): void;
  waitFor<T>(check: () => T | undefined | false, timeoutMs?: number, what?: string): Promise<T>;
  close(): Promise<void>;
}

/** Why Teams would not show a Workflows post; empty when it would. */
export function teamsProblems(raw: string): string[] {
  const bytes = Buffer.byteLength(raw);
  if (bytes > TEAMS_MAX_BYTES) return [`${bytes} bytes (at most ${TEAMS_MAX_BYTES})`];
  let body: TeamsEnvelope;
  try {
    body = JSON.parse(raw) as TeamsEnvelope;
  } catch {
    return ['not JSON'];
  }
  const problems: string[] = [];
  if (body.type !== 'message') problems.push('type must be "message"');
  const attachment = body.attachments?.[0];
  if (!attachment || body.attachments.length !== 1) return [...problems, 'exactly one attachment expected'];
  if (attachment.contentType !== 'application/vnd.microsoft.card.adaptive')
    problems.push(`contentType ${attachment.contentType}`);
  const card = attachment.content;
  if (card?.type !== 'AdaptiveCard') problems.push('content.type must be AdaptiveCard');
  if (card?.version !== '1.4')
    problems.push(`Adaptive Card version ${card?.version} (Workflows renders 1.4)`);
  for (const a of card?.actions ?? []) {
    if (a.type !== 'Action.OpenUrl') problems.push(`${a.type} does nothing in a Workflows post`);
    else if (!a.url?.startsWith('http')) problems.push(`Action.OpenUrl without an http(s) url`);
  }
  const text = JSON.stringify(card?.body ?? []);
  for (const m of card?.msteams?.entities ?? []) {
    if (m.type === 'mention' && !text.includes(m.text)) problems.push(`mention ${m.text} not in the card`);
  }
  return problems;
}

export async function startTeamsFake(opts: { port?: number; host?: string } = {}): Promise<TeamsFake> {
  const posts: TeamsPost[] = [];
  const rejected: { reason: string; at: number }[] = [];
  const failures: number[] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    if (req.method !== 'POST') {
      send(res, 405, { error: 'method not allowed' });
      return;
    }
    if (failedOnDemand(res, failures)) return;
    const problems = teamsProblems(raw);
    if (problems.length > 0) {
      rejected.push({ reason: problems.join('; '), at: Date.now() });
      send(res, 400, { error: { code: 'InvalidRequestContent', message: problems.join('; ') } });
      return;
    }
    posts.push({ body: JSON.parse(raw) as TeamsEnvelope, bytes: Buffer.byteLength(raw), at: Date.now() });
    send(res, 202, '');
  };
  const listening = await listen(opts.port ?? 0, handle, opts.host);
  return {
    url: `http://127.0.0.1:${listening.port}/workflows/baton/triggers/manual/paths/invoke?api-version=1&sig=sandbox-signature`,
    posts,
    rejected,
    failNext: (status, times = 1) => {
      for (let i = 0; i < times; i++) failures.push(status);
    },
    waitFor: (check, timeoutMs = 30_000, what = 'the Teams fake') => until(check, timeoutMs, what),
    close: () => listening.close(),
  };
}
