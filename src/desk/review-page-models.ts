/** What the review desk's pages show: the models its templates read (built by the review page services). */
export interface DateView {
  iso: string;
  text: string;
}

export interface MyReviewRow {
  assignmentId: string | null;
  articleId: string;
  title: string;
  specialty: string;
  revision: number;
  due: DateView;
  overdue: boolean;
  kind: string;
}

export interface MyReviewsModel {
  requests: MyReviewRow[];
  accepted: MyReviewRow[];
  reReviews: MyReviewRow[];
  empty: boolean;
}

export interface ReviewPageModel {
  assignment: {
    id: string;
    kind: string;
    status: string;
    pending: boolean;
    accepted: boolean;
    closed: boolean;
    due: DateView;
    overdue: boolean;
    declineReason: string | null;
  };
  article: {
    id: string;
    title: string;
    specialty: string;
    status: string;
    revision: number;
    contentHash: string;
    shortHash: string;
    writerName: string;
  };
  changes: {
    /** What the changes are counted from: the reviewer's last sign-off or decision on this article. */
    since: { kind: 'sign-off' | 'decision'; date: DateView; revision: number } | null;
    /** The changed places, rendered (inline and side by side) once per pair of revisions (ReviewPageCache). */
    rendered: { groups: number; inline: string; sideBySide: string } | null;
    /** The reviewer signed this very revision before: a re-review of unchanged content. */
    unchangedSinceSignOff: boolean;
  };
  /** The revision as the publication's templates show it: its HTML is rendered once per content hash. */
  publication: { specialty: string; title: string; description: string; authorName: string; html: string };
  sections: { index: number; heading: string; anchor: string }[];
  comments: CommentRow[];
  sign: { byline: string; meaning: string; canSign: boolean; whyNot: string | null };
  decisions: DecisionRow[];
}

export interface CommentRow {
  id: string;
  authorName: string;
  body: string;
  where: string;
  revision: number | null;
  at: DateView;
  replies: CommentRow[];
}

export interface DecisionRow {
  reviewerName: string;
  decision: string;
  approved: boolean;
  revision: number;
  comments: string | null;
  at: DateView;
}

export interface ReceiptModel {
  article: { id: string; title: string };
  assignmentId: string;
  signOff: {
    id: string;
    revision: number;
    contentHash: string;
    shortHash: string;
    byline: string;
    meaning: string;
    statement: string;
    signedAt: { iso: string; text: string; timeZone: string };
  };
}

export interface ArticleStatePage {
  article: {
    id: string;
    title: string;
    specialty: string;
    status: string;
    revision: number;
    shortHash: string;
    writerName: string;
    nextReviewDue: DateView | null;
    lastReviewed: DateView | null;
  };
  assignments: {
    id: string;
    reviewerName: string;
    kind: string;
    status: string;
    due: DateView;
    declineReason: string | null;
    mine: boolean;
  }[];
  decisions: DecisionRow[];
  signOffs: { id: string; revision: number; shortHash: string; byline: string; current: boolean }[];
  comments: CommentRow[];
  /** The caller signed last and no review is open: he may start the re-review before it falls due. */
  canStartReReview: boolean;
}

/** The statement a signature makes: what the physician attests by signing. */
export function signatureMeaning(revision: number, contentHash: string, title: string): string {
  return `I have medically reviewed revision ${revision} (${contentHash.slice(0, 8)}) of “${title}”`;
}
