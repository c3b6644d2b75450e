import type { NotifyChannel, RepAction } from '@baton/domain';
import { renderTemplate } from '../templates/render.js';
import type { Templates } from '../policy/policy.js';

/** Someone an alert goes to (a rep or a manager), as the events carry them. */
export interface Person {
  repId?: string;
  name: string;
  email: string;
  slackUserId?: string;
  teamsUserId?: string;
  timeZone?: string;
  channels?: NotifyChannel[];
}

export type AlertKind = 'assignment' | 'reassignment' | 'reminder' | 'escalation' | 'reassigned';
export type AlertAction = RepAction['action'];

export interface LeadEssentials {
  leadId: string;
  name?: string;
  title?: string;
  company?: string;
  employees?: number;
  location?: string;
  score?: number;
  threshold?: number;
  signals: { label: string; lastSeenAt: string }[];
  summary?: string;
  openingLine?: string;
  crmUrl?: string;
}

export interface DoneAction {
  action: AlertAction;
  by: string;
  at: string;
}

export interface AlertInput {
  kind: AlertKind;
  lead: LeadEssentials;
  recipient: Person;
  /** The rep who owns the lead (for escalations: who missed it). */
  rep: Person;
  reason?: string;
  previousRep?: string;
  firstTouchDue?: string;
  breach?: { policy: string; deadline: string; lateByMs?: number };
  done: DoneAction[];
  now: Date;
}

export interface AlertButton {
  action: AlertAction;
  label: string;
  style?: 'primary' | 'danger';
}

/** What an alert says, channel-neutral; the Slack, Teams and e-mail renderers lay it out. */
export interface AlertContent {
  headline: string;
  body?: string;
  facts: { label: string; value: string }[];
  signals: string[];
  summary?: string;
  openingLine?: string;
  why?: string;
  due?: string;
  crmUrl?: string;
  history: string[];
  buttons: AlertButton[];
}

export interface ContentLimits {
  topSignals: number;
  summaryMaxChars: number;
}

/** "4 min", "2 h", "3 days": how long ago, as a rep reads it. */
export function durationText(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} days`;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatIn(zone: string): Intl.DateTimeFormat {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
      timeZoneName: 'short',
      timeZone: zone,
    });
    if (formats.size < 1000) formats.set(zone, f);
  }
  return f;
}

/** "Tue 10:35 GMT-5": a moment in the reader's time zone (UTC when it is not known or not valid). */
export function localTime(at: string | Date, timeZone?: string): string {
  const format = (zone: string) => {
    const parts = formatIn(zone).formatToParts(new Date(at));
    const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
    return `${part('weekday')} ${part('hour')}:${part('minute')} ${part('timeZoneName')}`;
  };
  try {
    return format(timeZone ?? 'UTC');
  } catch {
    return format('UTC');
  }
}

/** Cuts text to at most `max` characters at a word boundary, with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

const ACTION_WORDS: Record<AlertAction, string> = {
  accepted: 'Accepted',
  call_logged: 'Call logged',
  not_mine: 'Not mine',
  reassign_requested: 'Reassignment requested',
};

function firstName(name: string): string {
  return name.split(/\s+/)[0] ?? name;
}

/** Builds what an alert says from the events' facts; a fact that is missing is left out. */
export function alertContent(input: AlertInput, templates: Templates, limits: ContentLimits): AlertContent {
  const { lead, recipient } = input;
  const wording = templates.alerts[input.kind];
  const late = input.breach?.lateByMs !== undefined ? durationText(input.breach.lateByMs) : undefined;
  const values = {
    lead: {
      name: lead.name ?? 'a new lead',
      atCompany: lead.company ? ` (${lead.company})` : '',
      company: lead.company,
    },
    rep: { name: input.rep.name, firstName: firstName(input.rep.name) },
    recipient: { name: recipient.name, firstName: firstName(recipient.name) },
    previousRep: input.previousRep ?? 'another rep',
    policy: input.breach?.policy.replace(/_/g, '-'),
    late,
    deadline: input.breach ? localTime(input.breach.deadline, recipient.timeZone) : undefined,
  };
  const facts: { label: string; value: string }[] = [];
  if (lead.title) facts.push({ label: 'Title', value: lead.title });
  if (lead.company) facts.push({ label: 'Company', value: lead.company });
  if (lead.employees !== undefined)
    facts.push({ label: 'Size', value: `${lead.employees.toLocaleString('en-US')} employees` });
  if (lead.location) facts.push({ label: 'Location', value: lead.location });
  if (lead.score !== undefined)
    facts.push({
      label: 'Score',
      value:
        lead.threshold !== undefined ? `${lead.score} (threshold ${lead.threshold})` : String(lead.score),
    });
  const signals = [...lead.signals]
    .sort((a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt))
    .slice(0, limits.topSignals)
    .map((s) => `${s.label} (${durationText(input.now.getTime() - Date.parse(s.lastSeenAt))} ago)`);
  const forRep = input.kind === 'assignment' || input.kind === 'reassignment' || input.kind === 'reminder';
  const closed = input.done.some((d) => d.action === 'not_mine' || d.action === 'reassign_requested');
  const accepted = input.done.some((d) => d.action === 'accepted');
  const buttons: AlertButton[] = [];
  if (!closed && forRep) {
    if (!accepted) buttons.push({ action: 'accepted', label: 'Accept', style: 'primary' });
    buttons.push({ action: 'call_logged', label: 'Log a call' });
    if (!accepted) buttons.push({ action: 'not_mine', label: 'Not mine', style: 'danger' });
  }
  if (!closed && input.kind === 'escalation')
    buttons.push({ action: 'reassign_requested', label: 'Reassign', style: 'danger' });
  return {
    headline: renderTemplate(wording.headline, values),
    body: wording.body ? renderTemplate(wording.body, values) || undefined : undefined,
    facts,
    signals,
    summary: lead.summary ? truncate(lead.summary, limits.summaryMaxChars) : undefined,
    openingLine: lead.openingLine ? truncate(lead.openingLine, 500) : undefined,
    why: input.reason ? truncate(input.reason, 500) : undefined,
    due:
      input.firstTouchDue && forRep
        ? `First touch due ${localTime(input.firstTouchDue, recipient.timeZone)} (in ${durationText(Date.parse(input.firstTouchDue) - input.now.getTime())})`
        : undefined,
    crmUrl: lead.crmUrl,
    history: input.done.map(
      (d) => `${ACTION_WORDS[d.action]} by ${d.by}, ${localTime(d.at, recipient.timeZone)}`,
    ),
    buttons,
  };
}
