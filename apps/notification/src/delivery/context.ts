import type { LeadAssigned, SlaBreached } from '@baton/domain';
import type { Person } from '../alerts/content.js';
import type { IntroEmail } from '../intro/intro-email.js';

/** What a delivery renders from, kept on its row (a retry, a fallback or a chat.update renders the same). */
export type DeliveryContext =
  | { kind: 'alert'; alert: 'assignment' | 'reassignment'; assigned: LeadAssigned; recipient: Person }
  | {
      kind: 'breach';
      alert: 'reminder' | 'escalation' | 'reassigned';
      breach: SlaBreached;
      recipient: Person;
    }
  | {
      kind: 'intro';
      assigned: LeadAssigned;
      to: string;
      language: string;
      sent?: IntroEmail & { messageId: string };
    };
