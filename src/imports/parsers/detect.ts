import { MalformedSourceError, type ParsedArticle, type SourceKind } from '../parsed-article.js';
import { parseHtml } from './html.parser.js';
import { parseJson } from './json.parser.js';
import { parseMarkdown } from './markdown.parser.js';
import { parseText } from './text.parser.js';
import { parseWxr } from './wxr.parser.js';

const BY_EXTENSION: Record<string, SourceKind> = {
  html: 'html',
  htm: 'html',
  md: 'markdown',
  markdown: 'markdown',
  xml: 'wxr',
  wxr: 'wxr',
  json: 'json',
  txt: 'text',
  text: 'text',
};

/** The kind of a source from its file name, else from its first characters. */
export function sourceKind(name: string, content: string): SourceKind {
  const extension = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  if (extension && BY_EXTENSION[extension]) return BY_EXTENSION[extension];
  const start = content.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('{') || start.startsWith('[')) return 'json';
  if (start.startsWith('---')) return 'markdown';
  if (/^<\?xml|^<rss/i.test(start)) return 'wxr';
  if (start.startsWith('<')) return 'html';
  return 'text';
}

/** The articles of one source file; MalformedSourceError says why a file is not one. */
export function parseSource(name: string, content: string, timeZone: string): ParsedArticle[] {
  if (content.includes('\u0000'))
    throw new MalformedSourceError('the file is binary (it contains NUL bytes)');
  if (!content.trim()) throw new MalformedSourceError('the file is empty');
  switch (sourceKind(name, content)) {
    case 'html':
      return [parseHtml(content, name, timeZone)];
    case 'markdown':
      return [parseMarkdown(content, name, timeZone)];
    case 'wxr':
      return parseWxr(content, name, timeZone);
    case 'json':
      return parseJson(content, name, timeZone);
    case 'text':
      return [parseText(content, name, timeZone)];
  }
}
