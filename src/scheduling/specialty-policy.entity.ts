import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Re-review cadence for a specialty, overriding the default; an article's own cadence overrides this. */
@Entity('specialty_policies')
export class SpecialtyPolicy {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  specialty!: string;

  @Column({ type: 'varchar', length: 40 })
  cadence!: string;

  @Column({ type: 'uuid', nullable: true })
  updatedById!: string | null;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
