import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { type OpenApiLike, OpenApiContract } from './utils/openapi-contract.js';
import { createTestApp, createUser, type TestApp, type TestUser, withContract } from './utils/test-app.js';

const seed = () =>
  JSON.parse(readFileSync(new URL('./fixtures/seed-article.json', import.meta.url), 'utf8')) as object;

type Json = Record<string, unknown>;
type Operation = { operationId: string; security?: unknown[]; responses: Record<string, Json> };

describe('the OpenAPI document tells the truth', () => {
  let t: TestApp;
  let doc: OpenApiLike & { info: { version: string } };
  let writer: TestUser;
  let articleId: string;

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        key: `${method.toUpperCase()} ${path}`,
        op: op as Operation,
      })),
    );
  /** A copy of the live document with one thing changed, and a client checked against that copy. */
  const planted = (
    change: (copy: OpenApiLike & { components: { schemas: Record<string, Json> } }) => void,
  ) => {
    const copy = structuredClone(doc) as unknown as OpenApiLike & {
      components: { schemas: Record<string, Json> };
    };
    change(copy);
    return withContract(request(t.app.getHttpServer()), new OpenApiContract(copy));
  };

  beforeAll(async () => {
    t = await createTestApp();
    doc = (await t.http().get('/docs-json')).body as typeof doc;
    writer = await createUser(t, ['writer']);
    const created = await t.http().post('/articles').set(writer.auth).send(seed());
    expect(created.status).toBe(201);
    articleId = created.body.id as string;
  });
  afterAll(async () => {
    await t.close();
  });

  describe('the contract check on every e2e response', () => {
    it('passes a response that matches the live document', async () => {
      const res = await t.http().get(`/articles/${articleId}`).set(writer.auth);
      expect(res.status).toBe(200);
    });

    it('fails a planted body mismatch, naming the operation and the field', async () => {
      const client = planted((copy) => {
        // GET /articles/:id answers ArticleReadView (ArticleView with attestedReviews).
        const view = copy.components.schemas.ArticleReadView as { properties: Record<string, Json> };
        view.properties.version = { type: 'string' };
      });
      await expect(client.get(`/articles/${articleId}`).set(writer.auth)).rejects.toThrow(
        /GET \/articles\/\{id\} \(ArticlesController_get\) answered 200 .*body\.version must be string/,
      );
    });

    it('fails a nested field that comes back null where the document says object', async () => {
      const client = planted((copy) => {
        const view = copy.components.schemas.ArticleReadView as { properties: Record<string, Json> };
        view.properties.signOff = { $ref: '#/components/schemas/SignOffSummaryView' };
      });
      await expect(client.get(`/articles/${articleId}`).set(writer.auth)).rejects.toThrow(
        /ArticlesController_get.*body\.signOff must be object/,
      );
    });

    it('fails a status code the operation does not list', async () => {
      const client = planted((copy) => {
        delete (copy.paths['/articles'].post as Operation).responses['201'];
      });
      await expect(
        client
          .post('/articles')
          .set(writer.auth)
          .send({ ...seed(), slug: 'planted-status' }),
      ).rejects.toThrow(
        /POST \/articles \(ArticlesController_create\) answered 201 .*status 201 is not documented/,
      );
    });

    it('fails a content type the document does not declare', async () => {
      const client = planted((copy) => {
        const ok = (copy.paths['/health'].get as Operation).responses['200'] as { content: Json };
        ok.content = { 'text/plain': { schema: { type: 'string' } } };
      });
      await expect(client.get('/health')).rejects.toThrow(
        /HealthController_check.*content type application\/json is not documented for 200/,
      );
    });

    it('fails an error body that is not the one error shape', async () => {
      const client = planted((copy) => {
        copy.components.schemas.ErrorResponse = {
          type: 'object',
          required: ['statusCode', 'reasonCode'],
          properties: { reasonCode: { type: 'string' } },
        };
      });
      await expect(
        client.get('/articles/00000000-0000-4000-8000-000000000000').set(writer.auth),
      ).rejects.toThrow(
        /ArticlesController_get\) answered 404 .*body must have required property 'reasonCode'/,
      );
    });
  });

  describe('the document itself', () => {
    it('gives every 2xx answer (204 aside) a body schema', () => {
      const missing = operations().flatMap(({ key, op }) =>
        Object.entries(op.responses)
          .filter(([status]) => /^2\d\d$/.test(status) && status !== '204')
          .filter(([, response]) => {
            const content = (response.content ?? {}) as Record<string, { schema?: unknown }>;
            return !Object.keys(content).length || Object.values(content).some((media) => !media.schema);
          })
          .map(([status]) => `${key} ${status}`),
      );
      expect(missing).toEqual([]);
    });

    it('declares every operation security: bearer, or [] when public', () => {
      const undeclared = operations()
        .filter(({ op }) => !Array.isArray(op.security))
        .map(({ key }) => key);
      expect(undeclared).toEqual([]);
      const publicOps = operations()
        .filter(({ op }) => op.security!.length === 0)
        .map(({ key }) => key);
      expect(publicOps).toEqual(
        expect.arrayContaining(['POST /auth/login', 'GET /health', 'GET /public/articles/{slug}']),
      );
      // Public: reading published pages, health, and what a person does before they can log in.
      const mayBePublic =
        /^(POST \/auth\/(login|invitations\/accept|password-reset(\/confirm)?)|GET \/health|GET \/public)/;
      expect(publicOps.filter((key) => !mayBePublic.test(key))).toEqual([]);
    });

    it('gives every 4xx and 5xx answer the one error shape, with an optional code', () => {
      const other = operations().flatMap(({ key, op }) =>
        Object.entries(op.responses)
          .filter(([status]) => Number(status) >= 400)
          .filter(([, response]) => {
            const schema = (response.content as Record<string, { schema?: Json }> | undefined)?.[
              'application/json'
            ]?.schema;
            return schema?.$ref !== '#/components/schemas/ErrorResponse';
          })
          .map(([status]) => `${key} ${status}`),
      );
      expect(other).toEqual([]);
      const error = doc.components!.schemas as Record<string, { required: string[]; properties: Json }>;
      expect(error.ErrorResponse.required).toEqual(['statusCode', 'error', 'message']);
      expect(error.ErrorResponse.properties.code).toMatchObject({ type: 'string' });
    });

    it('writes "may be null" as JSON Schema does, never `nullable` (OpenAPI 3.1)', () => {
      expect(doc.openapi).toBe('3.1.0');
      const text = JSON.stringify(doc);
      expect(text).not.toContain('"nullable"');
      const articleView = (doc.components!.schemas as Record<string, { properties: Json }>).ArticleView;
      expect(articleView.properties.signOff).toMatchObject({
        anyOf: [{ $ref: '#/components/schemas/SignOffSummaryView' }, { type: 'null' }],
      });
    });

    it('carries the API version', () => {
      expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+$/);
    });
  });

  it('matches the committed generated client types (else run npm run api:client)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
    try {
      writeFileSync(join(dir, 'openapi.json'), JSON.stringify(doc));
      execFileSync(
        process.execPath,
        [
          'node_modules/openapi-typescript/bin/cli.js',
          join(dir, 'openapi.json'),
          '--output',
          join(dir, 'schema.ts'),
        ],
        { stdio: 'pipe' },
      );
      const fresh = readFileSync(join(dir, 'schema.ts'), 'utf8');
      const committed = readFileSync(
        new URL('../src/api-client/schema.generated.ts', import.meta.url),
        'utf8',
      );
      const freshLines = fresh.split('\n');
      const committedLines = committed.split('\n');
      const at = freshLines.findIndex((line, i) => line !== committedLines[i]);
      const firstDifference =
        at === -1 && freshLines.length === committedLines.length
          ? undefined
          : `line ${at + 1}: generated ${JSON.stringify(freshLines[at])}, committed ${JSON.stringify(committedLines[at])}`;
      expect(firstDifference).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
