import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One revision going live (or coming down) on one target, with the sign-off that allowed it. */
@Entity('publications')
@Index('IDX_publications_article', ['articleId', 'createdAt'])
export class Publication {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  articleId!: string;

  @Column({ type: 'varchar', length: 20 })
  action!: 'publish' | 'unpublish' | 'rerender';

  @Column({ type: 'int' })
  revisionNumber!: number;

  @Column({ type: 'uuid', nullable: true })
  signOffId!: string | null;

  @Column({ type: 'char', length: 64, nullable: true })
  htmlChecksum!: string | null;

  /** 'site', 'directory' or a webhook URL. */
  @Column({ type: 'varchar', length: 500 })
  target!: string;

  @Column({ type: 'uuid', nullable: true })
  actorId!: string | null;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;
}
