import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  Topics,
  canTransition,
  type LeadActivity,
  type LeadDisqualified,
  type LeadEngagement,
  type LeadProfile,
  type LifecycleStage,
  type NewEvent,
  type TopicName,
} from '@baton/domain';
import type { Outbox, ProcessedEvents } from '@baton/persistence';
import { counter } from '@baton/observability';
import { CLOCK, SERVICE_ENV, SERVICE_POLICY, ServiceRuntime, type Clock } from '@baton/platform';
import type { ScoringEnv } from '../config/env.js';
import {
  LeadStore,
  type LeadState,
  type QualificationRecord,
  type StageChange,
} from '../database/lead.store.js';
import { judgeEvidence, nextStage } from '../lifecycle/qualification.js';
import type { ScoringRules } from '../policy/scoring-policy.js';
import { SUMMARIZER } from '../summary/summarizer.provider.js';
import type { Summarizer } from '../summary/summary.js';
import { score, type ScoreResult, type Signal } from './score.js';
import { SignalCache } from './signal-cache.js';

export type IntakeEvent =
  | { type: 'engagement'; eventId: string; data: LeadEngagement }
  | { type: 'profile'; eventId: string; data: LeadProfile }
  | { type: 'activity'; eventId: string; data: LeadActivity };

/** The dedupe name of the intake and disqualification handlers' claimed event ids. */
const PROCESSED_AS = 'scoring-intake';

export interface ApplyOutcome {
  applied: number;
  duplicates: number;
  qualified: string[];
}

const qualifiedTotal = counter('baton_scoring_qualified_total', 'Leads that crossed into SQL');
const disqualifiedTotal = counter(
  'baton_scoring_disqualifications_total',
  'Disqualifications by reason and outcome',
  ['reason', 'outcome'],
);
const signalsTotal = counter('baton_scoring_signals_total', 'Engagement signals applied');

/** Stages the CRM reports that mean sales turned the lead into pipeline. */
function isPipeline(stage: LifecycleStage | undefined): boolean {
  return stage === 'opportunity' || stage === 'customer';
}

/**
 * The scoring pipeline, one transaction per batch: dedupe the events, store them, lock the
 * leads they touch, recompute each lead's score from everything stored, move the lifecycle
 * on the evidence, and enqueue the resulting events in the outbox. A crash anywhere rolls the
 * whole batch back; the redelivered batch finds nothing claimed and does it all again once.
 */
@Injectable()
export class ScoringEngine {
  private readonly deps: {
    rules: ScoringRules;
    outbox: Outbox;
    processed: ProcessedEvents;
    summarizer: Summarizer;
    clock: Clock;
    source: string;
  };
  private readonly signalCache: SignalCache;

  constructor(
    runtime: ServiceRuntime,
    private readonly store: LeadStore,
    @Inject(SERVICE_POLICY) rules: ScoringRules,
    @Inject(SUMMARIZER) summarizer: Summarizer,
    @Inject(CLOCK) clock: Clock,
    @Inject(SERVICE_ENV) env: ScoringEnv,
  ) {
    this.deps = {
      rules,
      outbox: runtime.outbox,
      processed: runtime.processed(PROCESSED_AS),
      summarizer,
      clock,
      source: runtime.source,
    };
    this.signalCache = new SignalCache(env.SCORING_SIGNAL_CACHE_LEADS);
  }

  get rules(): ScoringRules {
    return this.deps.rules;
  }

