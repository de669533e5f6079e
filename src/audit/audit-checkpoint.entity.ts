import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The head of one sealed batch, signed with HMAC-SHA256 under AUDIT_KEY (which the database never sees). The same
 * line is appended to a file under AUDIT_CHECKPOINT_DIR, so rewriting the database alone is found out.
 */
@Entity('audit_checkpoints')
export class AuditCheckpoint {
  /** seq of the batch's last event (the chain's head when it was sealed). */
  @PrimaryColumn({ type: 'bigint' })
  seq!: string;

  @Column({ type: 'bigint' })
  firstSeq!: string;

  @Column({ type: 'char', length: 64 })
  headHash!: string;

  @Column({ type: 'timestamptz' })
  sealedAt!: Date;

  @Column({ type: 'char', length: 64 })
  hmac!: string;
}
