/** The route's entry in the OpenAPI document, which Nest's scanner cannot see (added in configureApp;
 * a file of its own, so create-app.ts imports nothing of the modules before the configuration is checked). */
export const PUBLIC_ARTICLE_OPENAPI = {
  '/public/articles/{slug}': {
    get: {
      operationId: 'PublicSite_article',
      summary: 'The live page of an article, with ETag and cache headers (text/html; no login)',
      tags: ['public'],
      parameters: [{ name: 'slug', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        '200': {
          description:
            'The page, from memory; brotli or gzip as Accept-Encoding allows (Vary: Accept-Encoding, same ETag)',
          content: { 'text/html': { schema: { type: 'string' } } },
        },
        '304': { description: 'Not modified (If-None-Match)' },
        '404': { description: 'No live page at this URL' },
      },
    },
  },
} as const;
