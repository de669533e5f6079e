import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Append-only record of every state change. Appended inside the business transaction without any lock; the
 * sealer (audit-sealer.ts) later gives it its place in the hash chain (`seq`, `prevHash`, `hash`). The database
 * refuses DELETE, any change to a sealed event, and any change to an event's content.
 */
@Entity('audit_events')
@Index('IDX_audit_events_entity', ['entityType', 'entityId'])
@Index('IDX_audit_events_unsealed', ['txid', 'id'], { where: '"seq" IS NULL' })
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

  /**
   * The inserting transaction's id (`pg_current_xact_id()`): the sealer seals only events of transactions older
   * than every transaction still running, in (txid, id) order, so no event can later appear before a sealed one.
   */
  @Column({ type: 'bigint', select: false })
  txid!: string;

  /** Position in the chain (1, 2, …), set by the sealer; null until sealed. */
  @Index('UQ_audit_events_seq', { unique: true })
  @Column({ type: 'bigint', nullable: true })
  seq!: string | null;

  @Column({ type: 'char', length: 64, nullable: true })
  prevHash!: string | null;

  @Index('UQ_audit_events_hash', { unique: true })
  @Column({ type: 'char', length: 64, nullable: true })
  hash!: string | null;
}
