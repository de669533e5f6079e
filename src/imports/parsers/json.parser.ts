import { parseByline, parseReviewDate } from '../byline-parser.js';
import {
  MalformedSourceError,
  type AttestedReviewInput,
  type ParsedArticle,
  type ParsedContent,
} from '../parsed-article.js';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');

function review(block: unknown, timeZone: string): AttestedReviewInput | null {
  if (!isObject(block)) return null;
  const printed = str(block.byline) ? parseByline(str(block.byline), timeZone) : null;
  const reviewer = isObject(block.reviewer) ? block.reviewer : {};
  const date = str(block.reviewedOn ?? block.date);
  return {
    reviewerName: str(reviewer.displayName ?? reviewer.name) || (printed?.reviewerName ?? ''),
    credentials: str(reviewer.credentials) || (printed?.credentials ?? ''),
    affiliation: str(reviewer.affiliation) || (printed?.affiliation ?? ''),
    reviewedOn: date ? parseReviewDate(date, timeZone) : (printed?.reviewedOn ?? null),
    byline: printed?.byline ?? null,
  };
}

/**
 * JSON in the API's ArticleContent shape with a `review` block (`{ reviewer: { displayName, credentials,
 * affiliation }, reviewedOn: "YYYY-MM-DD" }` or `{ byline }`), plus `sourceUrl` and `author`; one article or an
 * array. The content fields go through the API's own validation, so an unknown field is refused by name.
 */
export function parseJson(text: string, fileName: string, timeZone: string): ParsedArticle[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MalformedSourceError(`not valid JSON: ${(error as Error).message}`);
  }
  const items = Array.isArray(value) ? value : [value];
  if (!items.length || !items.every(isObject)) {
    throw new MalformedSourceError('the JSON is not an article object (or an array of them)');
  }
  return items.map((item, index) => {
    const { review: reviewBlock, sourceUrl, author, ...content } = item;
    return {
      kind: 'json',
      sourceName: items.length > 1 ? `${fileName}#${str(item.slug) || index + 1}` : fileName,
      sourceUrl: str(sourceUrl) || null,
      author: str(author) || null,
      content: content as unknown as ParsedContent,
      review: review(reviewBlock, timeZone),
      problems: [],
    };
  });
}
