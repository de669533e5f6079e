const LISTING_200 = (mediaType: string) => ({
  description:
    'The page, with ETag and Cache-Control; brotli or gzip as Accept-Encoding allows (Vary: Accept-Encoding)',
  content: { [mediaType]: { schema: { type: 'string' } } },
});
const NOT_MODIFIED = { description: 'Not modified (If-None-Match matches the ETag)' };
const INDEX_PAGE_PARAMETER = {
  name: 'page',
  required: false,
  in: 'query',
  schema: { type: 'integer', minimum: 1, maximum: 100000 },
} as const;

/**
 * The entries in the OpenAPI document of the plain Fastify routes of public-page-route.ts, which Nest's scanner
 * cannot see (added in buildOpenApiDocument; a file of its own, so create-app.ts imports nothing of the modules
 * before the configuration is checked). The operationIds are the ones these routes had as Nest handlers, so
 * generated clients keep their names.
 */
export const PUBLIC_ARTICLE_OPENAPI = {
  '/public': {
    get: {
      operationId: 'PublicSiteController_home',
      summary: 'The index of live articles, as /public/articles (text/html; no login)',
      description:
        'The same pages as /public/articles, first page by default. A page past the last is 404; a page that is ' +
        'not a whole number from 1, or any other query parameter, is 400.',
      tags: ['public'],
      parameters: [INDEX_PAGE_PARAMETER],
      responses: {
        '200': LISTING_200('text/html'),
        '304': NOT_MODIFIED,
        '404': { description: 'No such page of the index (past the last)' },
      },
    },
  },
  '/public/articles': {
    get: {
      operationId: 'PublicSiteController_index',
      summary: 'Index of the live articles by title, 100 a page (text/html; no login)',
      description:
        'Served from memory until a page is published or unpublished; a matching If-None-Match is answered 304 ' +
        'without rendering. A page past the last is 404.',
      tags: ['public'],
      parameters: [INDEX_PAGE_PARAMETER],
      responses: {
        '200': LISTING_200('text/html'),
        '304': NOT_MODIFIED,
        '404': { description: 'No such page of the index (past the last)' },
      },
    },
  },
  '/public/sitemap.xml': {
    get: {
      operationId: 'PublicSiteController_sitemap',
      summary: 'Sitemap of the live articles with lastmod (no login)',
      description:
        'Up to 50,000 articles, a urlset of them all; past that, a sitemap index of /public/sitemap-{n}.xml ' +
        '(50,000 articles each, with the latest lastmod of each). Served from memory until a page is published ' +
        'or unpublished; 304 without rendering.',
      tags: ['public'],
      parameters: [],
      responses: { '200': LISTING_200('application/xml'), '304': NOT_MODIFIED },
    },
  },
  '/public/sitemap-{n}.xml': {
    get: {
      operationId: 'PublicSiteController_sitemapShard',
      summary: 'One file of the sitemap index: up to 50,000 live articles with lastmod (no login)',
      description:
        'Exists only while sitemap.xml is a sitemap index (more than 50,000 live articles), for n from 1 to the ' +
        'number of files it names; 404 otherwise. Served from memory until a page is published or unpublished; ' +
        '304 without rendering.',
      tags: ['public'],
      parameters: [{ name: 'n', required: true, in: 'path', schema: { type: 'integer', minimum: 1 } }],
      responses: {
        '200': LISTING_200('application/xml'),
        '304': NOT_MODIFIED,
        '404': { description: 'No such file in the sitemap index' },
      },
    },
  },
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
