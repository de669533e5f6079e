import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { User } from './user.entity.js';

/** A physician's public identity and licence; what a sign-off snapshots. */
@Entity('reviewer_profiles')
export class ReviewerProfile {
  @PrimaryColumn('uuid')
  userId!: string;

  @OneToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ type: 'varchar', length: 120 })
  displayName!: string;

  @Column({ type: 'varchar', length: 60 })
  credentials!: string;

  @Column({ type: 'varchar', length: 200 })
  affiliation!: string;

  @Column({ type: 'text', array: true, default: '{}' })
  specialties!: string[];

  @Column({ type: 'varchar', length: 60 })
  licenseNumber!: string;

  @Column({ type: 'varchar', length: 60 })
  licenseRegion!: string;

  /** Calendar date (YYYY-MM-DD); the licence is valid through the end of that day. */
  @Column({ type: 'date' })
  licenseExpiresOn!: string;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
