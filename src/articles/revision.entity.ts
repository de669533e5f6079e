import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { ArticleContent, RenderedContent } from './article-content.js';

/** One immutable, numbered version of an article's content. The database refuses UPDATE and DELETE. */
@Entity('revisions')
export class Revision {
  @PrimaryColumn('uuid')
  articleId!: string;

  @PrimaryColumn('int')
  number!: number;

  @Column({ type: 'jsonb' })
  content!: ArticleContent;

  @Column({ type: 'jsonb' })
  rendered!: RenderedContent;

  @Column({ type: 'char', length: 64 })
  contentHash!: string;

  @Column({ type: 'uuid' })
  createdById!: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  changeNote!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
