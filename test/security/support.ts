import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Role } from '../../src/users/user.entity.js';
import { createUser, type TestApp, type TestUser } from '../utils/test-app.js';
import { createReviewer, draftSeed, signedSeed, submit, assignAndAccept } from '../utils/workflow.js';
import { CALLERS, type Caller } from './access-policy.js';

/** One line per part of the suite, so the CI log reads as a table: SECURITY | part | figures. */
export function reportSecurity(part: string, ...cells: string[]): void {
  console.log(['SECURITY', part, ...cells].join(' | '));
}

// ---------------------------------------------------------------------------------------------------------
// The one error body
// ---------------------------------------------------------------------------------------------------------

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const ERROR_KEYS = new Set(['statusCode', 'error', 'message', 'details', 'code']);

/**
 * What is wrong with an error response, or undefined when it is the one error body:
 * `{ statusCode, error, code, message, details? }` as JSON, statusCode equal to the HTTP status, error its reason
 * phrase, code a machine-readable name (`not_found`, `article.illegal_transition`), a non-empty message, details (when present) a non-empty array, and nothing else.
 */
export function errorShapeProblem(res: RawResponse): string | undefined {
  const type = String(res.headers['content-type'] ?? '');
  if (!type.startsWith('application/json')) return `content-type is "${type}", not application/json`;
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    return `body is not JSON: ${res.text.slice(0, 120)}`;
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'body is not a JSON object';
  const record = body as Record<string, unknown>;
  const extra = Object.keys(record).filter((key) => !ERROR_KEYS.has(key));
  if (extra.length) return `unexpected keys ${extra.join(', ')}`;
  if (record.statusCode !== res.status) return `statusCode ${String(record.statusCode)} ≠ HTTP ${res.status}`;
  if (record.error !== STATUS_CODES[res.status])
    return `error "${String(record.error)}" ≠ "${STATUS_CODES[res.status]}"`;
  if (typeof record.code !== 'string' || !/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$/.test(record.code))
    return `code ${JSON.stringify(record.code)} is not a machine-readable name`;
  if (typeof record.message !== 'string' || !record.message.trim()) return 'message is missing or empty';
  if (record.details !== undefined && (!Array.isArray(record.details) || record.details.length === 0)) {
    return 'details is present but not a non-empty array';
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// The OpenAPI document and the routes the server really has
// ---------------------------------------------------------------------------------------------------------

export interface JsonSchema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  nullable?: boolean;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  default?: unknown;
}

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: JsonSchema;
}

export interface OpenApiOperation {
  summary?: string;
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema }> };
  security?: unknown[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, JsonSchema> };
}

export interface Operation {
  method: string;
  /** As the OpenAPI document spells it: /articles/{id}. */
  path: string;
  key: string;
  spec: OpenApiOperation;
}

export async function fetchOpenApi(t: TestApp): Promise<OpenApiDocument> {
  const res = await t.http().get('/docs-json');
  if (res.status !== 200) throw new Error(`GET /docs-json answered ${res.status}`);
  return res.body as OpenApiDocument;
}

export function operationsOf(doc: OpenApiDocument): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, spec]) => ({
      method: method.toUpperCase(),
      path,
      key: `${method.toUpperCase()} ${path}`,
      spec,
    })),
  );
}

/** Resolves `$ref`s (one level at a time, as the document nests them). */
export function resolve(doc: OpenApiDocument, schema: JsonSchema): JsonSchema {
  // OpenAPI 3.1 writes "may be null" as JSON Schema does; read it as the `nullable` flag this suite uses.
  const types = schema.type as unknown;
  if (Array.isArray(types)) {
    const nonNull = types.filter((type) => type !== 'null') as string[];
    return { ...schema, type: nonNull[0], nullable: types.includes('null') };
  }
  const ref = schema.anyOf?.find((option) => option.$ref);
  if (ref && schema.anyOf!.some((option) => (option.type as unknown) === 'null')) {
    return { ...resolve(doc, ref), nullable: true };
  }
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const found = doc.components.schemas[name];
  if (!found) throw new Error(`unknown schema ${schema.$ref}`);
  return found;
}

export interface ServedRoute {
  method: string;
  /** With OpenAPI-style parameters: /articles/{id}; wildcards stay `*`. */
  path: string;
}

/**
 * Every route the Fastify server answers, read from its route tree (printRoutes). HEAD routes Fastify adds
 * for each GET are folded into the GET.
 */
