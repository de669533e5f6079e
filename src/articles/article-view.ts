import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type {
  ArticleContent,
  ArticleImage,
  ArticleSection,
  FaqEntry,
  Reference,
  RenderedContent,
} from './article-content.js';
import { ARTICLE_STATUSES, type Article } from './article.entity.js';
import type { AttestedReviewSummary } from './attested-review-source.js';
import { FaqEntryDto, ImageDto, ReferenceDto, SectionDto } from './articles.dto.js';
import type { Comment } from './comment.entity.js';
import type { Revision } from './revision.entity.js';

/** The structured content of a revision as returned: every field present, optional image parts as null. */
export class ArticleContentView implements ArticleContent {
  @ApiProperty() title!: string;
  @ApiProperty() slug!: string;
  @ApiProperty() description!: string;
  @ApiProperty() specialty!: string;
  @ApiProperty({ type: [String] }) keyTakeaways!: string[];
  @ApiProperty({ type: [SectionDto] }) sections!: ArticleSection[];
  @ApiProperty({ type: [FaqEntryDto] }) faq!: FaqEntry[];
  @ApiProperty({ type: [ReferenceDto] }) references!: Reference[];
  @ApiProperty() bottomLine!: string;
  @ApiProperty({ type: [String] }) relatedSlugs!: string[];
  @ApiProperty({ type: [ImageDto] }) images!: ArticleImage[];
}

export class RenderedContentView implements RenderedContent {
  @ApiProperty({ type: [String], description: 'Sanitised HTML of each section body' }) sections!: string[];
  @ApiProperty({ type: [String], description: 'Sanitised HTML of each FAQ answer' }) faq!: string[];
  @ApiProperty({ description: 'Sanitised HTML of the bottom line' }) bottomLine!: string;
}

export class SignOffSummaryView {
  @ApiProperty({
    enum: ['current', 'stale'],
    description: 'current when it covers exactly the current revision (number and content hash)',
  })
  status!: 'current' | 'stale';
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() revision!: number;
  @ApiProperty({ format: 'date-time' }) signedAt!: string;
  @ApiProperty({ example: 'Medically reviewed by Alan Lucks, MD, … on January 10th, 2026' }) byline!: string;
}

/** Everything about an article except its content (what listings return). */
export class ArticleSummaryView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() slug!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ enum: ARTICLE_STATUSES }) status!: string;
  @ApiProperty({ description: 'Optimistic-concurrency version; also the ETag' }) version!: number;
  @ApiProperty({ format: 'uuid' }) authorId!: string;
  @ApiProperty() specialty!: string;
  @ApiProperty() currentRevision!: number;
  @ApiProperty({ description: 'SHA-256 of the current revision content' }) contentHash!: string;
  @ApiProperty({ type: SignOffSummaryView, nullable: true }) signOff!: SignOffSummaryView | null;
  @ApiProperty({ type: Number, nullable: true }) publishedRevision!: number | null;
  @ApiProperty({ type: Date, nullable: true }) lastReviewedAt!: Date | null;
  @ApiProperty({ type: Date, nullable: true }) nextReviewDueAt!: Date | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class ArticleView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() slug!: string;
  @ApiProperty({ enum: ARTICLE_STATUSES }) status!: string;
  @ApiProperty({ description: 'Optimistic-concurrency version; also the ETag' }) version!: number;
  @ApiProperty({ format: 'uuid' }) authorId!: string;
  @ApiProperty() specialty!: string;
  @ApiProperty() currentRevision!: number;
  @ApiProperty({ description: 'SHA-256 of the current revision content' }) contentHash!: string;
  @ApiProperty({ type: ArticleContentView }) content!: ArticleContent;
  @ApiProperty({ type: SignOffSummaryView, nullable: true }) signOff!: SignOffSummaryView | null;
  @ApiProperty({ type: Number, nullable: true }) publishedRevision!: number | null;
  @ApiProperty({ type: Date, nullable: true }) lastReviewedAt!: Date | null;
  @ApiProperty({ type: Date, nullable: true }) nextReviewDueAt!: Date | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

