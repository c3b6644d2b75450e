import type { LeadAssigned } from '@baton/domain';
import type { NotificationPolicy, Templates } from '../policy/policy.js';
import { renderTemplate } from '../templates/render.js';

export type IntroDecision = { send: true; to: string; language: string } | { send: false; reason: string };

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

function matchesDomain(domain: string | undefined, list: readonly string[]): boolean {
  if (!domain) return false;
  const d = domain.toLowerCase();
  return list.some((x) => d === x.toLowerCase() || d.endsWith(`.${x.toLowerCase()}`));
}

/**
 * Whether the prospect gets an intro e-mail from the rep, decided when the lead is assigned:
 * - opted out: the CRM's opt-out flag on the lead (`lead.emailOptOut`) or a suppressed domain; a
 *   lead whose flag is not known is skipped too unless the policy says `whenOptOutUnknown: send`;
 * - an existing customer: the CRM's flag (`lead.existingCustomer`) or one of the customer domains;
 * - already being worked: routing kept the lead with its existing owner (or queued it for a manager).
 * When the e-mail is due, the lead is checked once more (see `stillWanted`): the rep's own call,
 * e-mail or meeting, or a reassignment in between, stops it.
 */
export function introDecision(
  assigned: LeadAssigned,
  policy: NotificationPolicy['introEmail'],
): IntroDecision {
  const { identity, firmographics } = assigned.lead;
  if (!policy.enabled) return { send: false, reason: 'intro e-mails are off in the policy' };
  const to = identity.email?.trim();
  if (!to || !to.includes('@')) return { send: false, reason: 'the lead has no e-mail address' };
  if (assigned.lead.emailOptOut) return { send: false, reason: 'the contact opted out of e-mail (CRM)' };
  if (assigned.lead.emailOptOut === undefined && policy.whenOptOutUnknown === 'skip')
    return { send: false, reason: "the contact's e-mail opt-out is not known (lead.emailOptOut not set)" };
  if (matchesDomain(domainOf(to), policy.suppressedDomains))
    return { send: false, reason: `suppressed domain ${domainOf(to)}` };
  if (assigned.lead.existingCustomer) return { send: false, reason: 'an existing customer (CRM)' };
  if (
    matchesDomain(domainOf(to), policy.customerDomains) ||
    matchesDomain(firmographics.domain, policy.customerDomains)
  )
    return { send: false, reason: 'an existing customer (customer domain)' };
  if (policy.skipStrategies.includes(assigned.strategy))
    return { send: false, reason: `already being worked (routing strategy ${assigned.strategy})` };
  const language =
    assigned.lead.language?.toLowerCase() ??
    (identity.country ? policy.languageByCountry[identity.country] : undefined) ??
    policy.defaultLanguage;
  return { send: true, to, language };
}

export interface LeadWork {
  /** The rep's own touch since the assignment (CRM activity by a person, or "Log a call" from the alert). */
  touch?: { kind: string; at: string };
  /** The assignment now current for the lead, when it is not this one. */
  replacedBy?: string;
}

/** At send time: the e-mail still goes out unless the lead is being worked or went to someone else. */
export function stillWanted(work: LeadWork): { send: true } | { send: false; reason: string } {
  if (work.touch)
    return { send: false, reason: `already being worked (${work.touch.kind} at ${work.touch.at})` };
  if (work.replacedBy) return { send: false, reason: `reassigned (now ${work.replacedBy})` };
  return { send: true };
}

function languageMatches(template: string, wanted: string): boolean {
  const t = template.toLowerCase();
  return t === wanted || t === wanted.split('-')[0];
}

/** The most specific template for the lead: its language (else the default), then product, then segment. */
export function chooseIntroTemplate(
  templates: Templates['intro'],
  assigned: LeadAssigned,
  language: string,
  defaultLanguage: string,
): Templates['intro'][number] {
  const products = assigned.lead.firmographics.productInterest ?? [];
  const segment = assigned.lead.firmographics.segment;
  const pick = (lang: string) =>
    templates
      .filter((t) => languageMatches(t.language, lang))
      .filter((t) => (!t.product || products.includes(t.product)) && (!t.segment || t.segment === segment))
      .sort(
        (a, b) =>
          Number(!!b.product) * 2 + Number(!!b.segment) - (Number(!!a.product) * 2 + Number(!!a.segment)),
      )[0];
  const chosen = pick(language) ?? pick(defaultLanguage);
  if (!chosen) throw new Error(`no intro template for language ${language} or ${defaultLanguage}`);
  return chosen;
}

export interface IntroEmail {
  templateId: string;
  from: { name: string; address: string };
  to: string;
  subject: string;
  text: string;
}

export function composeIntro(
  assigned: LeadAssigned,
  templates: Templates,
  language: string,
  defaultLanguage: string,
): IntroEmail {
  const { rep, lead } = assigned;
  const template = chooseIntroTemplate(templates.intro, assigned, language, defaultLanguage);
  const repValues = { name: rep.name, firstName: rep.name.split(/\s+/)[0], email: rep.email };
  const signature = renderTemplate(templates.signatures[rep.repId] ?? templates.signatures.default, {
    rep: repValues,
  });
  const identity = lead.identity;
  const [firstFromFull, ...restOfFull] = (identity.fullName ?? '').split(/\s+/).filter(Boolean);
  const values = {
    prospect: {
      firstName: identity.firstName ?? firstFromFull,
      lastName: identity.lastName ?? (restOfFull.join(' ') || undefined),
      fullName: identity.fullName,
      title: identity.title,
    },
    company: identity.company,
    product: lead.firmographics.productInterest?.[0],
    segment: lead.firmographics.segment,
    rep: repValues,
    signature,
  };
  return {
    templateId: template.id,
    from: { name: rep.name, address: rep.email },
    to: identity.email!,
    subject: renderTemplate(template.subject, values),
    text: renderTemplate(template.body, values),
  };
}
