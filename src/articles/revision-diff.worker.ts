import { parentPort } from 'node:worker_threads';
import type { ArticleContent } from './article-content.js';
import { diffContent } from './revision-diff.js';
import { toChangeJson } from './revision-diff-json.js';

/**
 * The diff thread (#15 §7): bounded diffs, one at a time, off the API's event loop. Contents may come as the JSON
 * text PostgreSQL holds (parsed here, not on the loop); `json: true` answers each change as JSON text, so the loop
 * only joins strings to build a page.
 */
parentPort?.on(
  'message',
  (message: {
    id: number;
    before: ArticleContent | string;
    after: ArticleContent | string;
    json: boolean;
  }) => {
    try {
      const parse = (content: ArticleContent | string): ArticleContent =>
        typeof content === 'string' ? (JSON.parse(content) as ArticleContent) : content;
      const changes = diffContent(parse(message.before), parse(message.after));
      parentPort!.postMessage(
        message.json ? { id: message.id, json: toChangeJson(changes) } : { id: message.id, changes },
      );
    } catch (error) {
      parentPort!.postMessage({
        id: message.id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  },
);
