import type { CrmCommand, CrmProvider } from '@baton/domain';
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