/** An attested past review (issue #16): what the source page said, not a signature made in this service. */
export class ArticleAttestedReviewView implements AttestedReviewSummary {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['attested'], description: 'attested at import; e-signed reviews are in signOff' })
  kind!: 'attested';
  @ApiProperty({ enum: [false], description: 'Always false: nobody signed it in this service' })
  eSigned!: false;
  @ApiProperty({ example: 'attested at import, not e-signed in this service' }) meaning!: string;
  @ApiProperty({ description: 'The revision the import created, which the review is said to cover' })
  revision!: number;
  @ApiProperty({ description: 'SHA-256 of that revision at import' }) contentHash!: string;
  @ApiProperty({ example: 'Alan Lucks' }) reviewerName!: string;
  @ApiProperty({ example: 'MD' }) credentials!: string;
  @ApiProperty({ example: 'Alan Lucks MDPC Private Practice - New York' }) affiliation!: string;
  @ApiProperty({ format: 'date', description: 'The day of the review, as the source printed it' })
  reviewedOn!: string;
  @ApiProperty({ example: 'Medically reviewed by Alan Lucks, MD, … on January 10th, 2026' }) byline!: string;
}

/** GET /articles/:id: the article with the past reviews it was imported with. */
export class ArticleReadView extends ArticleView {
  @ApiProperty({
    type: [ArticleAttestedReviewView],
    description:
      'Reviews attested by the source the article was imported from, newest first (empty when it was not ' +
      'imported); since API 1.2.0',
  })
  attestedReviews!: ArticleAttestedReviewView[];
}

export class ArticleListView {
  @ApiProperty({ type: [ArticleSummaryView] }) items!: ArticleSummaryView[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor to get the next page' })
  nextCursor!: string | null;
}

export class RevisionSummaryView {
  @ApiProperty() number!: number;
  @ApiProperty() contentHash!: string;
  @ApiProperty({ format: 'uuid' }) createdById!: string;
  @ApiProperty({ type: String, nullable: true }) changeNote!: string | null;
  @ApiProperty() createdAt!: Date;
}

export class RevisionView extends RevisionSummaryView {
  @ApiProperty({ format: 'uuid' }) articleId!: string;
  @ApiProperty({ type: ArticleContentView }) content!: ArticleContent;
  @ApiProperty({ type: RenderedContentView }) rendered!: RenderedContent;
}

export class WordChangeView {
  @ApiProperty({ enum: ['equal', 'added', 'removed'] }) op!: 'equal' | 'added' | 'removed';
  @ApiProperty() text!: string;
}

export class FieldChangeView {
  @ApiProperty({
    example: 'sections[3].body',
    description:
      'title, slug, description, specialty, bottomLine, keyTakeaways[i], sections[i], sections[i].heading, ' +
      'sections[i].body, faq[i], faq[i].question, faq[i].answer, references[i], references[i].title|url|' +
      'publisher|year, relatedSlugs[i], images[i], images[i].url|alt|caption|sectionIndex. Lists are ' +
      'matched by position (from 0).',
  })
  path!: string;
  @ApiProperty({ enum: ['added', 'removed', 'changed'] }) kind!: 'added' | 'removed' | 'changed';
  @ApiPropertyOptional({ description: 'Text before (absent when added)' }) before?: string;
  @ApiPropertyOptional({ description: 'Text after (absent when removed)' }) after?: string;
  @ApiPropertyOptional({
    type: [WordChangeView],
    description:
      'For changed text: both versions word by word, in order. Omitted when the text could not be aligned ' +
      "within the diff's budget, or when this change alone is over a page's size cap: before and after are " +
      'then shown whole',
  })
  words?: WordChangeView[];
  @ApiPropertyOptional({
    enum: ['word', 'paragraph'],
    description:
      'How finely words marks the change: word, or paragraph when some paragraphs are shown whole (removed, ' +
      "then added) because the diff's budget ran out or they were too large to compare word by word",
  })
  granularity?: 'word' | 'paragraph';
}

export class RevisionDiffView {
  @ApiProperty() from!: number;
  @ApiProperty() to!: number;
  @ApiProperty() fromHash!: string;
  @ApiProperty() toHash!: string;
  @ApiProperty({ type: [FieldChangeView], description: 'This page of the changes, in reading order' })
  changes!: FieldChangeView[];
  @ApiProperty({ description: 'How many changes there are in all pages' }) total!: number;
  @ApiProperty({ description: 'Index of the first change of this page' }) offset!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'offset of the next page; null on the last page',
  })
  nextOffset!: number | null;
}

