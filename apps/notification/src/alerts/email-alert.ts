import type { AlertAction, AlertContent } from './content.js';

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The alert as an e-mail (for people on neither Slack nor Teams, and as the fallback): text and HTML, signed links. */
export function emailAlert(
  content: AlertContent,
  links: Partial<Record<AlertAction, string>>,
): { subject: string; text: string; html: string } {
  const buttons = content.buttons.filter((b) => links[b.action]);
  const lines = [
    content.headline,
    content.body,
    '',
    ...content.facts.map((f) => `${f.label}: ${f.value}`),
    content.signals.length > 0
      ? `\nTop signals:\n${content.signals.map((s) => `- ${s}`).join('\n')}`
      : undefined,
    content.summary ? `\nJourney: ${content.summary}` : undefined,
    content.openingLine ? `\nOpen with: ${content.openingLine}` : undefined,
    content.why ? `\nWhy you: ${content.why}` : undefined,
    content.due ? `\n${content.due}` : undefined,
    content.crmUrl ? `\nOpen in CRM: ${content.crmUrl}` : undefined,
    buttons.length > 0 ? `\n${buttons.map((b) => `${b.label}: ${links[b.action]}`).join('\n')}` : undefined,
    ...content.history.map((h) => `\n${h}`),
  ].filter((l): l is string => l !== undefined);
  const e = escapeHtml;
  const html = [
    `<h2>${e(content.headline)}</h2>`,
    content.body ? `<p>${e(content.body)}</p>` : '',
    content.facts.length > 0
      ? `<table>${content.facts.map((f) => `<tr><th align="left">${e(f.label)}</th><td>${e(f.value)}</td></tr>`).join('')}</table>`
      : '',
    content.signals.length > 0
      ? `<h3>Top signals</h3><ul>${content.signals.map((s) => `<li>${e(s)}</li>`).join('')}</ul>`
      : '',
    content.summary ? `<h3>Journey</h3><p>${e(content.summary)}</p>` : '',
    content.openingLine ? `<p><b>Open with:</b> ${e(content.openingLine)}</p>` : '',
    content.why ? `<p><i>Why you: ${e(content.why)}</i></p>` : '',
    content.due ? `<p><b>${e(content.due)}</b></p>` : '',
    `<p>${[
      ...buttons.map((b) => `<a href="${e(links[b.action]!)}">${e(b.label)}</a>`),
      content.crmUrl ? `<a href="${e(content.crmUrl)}">Open in CRM</a>` : '',
    ]
      .filter(Boolean)
      .join(' &middot; ')}</p>`,
  ].join('\n');
  return { subject: content.headline, text: lines.join('\n').trim(), html };
}
