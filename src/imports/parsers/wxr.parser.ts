import type { Element } from 'domhandler';
import { findAll, textContent } from 'domutils';
import { parseDocument } from 'htmlparser2';
import { parseByline, parseReviewDate, parseReviewer } from '../byline-parser.js';
import { MalformedSourceError, type ParsedArticle } from '../parsed-article.js';
import { parseHtml } from './html.parser.js';

const ARTICLE_TYPES = new Set(['post', 'page']);

function child(item: Element, name: string): string {
  const found = item.children.find(
    (node): node is Element => 'name' in node && (node as Element).name === name,
  );
  return found ? textContent(found).trim() : '';
}

/** wp:postmeta key/value pairs of an item (Yoast, ACF and custom fields). */
function postMeta(item: Element): Map<string, string> {
  const meta = new Map<string, string>();
  for (const entry of findAll((el) => el.name === 'wp:postmeta', item.children)) {
    const key = child(entry, 'wp:meta_key');
    if (key) meta.set(key, child(entry, 'wp:meta_value'));
  }
  return meta;
}

/**
 * A WordPress export (WXR): one article per post or page item. The body is the item's HTML, read like a page;
 * the reviewer and review date come from the byline in the body or from post meta (`reviewed_by`,
 * `review_date`, `reviewer_credentials`, `reviewer_affiliation`).
 */
export function parseWxr(xml: string, fileName: string, timeZone: string): ParsedArticle[] {
  const document = parseDocument(xml, { xmlMode: true });
  const channel = findAll((el) => el.name === 'channel', document.children)[0];
  if (!channel || !findAll((el) => el.name === 'rss', document.children).length) {
    throw new MalformedSourceError('not a WordPress export: no <rss><channel> element');
  }
  const items = findAll((el) => el.name === 'item', channel.children).filter((item) =>
    ARTICLE_TYPES.has(child(item, 'wp:post_type') || 'post'),
  );
  if (!items.length) throw new MalformedSourceError('the WordPress export holds no post or page');
  return items.map((item, index) => {
    const slug = child(item, 'wp:post_name');
    const link = child(item, 'link');
    const meta = postMeta(item);
    const sourceName = `${fileName}#${slug || index + 1}`;
    const parsed = parseHtml(`<article>${child(item, 'content:encoded')}</article>`, sourceName, timeZone, {
      sourceUrl: /^https?:\/\//i.test(link) ? link : null,
      kind: 'wxr',
    });
    const title = child(item, 'title');
    if (title) parsed.content.title = title;
    if (slug) parsed.content.slug = slug;
    const excerpt = child(item, 'excerpt:encoded') || meta.get('_yoast_wpseo_metadesc') || '';
    if (excerpt && !parsed.content.description)
      parsed.content.description = excerpt.replace(/<[^>]*>/g, '').trim();
    const specialty = meta.get('specialty');
    if (specialty) parsed.content.specialty = specialty.toLowerCase();
    parsed.author = child(item, 'dc:creator') || parsed.author;
    const reviewer = meta.get('reviewed_by') ?? meta.get('medically_reviewed_by');
    if (reviewer && !parsed.review) {
      const fromByline = parseByline(`Medically reviewed by ${reviewer}`, timeZone);
      const who = fromByline ?? { ...parseReviewer(reviewer), reviewedOn: null, byline: null };
      parsed.review = {
        ...who,
        credentials: meta.get('reviewer_credentials') ?? who.credentials,
        affiliation: meta.get('reviewer_affiliation') ?? who.affiliation,
        byline: null,
      };
    }
    const date = meta.get('review_date') ?? meta.get('last_reviewed');
    if (parsed.review && !parsed.review.reviewedOn && date)
      parsed.review.reviewedOn = parseReviewDate(date, timeZone);
    return parsed;
  });
}
