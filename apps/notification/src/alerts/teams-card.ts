import { truncate, type AlertContent, type AlertAction, type Person } from './content.js';

/**
 * The alert as a Teams Workflows post: `{"type":"message","attachments":[{"contentType":
 * "application/vnd.microsoft.card.adaptive","content":<Adaptive Card 1.4>}]}`, the recipient
 * @mentioned (`msteams.entities`), buttons as Action.OpenUrl to signed Baton links
 * (Action.Submit does nothing in a Workflows post), under 28 KB.
 * https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format
 * (user mention in an Adaptive Card), https://adaptivecards.io/explorer/ (1.4 elements).
 */
export const TEAMS_MAX_BYTES = 28 * 1024;

/** A Workflows webhook body; its one attachment is also what a bot's message activity carries. */
export interface TeamsMessage {
  type: 'message';
  attachments: { contentType: string; contentUrl: null; content: Record<string, unknown> }[];
}

export function teamsMessage(
  content: AlertContent,
  recipient: Person,
  links: Partial<Record<AlertAction, string>>,
): TeamsMessage {
  const build = (summaryMax: number) => {
    const mention = `<at>${recipient.name}</at>`;
    const body: Record<string, unknown>[] = [
      {
        type: 'TextBlock',
        text: `${mention} ${content.headline}`,
        weight: 'Bolder',
        size: 'Medium',
        wrap: true,
      },
    ];
    if (content.body) body.push({ type: 'TextBlock', text: content.body, wrap: true });
    if (content.facts.length > 0)
      body.push({ type: 'FactSet', facts: content.facts.map((f) => ({ title: f.label, value: f.value })) });
    if (content.signals.length > 0)
      body.push({
        type: 'TextBlock',
        text: `**Top signals**\n\n${content.signals.map((s) => `- ${s}`).join('\n')}`,
        wrap: true,
      });
    if (content.summary)
      body.push({
        type: 'TextBlock',
        text: `**Journey**\n\n${truncate(content.summary, summaryMax)}`,
        wrap: true,
      });
    if (content.openingLine)
      body.push({ type: 'TextBlock', text: `**Open with:** ${content.openingLine}`, wrap: true });
    if (content.why)
      body.push({ type: 'TextBlock', text: `**Why you:** ${content.why}`, wrap: true, isSubtle: true });
    if (content.due) body.push({ type: 'TextBlock', text: content.due, wrap: true, color: 'Attention' });
    for (const h of content.history)
      body.push({ type: 'TextBlock', text: `✔ ${h}`, wrap: true, isSubtle: true });
    const actions: Record<string, unknown>[] = content.buttons
      .filter((b) => links[b.action])
      .map((b) => ({ type: 'Action.OpenUrl', title: b.label, url: links[b.action] }));
    if (content.crmUrl) actions.push({ type: 'Action.OpenUrl', title: 'Open in CRM', url: content.crmUrl });
    return {
      type: 'message' as const,
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            body,
            actions,
            msteams: {
              width: 'Full',
              entities: [
                {
                  type: 'mention',
                  text: mention,
                  mentioned: { id: recipient.teamsUserId ?? recipient.email, name: recipient.name },
                },
              ],
            },
          },
        },
      ],
    };
  };
  // Shrink the summary until the post fits (multi-byte text can make it large).
  for (const max of [2800, 1200, 400, 100]) {
    const message = build(max);
    if (Buffer.byteLength(JSON.stringify(message)) <= TEAMS_MAX_BYTES - 512) return message;
  }
  return build(0);
}