export class CommentView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) articleId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) parentId!: string | null;
  @ApiProperty({ format: 'uuid' }) authorId!: string;
  @ApiProperty({ type: Number, nullable: true }) revision!: number | null;
  @ApiProperty({ type: Number, nullable: true }) sectionIndex!: number | null;
  @ApiProperty() body!: string;
  @ApiProperty({ type: Date, nullable: true }) resolvedAt!: Date | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) resolvedById!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty({ type: () => [CommentView], description: 'Replies, oldest first' }) replies!: CommentView[];
}

/** The article's latest sign-off, and whether it still covers the current revision. */
export function toSignOffSummary(article: Article, currentHash: string): SignOffSummaryView | null {
  const signOff = article.latestSignOff;
  if (!signOff) return null;
  const current = signOff.revision === article.currentRevision && signOff.contentHash === currentHash;
  return {
    status: current ? 'current' : 'stale',
    id: signOff.id,
    revision: signOff.revision,
    signedAt: signOff.signedAt,
    byline: signOff.byline,
  };
}

export function toArticleSummary(article: Article, currentHash: string): ArticleSummaryView {
  return {
    id: article.id,
    slug: article.slug,
    title: article.title,
    status: article.status,
    version: article.version,
    authorId: article.authorId,
    specialty: article.specialty,
    currentRevision: article.currentRevision,
    contentHash: currentHash,
    signOff: toSignOffSummary(article, currentHash),
    publishedRevision: article.publishedRevision,
    lastReviewedAt: article.lastReviewedAt,
    nextReviewDueAt: article.nextReviewDueAt,
    createdAt: article.createdAt,
    updatedAt: article.updatedAt,
  };
}

/** The Article JSON of the API, from the article row and its current revision. */
export function toArticleView(
  article: Article,
  current: Pick<Revision, 'content' | 'contentHash'>,
): ArticleView {
  const { title: _title, ...summary } = toArticleSummary(article, current.contentHash);
  return { ...summary, content: current.content };
}

export function toRevisionSummary(revision: Revision): RevisionSummaryView {
  return {
    number: revision.number,
    contentHash: revision.contentHash,
    createdById: revision.createdById,
    changeNote: revision.changeNote,
    createdAt: revision.createdAt,
  };
}

export function toRevisionView(revision: Revision): RevisionView {
  return {
    articleId: revision.articleId,
    ...toRevisionSummary(revision),
    content: revision.content,
    rendered: revision.rendered,
  };
}

/** Comments as threads: top-level comments oldest first, each with its replies (and theirs) nested. */
export function toCommentThreads(comments: Comment[]): CommentView[] {
  const views = new Map<string, CommentView>(
    comments.map((comment) => [
      comment.id,
      {
        id: comment.id,
        articleId: comment.articleId,
        parentId: comment.parentId,
        authorId: comment.authorId,
        revision: comment.revisionNumber,
        sectionIndex: comment.sectionIndex,
        body: comment.body,
        resolvedAt: comment.resolvedAt,
        resolvedById: comment.resolvedById,
        createdAt: comment.createdAt,
        replies: [],
      },
    ]),
  );
  const threads: CommentView[] = [];
  for (const comment of comments) {
    const view = views.get(comment.id)!;
    const parent = comment.parentId ? views.get(comment.parentId) : undefined;
    if (parent) parent.replies.push(view);
    else threads.push(view);
  }
  return threads;
}
