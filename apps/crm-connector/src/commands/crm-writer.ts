import { cleanText, type CrmCommand, type CrmProvider } from '@baton/domain';
import { cutText } from '../hubspot/webhook-events.js';
import type { CallMeter } from '../api-budget/retry.js';
import type { CrmMapping } from '../policy/policy.js';
import type { OwnWrite } from '../database/write-log.store.js';
import { plannedWrites, type UpdateLead } from './field-changes.js';

/** The writer of the configured CRM (`@Inject(CRM_WRITER)`), provided by HubSpotModule or SalesforceModule. */
export const CRM_WRITER = Symbol('CRM_WRITER');

/** Carries out Baton's commands on one CRM. */
export interface CrmWriter {
  readonly provider: CrmProvider;
  /** The field values a command will write, logged before the call so their echo is recognised. */
  plan(cmd: CrmCommand): OwnWrite[];
  /** Executes the command; resolves with the number of API requests it took. */
  execute(cmd: CrmCommand): Promise<number>;
}

export type CreateTask = Extract<CrmCommand, { action: 'create_task' }>;
export type EnrolNurture = Extract<CrmCommand, { action: 'enrol_nurture' }>;

/** A task's subject as a CRM keeps it (Salesforce Task.Subject holds 255 characters). */
export const MAX_TASK_SUBJECT_CHARS = 255;
/** A task's notes (Salesforce Task.Description holds 32,000; HubSpot's body 65,536). */
export const MAX_TASK_BODY_CHARS = 32_000;

/** A task's free text, cleaned (NUL, controls, lone surrogates) and cut to what either CRM holds. */
export function taskText(task: CreateTask['task']): { subject: string; body: string } {
  return {
    subject: cutText(cleanText(task.subject), MAX_TASK_SUBJECT_CHARS),
    body: cutText(cleanText(task.body ?? ''), MAX_TASK_BODY_CHARS),
  };
}

/** A writer driven by the sales-ops mapping: each CRM only says how it makes each kind of call. */
export abstract class MappedCrmWriter<Api, Mapping extends CrmMapping> implements CrmWriter {
  abstract readonly provider: CrmProvider;

  constructor(
    protected readonly api: Api,
    protected readonly mapping: Mapping,
  ) {}

  plan(cmd: CrmCommand): OwnWrite[] {
    return plannedWrites(this.mapping, cmd);
  }

  async execute(cmd: CrmCommand): Promise<number> {
    // Counts every request the command took, retries included, for the rate budget's figures.
    const meter: CallMeter = { calls: 0 };
    switch (cmd.action) {
      case 'update_lead':
        await this.updateLead(cmd, meter);
        break;
      case 'create_task':
        await this.createTask(cmd, meter);
        break;
      case 'enrol_nurture':
        await this.enrolNurture(cmd, meter);
        break;
    }
    return meter.calls;
  }

  protected abstract updateLead(cmd: UpdateLead, meter: CallMeter): Promise<void>;
  protected abstract createTask(cmd: CreateTask, meter: CallMeter): Promise<void>;
  protected abstract enrolNurture(cmd: EnrolNurture, meter: CallMeter): Promise<void>;
}