  async apply(em: EntityManager, inputs: IntakeEvent[]): Promise<ApplyOutcome> {
    const fresh = await this.deps.processed.claimMany(
      em,
      inputs.map((i) => i.eventId),
    );
    const todo = inputs.filter((i) => fresh.has(i.eventId));
    // The same event id twice in one batch is claimed once.
    const unique = [...new Map(todo.map((i) => [i.eventId, i])).values()];
    if (unique.length === 0) return { applied: 0, duplicates: inputs.length, qualified: [] };

    const leads = await this.store.lockLeads(
      em,
      unique.map((i) => ({ leadId: i.data.leadId, crm: i.data.crm, firstSeenAt: i.data.occurredAt })),
    );
    const signals = unique.flatMap((i) =>
      i.type === 'engagement'
        ? [
            {
              leadId: i.data.leadId,
              signal: {
                sourceEventId: i.data.sourceEventId,
                kind: i.data.kind,
                occurredAt: i.data.occurredAt,
                detail: i.data.detail,
              },
            },
          ]
        : [],
    );
    signalsTotal.inc(signals.length);

    const now = this.deps.clock.now();
    const changes: StageChange[] = [];
    const causes = new Map<string, string>();
    for (const input of unique) {
      const lead = leads.get(input.data.leadId)!;
      causes.set(lead.leadId, input.eventId);
      switch (input.type) {
        case 'engagement':
          break;
        case 'profile':
          this.applyProfile(lead, input.eventId, input.data, changes, now);
          break;
        case 'activity':
          if (input.data.kind === 'stage_changed' && isPipeline(input.data.stage?.to)) {
            this.reachPipeline(
              lead,
              input.data.stage!.to,
              input.data.occurredAt,
              `crm activity: stage changed to ${input.data.stage!.to}`,
              input.eventId,
              changes,
              now,
            );
          }
          break;
      }
    }

    const known = new Map<string, readonly Signal[]>();
    for (const lead of leads.values()) {
      const cached = this.signalCache.get(lead.leadId, lead.signalToken);
      if (cached) known.set(lead.leadId, cached);
    }
    const { stored, added } = await this.store.storeSignals(
      em,
      signals,
      [...leads.keys()].filter((id) => !known.has(id)),
    );
    const events: NewEvent<TopicName>[] = [];
    const qualifications: QualificationRecord[] = [];
    for (const lead of leads.values()) {
      const before = known.get(lead.leadId) ?? stored.get(lead.leadId) ?? [];
      const fresh = added.get(lead.leadId) ?? [];
      const all = fresh.length > 0 ? [...before, ...fresh] : before;
      // A new token with every change, written with the lead row: the cache entry matches the
      // stored state exactly when this transaction commits.
      if (fresh.length > 0 || lead.signalToken === undefined) lead.signalToken = randomUUID();
      // A hit with nothing new is already the entry (and get() refreshed its place).
      if (all !== known.get(lead.leadId)) this.signalCache.set(lead.leadId, lead.signalToken, all);
      await this.rescore(lead, all, now, causes.get(lead.leadId), changes, events, qualifications);
    }
    await this.store.persist(em, [...leads.values()], changes, qualifications);
    const qualified = qualifications.map((q) => q.qualificationId);
    await this.deps.outbox.enqueue(em, events);
    return { applied: unique.length, duplicates: inputs.length - unique.length, qualified };
  }

