import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A resume point: CDC replayId per channel, polling cursor, events API cursor per contact. */
@Entity({ name: 'stream_cursor' })
export class StreamCursorRow {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'stream_cursor_pkey' })
  name!: string;

  @Column({ type: 'text' })
  position!: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
