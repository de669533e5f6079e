import { isURL } from 'class-validator';
import { LIMITS } from '../articles/articles.dto.js';
import type { ImportProblem, ParsedArticle } from './parsed-article.js';
import { opening } from './parsers/blocks.js';

/** The URL rule of the API's article body (ReferenceDto, ImageDto): an absolute http(s) URL. */
const isArticleUrl = (url: string) =>
  url.length <= LIMITS.url && isURL(url, { protocols: ['http', 'https'], require_protocol: true });

/**
 * What every source kind is checked for once parsed: FAQ answers without their question, images without alt
 * text, and links that are not http(s) (dropped: a `javascript:` link must never reach a page), each a problem
 * that names the field.
 */
export function checkParsed(article: ParsedArticle): ParsedArticle {
  const problems: ImportProblem[] = [...article.problems];
  const content = { ...article.content };

  content.references = content.references.filter((reference) => {
    if (isArticleUrl(reference.url)) return true;
    problems.push({
      code: 'unsafe_url',
      field: 'references',
      message: `The reference "${opening(reference.title, 10)}" links to "${opening(reference.url, 3)}", which is not a valid http(s) URL; it was not imported.`,
    });
    return false;
  });
  content.images = content.images.filter((image) => {
    if (isArticleUrl(image.url)) return true;
    problems.push({
      code: isRelative(image.url) ? 'relative_url' : 'unsafe_url',
      field: 'images',
      message: `The image "${opening(image.alt || image.url, 10)}" has the address "${opening(image.url, 3)}", which is not a valid absolute http(s) URL; it was not imported.`,
    });
    return false;
  });

  content.faq.forEach((entry, index) => {
    if (entry.question.trim() === '') {
      problems.push({
        code: 'faq_answer_without_question',
        field: `faq[${index}].question`,
        message: `FAQ answer ${index + 1} has no question (the source lost it): "${opening(entry.answer, 12)}". Write its question before submitting.`,
      });
    }
  });
  content.images.forEach((image, index) => {
    if (image.alt.trim() === '') {
      problems.push({
        code: 'missing_field',
        field: `images[${index}].alt`,
        message: `The image ${image.url} has no alt text; write one before submitting.`,
      });
    }
  });
  if (!content.title.trim()) {
    problems.push({ code: 'missing_field', field: 'title', message: 'The source has no title.' });
  }
  content.sections.forEach((section, index) => {
    if (!section.heading.trim()) {
      problems.push({
        code: 'missing_field',
        field: `sections[${index}].heading`,
        message: `Section ${index + 1} ("${opening(section.body, 8)}") has no heading in the source.`,
      });
    }
  });
  if (!article.review) {
    problems.push({
      code: 'no_reviewer',
      field: 'review',
      message:
        'The source names no medical reviewer: no past review was recorded, and the article needs a review here.',
    });
  } else if (!article.review.reviewedOn) {
    problems.push({
      code: 'no_review_date',
      field: 'review.reviewedOn',
      message: `The source names ${article.review.reviewerName} as reviewer but gives no review date: no past review was recorded, and the article needs a review here.`,
    });
  }
  return { ...article, content, problems };
}

function isRelative(url: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(url.trim());
}
