import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../users/user.entity.js';

/** A browser session of the desk pages. The cookie holds a random id; only its SHA-256 is stored. */
@Entity('desk_sessions')
export class DeskSession {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('UQ_desk_sessions_id_hash', { unique: true })
  @Column({ type: 'char', length: 64 })
  idHash!: string;

  @Index('IDX_desk_sessions_user_id')
  @Column({ type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  /** The user's token version when the session began: raising it ends the session. */
  @Column({ type: 'integer' })
  tokenVersion!: number;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;

  /** Idle expiry counts from here. */
  @Column({ type: 'timestamptz' })
  lastSeenAt!: Date;

  /** Absolute expiry, however active the session is. */
  @Column({ type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  endedAt!: Date | null;
}
