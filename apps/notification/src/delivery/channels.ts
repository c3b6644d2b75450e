import type { NotifyChannel } from '@baton/domain';
import type { Person } from '../alerts/content.js';

/** Which channels this instance can use (a provider whose settings are missing is not one). */
export interface ConfiguredChannels {
  slack: boolean;
  teams: boolean;
  email: boolean;
}

/**
 * The channels to try for a person, in order: their own preference from the roster (the event
 * carries it) or the policy's default, keeping only those that are configured here and for which
 * the person has an address (Slack: a user id or an e-mail to look it up; Teams: the Workflows
 * channel, with the person @mentioned by Teams id or e-mail; e-mail: an address). E-mail is added
 * last as the fallback when chat fails, unless the preference already lists it.
 */
export function channelsFor(
  person: Person,
  defaults: readonly NotifyChannel[],
  configured: ConfiguredChannels,
): NotifyChannel[] {
  const preference = person.channels && person.channels.length > 0 ? person.channels : defaults;
  const usable = (c: NotifyChannel): boolean => {
    switch (c) {
      case 'slack':
        return configured.slack && Boolean(person.slackUserId || person.email);
      case 'teams':
        return configured.teams && Boolean(person.teamsUserId || person.email);
      case 'email':
        return configured.email && Boolean(person.email);
    }
  };
  const ordered = [...new Set(preference)].filter(usable);
  if (!ordered.includes('email') && usable('email')) ordered.push('email');
  return ordered;
}
