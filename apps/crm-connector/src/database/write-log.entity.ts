import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { CrmProvider } from '@baton/domain';

/** What Baton wrote to the CRM, logged before the call, so the change coming back is known as an echo. */
@Entity({ name: 'write_log' })
@Index('write_log_lookup', ['objectId', 'field', 'writtenAt'])
@Index('write_log_written_at', ['writtenAt'])
export class WriteLogRow {
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'write_log_pkey' })
  id!: string;

  @Column({ type: 'text' })
  provider!: CrmProvider;

  @Column({ name: 'object_id', type: 'text' })
  objectId!: string;

  /** The CRM field name, as written. */
  @Column({ type: 'text' })
  field!: string;

  @Column({ type: 'text', nullable: true })
  value!: string | null;

  @Column({ name: 'command_id', type: 'text' })
  commandId!: string;

  @Column({ name: 'written_at', type: 'timestamptz', default: () => 'now()' })
  writtenAt!: Date;
}
