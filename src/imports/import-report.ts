import { ATTESTATION } from './attested-review.entity.js';
import type { ReviewerMatch } from './imports.repository.js';
import type { ImportProblem, SourceKind } from './parsed-article.js';

/** A past review a source attests: enough to record it (a reviewer's name and a date). */
export type Reviewable = {
  reviewerName: string;
  credentials: string;
  affiliation: string;
  reviewedOn: string;
  byline: string | null;
};

export const IMPORT_ACTIONS = ['created', 'updated', 'skipped', 'refused'] as const;
export type ImportAction = (typeof IMPORT_ACTIONS)[number];

export interface ImportItemReport {
  /** The file name, with `#item` for one article of a file that holds several. */
  source: string;
  kind: SourceKind | null;
  sourceUrl: string | null;
  action: ImportAction;
  /** Why a source was refused or skipped. */
  reason: string | null;
  articleId: string | null;
  slug: string | null;
  revision: number | null;
  status: string | null;
  originalAuthor: string | null;
  attestedReview: {
    id: string | null;
    reviewer: string;
    matchedReviewerId: string | null;
    reviewedOn: string;
    nextReviewDueAt: string | null;
    meaning: string;
  } | null;
  published: boolean;
  publicUrl: string | null;
  problems: ImportProblem[];
}

export interface ImportReport {
  dryRun: boolean;
  publish: boolean;
  startedAt: string;
  finishedAt: string;
  totals: Record<ImportAction, number> & { sources: number; problems: number };
  items: ImportItemReport[];
}

export function totalsOf(items: ImportItemReport[]): ImportReport['totals'] {
  const totals = { sources: items.length, created: 0, updated: 0, skipped: 0, refused: 0, problems: 0 };
  for (const item of items) {
    totals[item.action] += 1;
    totals.problems += item.problems.length;
  }
  return totals;
}

function cut(text: string, width: number): string {
  return text.length <= width ? text.padEnd(width) : `${text.slice(0, width - 1)}…`;
}

/** The report as a terminal table: one row per source, then its problems indented under it. */
export function reportTable(report: ImportReport): string {
  const columns: [string, number][] = [
    ['source', 36],
    ['action', 8],
    ['slug', 32],
    ['reviewed', 10],
    ['next due', 10],
    ['problems', 8],
  ];
  const line = columns.map(([, width]) => '─'.repeat(width)).join('─┼─');
  const rows = [columns.map(([name, width]) => cut(name, width)).join(' │ '), line];
  for (const item of report.items) {
    rows.push(
      [
        item.source,
        item.action,
        item.slug ?? '',
        item.attestedReview?.reviewedOn ?? '',
        item.attestedReview?.nextReviewDueAt?.slice(0, 10) ?? '',
        String(item.problems.length),
      ]
        .map((cell, index) => cut(cell, columns[index][1]))
        .join(' │ '),
    );
    if (item.reason) rows.push(`    ${item.action === 'refused' ? '✗' : '·'} ${item.reason}`);
    for (const problem of item.problems) rows.push(`    ! ${problem.message}`);
  }
  const { totals } = report;
  rows.push(
    line,
    `${report.dryRun ? 'Dry run (nothing written): ' : ''}${totals.sources} source(s): ${totals.created} created, ${totals.updated} updated, ${totals.skipped} skipped, ${totals.refused} refused; ${totals.problems} problem(s)`,
  );
  return rows.join('\n');
}

export function refusedItem(
  source: string,
  kind: ImportItemReport['kind'],
  sourceUrl: string | null,
  reason: string,
): ImportItemReport {
  return {
    source,
    kind,
    sourceUrl,
    action: 'refused',
    reason,
    articleId: null,
    slug: null,
    revision: null,
    status: null,
    originalAuthor: null,
    attestedReview: null,
    published: false,
    publicUrl: null,
    problems: [],
  };
}

export function slugTakenProblem(slug: string, importedAs: string | null): ImportProblem {
  return {
    code: 'slug_taken',
    field: 'slug',
    message: `The slug "${slug}" is already taken by another article here${importedAs ? `; imported as "${importedAs}"` : '; it would be imported under another slug'}.`,
  };
}

export function reviewSummary(
  id: string | null,
  review: Reviewable,
  match: ReviewerMatch | null,
  nextReviewDueAt: Date | null,
): NonNullable<ImportItemReport['attestedReview']> {
  return {
    id,
    reviewer: [
      match?.displayName ?? review.reviewerName,
      match?.credentials ?? review.credentials,
      review.affiliation,
    ]
      .filter(Boolean)
      .join(', '),
    matchedReviewerId: match?.userId ?? null,
    reviewedOn: review.reviewedOn,
    nextReviewDueAt: nextReviewDueAt?.toISOString() ?? null,
    meaning: ATTESTATION,
  };
}
