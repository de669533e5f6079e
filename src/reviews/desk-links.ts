/**
 * The desk pages e-mails link to: every link opens a page (through the desk's login when there is no session),
 * never a JSON route.
 */

/** The reviewer's review page of one assignment. */
export function deskReviewUrl(baseUrl: string, assignmentId: string): string {
  return `${baseUrl}/desk/reviews/${assignmentId}`;
}

/** The article's state page, for its writer and the editors. */
export function deskArticleUrl(baseUrl: string, articleId: string): string {
  return `${baseUrl}/desk/articles/${articleId}`;
}

/** Before the due date: the last signer starts the re-review early from here. */
export function deskReReviewUrl(baseUrl: string, articleId: string): string {
  return `${baseUrl}/desk/articles/${articleId}/re-review`;
}

/** The publisher's page of an article: publish now, schedule, or see what stops it. */
export function deskPublisherArticleUrl(baseUrl: string, articleId: string): string {
  return `${baseUrl}/desk/publisher/articles/${articleId}`;
}
