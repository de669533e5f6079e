import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A threaded review comment, optionally pointing at a section of a revision. */
@Entity('comments')
@Index('IDX_comments_article', ['articleId', 'createdAt'])
export class Comment {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  articleId!: string;

  @Column({ type: 'uuid', nullable: true })
  parentId!: string | null;

  @Column({ type: 'uuid' })
  authorId!: string;

  @Column({ type: 'int', nullable: true })
  revisionNumber!: number | null;

  @Column({ type: 'int', nullable: true })
  sectionIndex!: number | null;

  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;

  @Column({ type: 'uuid', nullable: true })
  resolvedById!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
