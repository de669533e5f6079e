/**
 * bench:publish's ceiling, in a process of its own started like the export's (same node flags, timed the same
 * way, from fork to result): the same templates, from content in memory, rendered, encoded, hashed and written
 * through the same DirectoryTarget (as many pages in flight at once as the export); no database, no Nest.
 */
import { hash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { renderContent } from '../src/articles/markdown-renderer.js';
import { PAGES_IN_FLIGHT } from '../src/publishing/directory-export.types.js';
import { DirectoryTarget } from '../src/publishing/directory-target.js';
import { PageRenderer } from '../src/publishing/page-renderer.js';
import type { PageRendering } from '../src/publishing/page-rendering.service.js';
import { buildPageViewModel, type PageSigner, type PageSource } from '../src/publishing/page-view-model.js';
import { articleContent, seed } from './lib/publish-content.js';

export interface CeilingRequest {
  articles: number;
  signer: Omit<PageSigner, 'signedAt'> & { signedAt: string };
  site: PageRendering['site'];
  directory: string;
  /** Progress is sent every this many pages. */
  every: number;
}

export type CeilingMessage =
  | { type: 'progress'; done: number }
  | { type: 'done'; workSeconds: number; peakRssBytes: number; cpuSeconds: number };

async function ceiling(request: CeilingRequest): Promise<void> {
  const base = seed();
  const rendered = renderContent(base);
  const signer: PageSigner = { ...request.signer, signedAt: new Date(request.signer.signedAt) };
  const renderer = PageRenderer.fromDirectory('templates');
  const target = new DirectoryTarget(request.directory);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < request.articles) {
      const content = articleContent(base, next++);
      const source: PageSource = {
        articleId: randomUUID(),
        revisionNumber: 1,
        revisionCreatedAt: new Date(signer.signedAt.getTime() - 3600_000),
        content,
        rendered,
        authorName: 'Wendy Writer',
        signer,
        firstPublishedAt: signer.signedAt,
        nextReviewDueAt: new Date(signer.signedAt.getTime() + 365 * 24 * 3600 * 1000),
        related: [],
      };
      const bytes = Buffer.from(renderer.renderPage(buildPageViewModel(source, request.site)), 'utf8');
      hash('sha256', bytes, 'hex');
      await target.writePage(content.slug, bytes);
      if (++done % request.every === 0) process.send!({ type: 'progress', done } satisfies CeilingMessage);
    }
  };
  await Promise.all(Array.from({ length: PAGES_IN_FLIGHT }, worker));
}

process.once('message', (request: CeilingRequest) => {
  const started = performance.now();
  ceiling(request)
    .then(() => {
      const message: CeilingMessage = {
        type: 'done',
        workSeconds: (performance.now() - started) / 1000,
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
        // User and system CPU of the whole process (its threads and libuv's pool included), from start-up.
        cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
      };
      process.send!(message, undefined, {}, () => process.disconnect());
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
});