  /**
   * Sales closed the lead: a nurture reason returns it to marketing (score reset or decayed,
   * lead.recycled, enrolment command); any other reason closes it as disqualified.
   */
  async disqualify(
    em: EntityManager,
    eventId: string,
    d: LeadDisqualified,
  ): Promise<'nurture' | 'disqualified' | 'duplicate'> {
    if (!(await this.deps.processed.claim(em, eventId))) return 'duplicate';
    const policy = this.deps.rules.policy;
    const now = this.deps.clock.now();
    const leads = await this.store.lockLeads(em, [
      { leadId: d.leadId, crm: d.crm, firstSeenAt: d.occurredAt },
    ]);
    const lead = leads.get(d.leadId)!;
    const stageBefore = lead.stage;
    const toNurture = policy.recycling.nurtureReasons.includes(d.reason);
    const outcome: 'nurture' | 'disqualified' = toNurture ? 'nurture' : 'disqualified';
    await this.store.recordDisqualification(em, {
      sourceEventId: d.sourceEventId,
      leadId: d.leadId,
      reason: d.reason,
      outcome,
      stageBefore,
      detail: d.detail,
      occurredAt: d.occurredAt,
    });
    disqualifiedTotal.inc({ reason: d.reason, outcome });

    const changes: StageChange[] = [];
    const events: NewEvent<TopicName>[] = [];
    const base = { leadId: d.leadId, crm: lead.crm, issuedBy: this.deps.source, issuedAt: now.toISOString() };
    const scoreBefore = lead.score;
    if (outcome === 'nurture') {
      lead.baseline = {
        since: d.occurredAt,
        keepFraction:
          policy.recycling.onRecycle.mode === 'reset' ? 0 : policy.recycling.onRecycle.keepFraction,
      };
      const signals = (await this.store.loadSignals(em, [lead.leadId])).get(lead.leadId) ?? [];
      const result = score(signals, lead.profile, policy, now, lead.baseline);
      lead.score = result.score;
      lead.highIntentCount = result.highIntentSignals.length;
      if (lead.stage !== 'nurture' && canTransition(lead.stage, 'nurture')) {
        this.move(lead, 'nurture', `disqualified: ${d.reason}`, eventId, changes, now);
      }
      events.push(
        {
          topic: Topics.LeadRecycled,
          subject: lead.leadId,
          id: `recycled:${eventId}`,
          data: {
            leadId: lead.leadId,
            crm: lead.crm,
            reason: d.reason,
            previousStage: stageBefore,
            scoreBefore,
            scoreAfter: lead.score,
            nurtureProgram: policy.recycling.nurtureProgram,
            recycledAt: now.toISOString(),
          },
        },
        {
          topic: Topics.CrmCommand,
          subject: lead.leadId,
          id: `nurture:${eventId}`,
          data: {
            ...base,
            commandId: `nurture:${eventId}`,
            action: 'enrol_nurture',
            program: policy.recycling.nurtureProgram,
          },
        },
        {
          topic: Topics.CrmCommand,
          subject: lead.leadId,
          id: `recycle-stage:${eventId}`,
          data: {
            ...base,
            commandId: `recycle-stage:${eventId}`,
            action: 'update_lead',
            changes: { lifecycleStage: 'nurture', score: lead.score },
          },
        },
        this.scored(lead, scoreBefore, result, now),
      );
    } else {
      if (lead.stage !== 'disqualified' && canTransition(lead.stage, 'disqualified')) {
        this.move(lead, 'disqualified', `disqualified: ${d.reason}`, eventId, changes, now);
        events.push({
          topic: Topics.CrmCommand,
          subject: lead.leadId,
          id: `close:${eventId}`,
          data: {
            ...base,
            commandId: `close:${eventId}`,
            action: 'update_lead',
            changes: { lifecycleStage: 'disqualified', disqualificationReason: d.reason },
          },
        });
      }
    }
    await this.store.persist(em, [lead], changes, []);
    await this.deps.outbox.enqueue(em, events);
    return outcome;
  }

  private applyProfile(
    lead: LeadState,
    eventId: string,
    p: LeadProfile,
    changes: StageChange[],
    now: Date,
  ): void {
    if (p.change === 'deleted') return;
    // Only a newer profile replaces the stored one; profiles can arrive out of order.
    if (!lead.profile || Date.parse(p.occurredAt) >= Date.parse(lead.profile.occurredAt)) {
      lead.profile = p;
      lead.profileEventId = eventId;
      lead.profileChanged = true;
      lead.crm = p.crm;
    }
    if (isPipeline(p.lifecycleStage)) {
      this.reachPipeline(
        lead,
        p.lifecycleStage!,
        p.occurredAt,
        `crm profile: lifecycle stage ${p.lifecycleStage}`,
        eventId,
        changes,
        now,
      );
    }
  }

  /** Sales made it pipeline: remembered for score review, and followed when the state machine allows. */
  private reachPipeline(
    lead: LeadState,
    stage: LifecycleStage,
    at: string,
    cause: string,
    eventId: string,
    changes: StageChange[],
    now: Date,
  ): void {
    if (!lead.opportunityAt || Date.parse(at) < Date.parse(lead.opportunityAt))
      lead.opportunityAt = new Date(at).toISOString();
    if (lead.stage !== stage && canTransition(lead.stage, stage))
      this.move(lead, stage, cause, eventId, changes, now);
  }

  private move(
    lead: LeadState,
    to: LifecycleStage,
    cause: string,
    eventId: string | undefined,
    changes: StageChange[],
    now: Date,
  ): void {
    changes.push({
      leadId: lead.leadId,
      from: lead.stage,
      to,
      cause,
      causeEventId: eventId,
      score: lead.score,
      rulesVersion: this.deps.rules.version,
      changedAt: now.toISOString(),
    });
    lead.stage = to;
  }

  private scored(lead: LeadState, previous: number, result: ScoreResult, now: Date): NewEvent<TopicName> {
    return {
      topic: Topics.LeadScored,
      subject: lead.leadId,
      // Built here from stored, typed values: the highest-volume event skips the schema parse.
      trusted: true,
      data: {
        leadId: lead.leadId,
        score: result.score,
        previousScore: previous,
        stage: lead.stage,
        breakdown: result.breakdown,
        highIntentSignalCount: result.highIntentSignals.length,
        rulesVersion: this.deps.rules.version,
        scoredAt: now.toISOString(),
      },
    };
  }