export function servedRoutes(t: TestApp): ServedRoute[] {
  const fastify = t.app.getHttpAdapter().getInstance();
  // With common prefixes: the compact form drops segments that have no handler of their own (static/ above *).
  const tree = fastify.printRoutes();
  const stack: string[] = [];
  const routes: ServedRoute[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    stack.length = depth;
    stack.push(match[2]);
    const path = stack.join('').replace(/:(\w+)/g, '{$1}');
    const methods = (match[3] ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    for (const method of methods) {
      if (method === 'HEAD' && methods.includes('GET')) continue;
      routes.push({ method, path });
    }
  }
  return routes;
}

// ---------------------------------------------------------------------------------------------------------
// The cast: one user per role (exactly that one role), and a small workflow for real ids
// ---------------------------------------------------------------------------------------------------------

export interface World {
  users: Record<Role, TestUser>;
  /** A second writer and a second reviewer, for object-level checks. */
  otherWriter: TestUser;
  otherReviewer: TestUser;
  draft: { id: string };
  inReview: { id: string; assignmentId: string };
  published: { id: string; slug: string; signOffId: string };
  commentId: string;
  emailId: string;
  exportJobId: string;
  /** Every access token handed out in this world. */
  tokens: string[];
}

/** Callers as request headers: anonymous sends none. */
export function headersFor(world: World, caller: Caller): Record<string, string> {
  return caller === 'anonymous' ? {} : world.users[caller].auth;
}

export async function createWorld(t: TestApp): Promise<World> {
  const reviewer = await createReviewer(t);
  const otherReviewer = await createReviewer(t, { displayName: 'Other Reviewer' });
  const [writer, editor, publisher, admin, otherWriter] = await Promise.all([
    createUser(t, ['writer']),
    createUser(t, ['editor']),
    createUser(t, ['publisher']),
    createUser(t, ['admin']),
    createUser(t, ['writer']),
  ]);
  const users: Record<Role, TestUser> = { writer, reviewer, editor, publisher, admin };

  const draft = await draftSeed(t, writer);
  const comment = await t
    .http()
    .post(`/articles/${draft.id}/comments`)
    .set(editor.auth)
    .send({ body: 'Please cite a source.' });
  if (comment.status !== 201) throw new Error(`comment failed: ${comment.status} ${comment.text}`);

  const inReview = await draftSeed(t, writer);
  await submit(t, writer, inReview.id);
  const assignmentId = await assignAndAccept(t, editor, reviewer, inReview.id);

  const { article, signOff } = await signedSeed(t, writer, editor, reviewer);
  const published = await t.http().post(`/articles/${article.id}/publish`).set(publisher.auth).send({});
  if (published.status !== 200) throw new Error(`publish failed: ${published.status} ${published.text}`);

  const exported = await t.http().post('/publishing/exports').set(publisher.auth).send({});
  if (exported.status !== 202) throw new Error(`export failed: ${exported.status} ${exported.text}`);

  const [email] = await t.dataSource.query<{ id: string }[]>('SELECT id FROM email_outbox LIMIT 1');
  if (!email) throw new Error('the workflow queued no email');

  return {
    users,
    otherWriter,
    otherReviewer,
    draft: { id: draft.id },
    inReview: { id: inReview.id, assignmentId },
    published: { id: article.id, slug: published.body.slug as string, signOffId: signOff.id },
    commentId: comment.body.id as string,
    emailId: email.id,
    exportJobId: exported.body.jobId as string,
    tokens: [t.adminToken, ...[...Object.values(users), otherWriter, otherReviewer].map((u) => u.token)],
  };
}

/** The callers, each with the role it holds. */
export const ROLE_CALLERS = CALLERS.filter((caller): caller is Role => caller !== 'anonymous');

/** Fills a path's parameters: `values` first, random UUIDs for ids, a harmless word otherwise. */
export function fillPath(path: string, values: Record<string, string> = {}): string {
  return path.replace(/\{(\w+)\}|\*/g, (_, name: string | undefined) => {
    if (!name) return 'x';
    if (values[name] !== undefined) return encodeURIComponent(values[name]);
    if (name === 'number') return '1';
    if (name === 'specialty') return 'no-such-specialty';
    if (name === 'slug') return 'no-such-article';
    if (name === 'jobId') return 'export-no-such-job';
    if (name === 'queueName' || name === 'queueStatus' || name === 'schedulerId') return 'no-such-thing';
    return randomUUID();
  });
}

/** Runs `task` over `items` with at most `limit` in flight, keeping the order of the results. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  });
  await Promise.all(workers);
  return results;
}
