import { truncate, type AlertContent } from './content.js';

/**
 * Block Kit layout of an alert, within Slack's limits: at most 50 blocks, 3,000 characters per
 * section text, 10 fields of 2,000, 25 elements per actions block, button values of 2,000, and a
 * fallback `text` (notifications, screen readers) of at most 4,000.
 * https://docs.slack.dev/reference/block-kit/blocks, https://docs.slack.dev/reference/methods/chat.postMessage
 */
export const SLACK_LIMITS = { blocks: 50, sectionText: 3000, fields: 10, fieldText: 2000, text: 4000 };

export type SlackBlock = { type: string; block_id?: string } & Record<string, unknown>;

/** Slack's mrkdwn treats &, < and > as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) } };
}

/** The value a button carries back in the interactivity payload: which delivery, which action. */
export function buttonValue(deliveryId: string, action: string): string {
  return JSON.stringify({ d: deliveryId, a: action });
}

export function slackMessage(
  content: AlertContent,
  deliveryId: string,
): { text: string; blocks: SlackBlock[] } {
  const e = escapeMrkdwn;
  const blocks: SlackBlock[] = [
    section(`*${e(content.headline)}*${content.body ? `\n${e(content.body)}` : ''}`),
  ];
  if (content.facts.length > 0)
    blocks.push({
      type: 'section',
      fields: content.facts.slice(0, SLACK_LIMITS.fields).map((f) => ({
        type: 'mrkdwn',
        text: truncate(`*${e(f.label)}*\n${e(f.value)}`, SLACK_LIMITS.fieldText),
      })),
    });
  if (content.signals.length > 0)
    blocks.push(section(`*Top signals*\n${content.signals.map((s) => `• ${e(s)}`).join('\n')}`));
  if (content.summary) blocks.push(section(`*Journey*\n${e(content.summary)}`));
  if (content.openingLine) blocks.push(section(`*Open with*\n>${e(content.openingLine)}`));
  const context = [
    content.why ? `*Why you:* ${e(content.why)}` : undefined,
    content.due ? `:alarm_clock: ${e(content.due)}` : undefined,
  ].filter((t): t is string => t !== undefined);
  if (context.length > 0)
    blocks.push({
      type: 'context',
      elements: context.map((text) => ({ type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.fieldText) })),
    });
  const elements: SlackBlock[] = content.buttons.map((b) => ({
    type: 'button',
    action_id: `baton_${b.action}`,
    text: { type: 'plain_text', text: b.label },
    value: buttonValue(deliveryId, b.action),
    ...(b.style ? { style: b.style } : {}),
  }));
  if (content.crmUrl)
    elements.push({
      type: 'button',
      action_id: 'baton_open_crm',
      text: { type: 'plain_text', text: 'Open in CRM' },
      url: content.crmUrl,
    });
  if (elements.length > 0) blocks.push({ type: 'actions', block_id: 'baton_actions', elements });
  if (content.history.length > 0)
    blocks.push({
      type: 'context',
      elements: content.history
        .slice(-10)
        .map((h) => ({ type: 'mrkdwn', text: `:white_check_mark: ${e(h)}` })),
    });
  return {
    text: truncate(fallbackText(content), SLACK_LIMITS.text),
    blocks: blocks.slice(0, SLACK_LIMITS.blocks),
  };
}

/** The plain-text version (notification previews, clients without blocks). */
export function fallbackText(content: AlertContent): string {
  return [
    content.headline,
    content.body,
    content.facts.map((f) => `${f.label}: ${f.value}`).join(' · ') || undefined,
    content.signals.length > 0 ? `Top signals: ${content.signals.join('; ')}` : undefined,
    content.summary,
    content.openingLine ? `Open with: ${content.openingLine}` : undefined,
    content.why ? `Why you: ${content.why}` : undefined,
    content.due,
    ...content.history,
  ]
    .filter(Boolean)
    .join('\n');
}