  /** Recomputes one lead; a crossing into SQL adds its qualification record. */
  private async rescore(
    lead: LeadState,
    signals: readonly Signal[],
    now: Date,
    causeEventId: string | undefined,
    changes: StageChange[],
    events: NewEvent<TopicName>[],
    qualifications: QualificationRecord[],
  ): Promise<void> {
    const { policy, version } = this.deps.rules;
    const result = score(signals, lead.profile, policy, now, lead.baseline);
    const previous = lead.score;
    const stageBefore = lead.stage;
    lead.score = result.score;
    lead.peakScore = Math.max(lead.peakScore, result.score);
    lead.highIntentCount = result.highIntentSignals.length;

    const verdict = judgeEvidence(result, policy);
    const target = nextStage(lead.stage, verdict);
    const base = {
      leadId: lead.leadId,
      crm: lead.crm,
      issuedBy: this.deps.source,
      issuedAt: now.toISOString(),
    };

    if (target === 'mql') {
      this.move(
        lead,
        'mql',
        `score ${result.score} reached MQL threshold ${policy.thresholds.mql}`,
        causeEventId,
        changes,
        now,
      );
      events.push({
        topic: Topics.CrmCommand,
        subject: lead.leadId,
        data: {
          ...base,
          commandId: randomUUID(),
          action: 'update_lead',
          changes: { lifecycleStage: 'mql', score: result.score },
        },
      });
    } else if (target === 'sql') {
      lead.qualificationCount += 1;
      const qualificationId = `${lead.leadId}:${lead.qualificationCount}`;
      const cause = `score ${result.score} >= ${policy.thresholds.sql} with ${result.highIntentSignals.length} high-intent signals (${result.highIntentSignals.map((h) => h.kind).join(', ')})`;
      this.move(lead, 'sql', cause, causeEventId, changes, now);
      const freshSignals = lead.baseline
        ? signals.filter((s) => Date.parse(s.occurredAt) >= Date.parse(lead.baseline!.since))
        : signals;
      const summary = await this.deps.summarizer.summarize({
        leadId: lead.leadId,
        signals: freshSignals,
        profile: lead.profile,
        profileEventId: lead.profileEventId,
        result,
        asOf: now,
      });
      qualifications.push({
        qualificationId,
        leadId: lead.leadId,
        seq: lead.qualificationCount,
        score: result.score,
        threshold: policy.thresholds.sql,
        rulesVersion: version,
        summary: summary.text,
        openingLine: summary.openingLine,
        claims: { claims: summary.claims, openingLineSourceEventIds: summary.openingLineSourceEventIds },
        writtenBy: summary.writtenBy,
        causeEventId,
        qualifiedAt: now.toISOString(),
      });
      const identity = lead.profile?.identity ?? {};
      events.push(
        {
          topic: Topics.LeadQualified,
          subject: lead.leadId,
          id: qualificationId,
          data: {
            leadId: lead.leadId,
            qualificationId,
            crm: lead.crm,
            identity,
            firmographics: lead.profile?.firmographics ?? {},
            score: result.score,
            threshold: policy.thresholds.sql,
            breakdown: result.breakdown,
            highIntentSignals: result.highIntentSignals.map((h) => ({
              kind: h.kind,
              label: h.label,
              lastSeenAt: h.lastSeenAt,
            })),
            summary: summary.text,
            openingLine: summary.openingLine,
            currentOwnerId: lead.profile?.ownerId,
            rulesVersion: version,
            qualifiedAt: now.toISOString(),
          },
        },
        {
          topic: Topics.CrmCommand,
          subject: lead.leadId,
          id: `${qualificationId}:handoff`,
          data: {
            ...base,
            commandId: `${qualificationId}:handoff`,
            action: 'update_lead',
            changes: { lifecycleStage: 'sql', score: result.score, handoffSummary: summary.text },
          },
        },
      );
      qualifiedTotal.inc();
    }
    if (result.score !== previous || lead.stage !== stageBefore)
      events.push(this.scored(lead, previous, result, now));
  }
}
