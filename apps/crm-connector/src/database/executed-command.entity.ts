import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A crm.command.v1 the CRM accepted: a command id seen again is not carried out twice. */
@Entity({ name: 'executed_command' })
@Index('executed_command_executed_at', ['executedAt'])
export class ExecutedCommandRow {
  @PrimaryColumn({ name: 'command_id', type: 'text', primaryKeyConstraintName: 'executed_command_pkey' })
  commandId!: string;

  @Column({ type: 'text' })
  action!: string;

  @Column({ name: 'lead_id', type: 'text' })
  leadId!: string;

  /** HTTP requests the command took, retries included. */
  @Column({ name: 'api_calls', type: 'int' })
  apiCalls!: number;

  @Column({ name: 'executed_at', type: 'timestamptz', default: () => 'now()' })
  executedAt!: Date;
}
