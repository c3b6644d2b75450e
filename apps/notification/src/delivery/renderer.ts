import { Inject, Injectable } from '@nestjs/common';
import type { LeadAssigned, SlaBreached } from '@baton/domain';
import { CLOCK, SERVICE_ENV, SERVICE_POLICY, type Clock } from '@baton/platform';
import {
  alertContent,
  type AlertAction,
  type AlertContent,
  type AlertInput,
  type LeadEssentials,
} from '../alerts/content.js';
import { crmRecordUrl } from '../alerts/crm-link.js';
import { publicUrlOf, type NotificationEnv } from '../config/env.js';
import { DeliveryStore } from '../database/delivery.store.js';
import { LeadStateStore } from '../database/lead-state.store.js';
import { RepActionStore } from '../database/rep-action.store.js';
import type { DeliveryRow, RepActionRow, SlaDeadlineRow } from '../database/entities.js';
import { signLink } from '../interactivity/signed-link.js';
import type { LoadedNotificationPolicy } from '../policy/policy.js';
import type { DeliveryContext } from './context.js';

export function essentialsOf(assigned: LeadAssigned, crmUrl: string | undefined): LeadEssentials {
  const { identity, firmographics } = assigned.lead;
  const name =
    identity.fullName ??
    ([identity.firstName, identity.lastName].filter(Boolean).join(' ') || identity.email);
  const place = [identity.stateRaw ?? identity.state, identity.countryRaw ?? identity.country].filter(
    Boolean,
  );
  return {
    leadId: assigned.leadId,
    name,
    title: identity.title,
    company: identity.company,
    employees: firmographics.employees,
    location: place.length > 0 ? place.join(', ') : undefined,
    score: assigned.lead.score,
    threshold: assigned.lead.threshold,
    signals: assigned.lead.highIntentSignals ?? [],
    summary: assigned.lead.summary,
    openingLine: assigned.lead.openingLine,
    crmUrl,
  };
}

function breachEssentials(breach: SlaBreached): LeadEssentials {
  return {
    leadId: breach.leadId,
    name: breach.lead.name,
    company: breach.lead.company,
    score: breach.lead.score,
    signals: [],
    crmUrl: breach.lead.crmUrl,
  };
}

export interface RenderState {
  actions: Map<string, RepActionRow[]>;
  deadlines: Map<string, SlaDeadlineRow>;
}

/** Turns a delivery (its context, plus what happened since: deadlines, actions) into what an alert says. */
@Injectable()
export class AlertRenderer {
  constructor(
    @Inject(SERVICE_ENV) private readonly env: NotificationEnv,
    @Inject(SERVICE_POLICY) private readonly policy: LoadedNotificationPolicy,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly state: LeadStateStore,
    private readonly actions: RepActionStore,
    private readonly deliveries: DeliveryStore,
  ) {}

  /** What happened since the alerts' events, for many deliveries at once (two queries). */
  async load(rows: DeliveryRow[]): Promise<RenderState> {
    const ids = [...new Set(rows.map((r) => r.assignmentId).filter((a): a is string => a !== null))];
    const [actions, deadlines] = await Promise.all([
      this.actions.byAssignments(ids),
      this.state.deadlines(ids),
    ]);
    const state: RenderState = { actions: new Map(), deadlines: new Map() };
    for (const a of actions)
      state.actions.set(a.assignmentId, [...(state.actions.get(a.assignmentId) ?? []), a]);
    for (const d of deadlines) state.deadlines.set(d.assignmentId, d);
    return state;
  }

  async content(row: DeliveryRow, loaded?: RenderState): Promise<AlertContent> {
    const ctx = row.context as DeliveryContext;
    if (ctx.kind === 'intro') throw new Error('an intro e-mail is not an alert');
    const state = loaded ?? (await this.load([row]));
    const done = row.assignmentId ? (state.actions.get(row.assignmentId) ?? []) : [];
    const common = {
      recipient: ctx.recipient,
      done: done.map((d) => ({ action: d.action, by: d.actor, at: d.actedAt.toISOString() })),
      now: this.clock.now(),
    };
    let input: AlertInput;
    if (ctx.kind === 'alert') {
      const deadline = state.deadlines.get(ctx.assigned.assignmentId);
      input = {
        ...common,
        kind: ctx.alert,
        lead: essentialsOf(ctx.assigned, crmRecordUrl(ctx.assigned.crm, this.crmLinks())),
        rep: ctx.assigned.rep,
        reason: ctx.assigned.reason,
        previousRep: ctx.assigned.reassignment
          ? ((await this.deliveries.nameOf(ctx.assigned.leadId, ctx.assigned.reassignment.previousRepId)) ??
            ctx.assigned.reassignment.previousRepId)
          : undefined,
        firstTouchDue: deadline?.firstTouchDue?.toISOString(),
      };
    } else {
      input = {
        ...common,
        kind: ctx.alert,
        lead: breachEssentials(ctx.breach),
        rep: ctx.breach.rep,
        breach: { policy: ctx.breach.policy, deadline: ctx.breach.deadline, lateByMs: ctx.breach.lateByMs },
      };
    }
    return alertContent(input, this.policy.templates.policy, this.policy.policy.alerts);
  }

  /** Signed, expiring links for the content's buttons (Teams cards and e-mails). */
  links(row: DeliveryRow, content: AlertContent): Partial<Record<AlertAction, string>> {
    const secret = this.env.NOTIFICATION_LINK_SECRET;
    if (!secret) return {};
    const expires = Math.floor(
      this.clock.now().getTime() / 1000 + this.env.NOTIFICATION_LINK_TTL_HOURS * 3600,
    );
    const base = publicUrlOf(this.env);
    return Object.fromEntries(
      content.buttons.map((b) => [
        b.action,
        `${base}/actions/${signLink(secret, { d: row.id, a: b.action, e: expires })}`,
      ]),
    );
  }

  crmLinks() {
    return {
      hubspotAppUrl: this.env.NOTIFICATION_HUBSPOT_APP_URL,
      hubspotPortalId: this.env.NOTIFICATION_HUBSPOT_PORTAL_ID,
      salesforceUrl: this.env.NOTIFICATION_SALESFORCE_URL,
    };
  }
}
