import type { CrmCommand, CrmProvider } from '@baton/domain';
import type { OwnWrite } from '../store/write-log.js';

/** Carries out Baton's commands on one CRM. */
export interface CrmWriter {
  readonly provider: CrmProvider;
  /** The field values a command will write, logged before the call so their echo is recognised. */
  plan(cmd: CrmCommand): OwnWrite[];
  /** Executes the command; resolves with the number of API requests it took. */
  execute(cmd: CrmCommand): Promise<number>;
}
