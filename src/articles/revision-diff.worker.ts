import { parentPort } from 'node:worker_threads';
import type { ArticleContent } from './article-content.js';
import { diffContent } from './revision-diff.js';

/** The diff thread (#15 §7): bounded diffs, one at a time, off the API's event loop. */
parentPort?.on('message', (message: { id: number; before: ArticleContent; after: ArticleContent }) => {
  try {
    parentPort!.postMessage({ id: message.id, changes: diffContent(message.before, message.after) });
  } catch (error) {
    parentPort!.postMessage({
      id: message.id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
});
