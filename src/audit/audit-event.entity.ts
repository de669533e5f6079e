import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Append-only, hash-chained record of every state change. The database refuses UPDATE and DELETE. */
@Entity('audit_events')
@Index('IDX_audit_events_entity', ['entityType', 'entityId'])
export class AuditEvent {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column({ type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ type: 'uuid', nullable: true })
  actorId!: string | null;

  @Column({ type: 'varchar', length: 80 })
  action!: string;

  @Column({ type: 'varchar', length: 40 })
  entityType!: string;

  @Column({ type: 'varchar', length: 80 })
  entityId!: string;

  /** Article the event belongs to, when it belongs to one (for `GET /audit?articleId=`). */
  @Index('IDX_audit_events_article')
  @Column({ type: 'uuid', nullable: true })
  articleId!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  before!: unknown;

  @Column({ type: 'jsonb', nullable: true })
  after!: unknown;

  @Column({ type: 'char', length: 64 })
  prevHash!: string;

  @Index('UQ_audit_events_hash', { unique: true })
  @Column({ type: 'char', length: 64 })
  hash!: string;
}
