import fc from 'fast-check';
import type { Role } from '../../src/users/user.entity.js';
import { ACCESS_POLICY, allows } from './access-policy.js';
import { type JsonSchema, type OpenApiDocument, type Operation, resolve } from './support.js';

/**
 * Malformed requests generated from the OpenAPI document: each one starts from a request the schema allows
 * (body, path and query parameters) and breaks exactly one thing, so every one of them must be refused with a
 * 4xx. Built with fast-check's `gen`, so a seed reproduces the whole run.
 */

export interface FuzzRequest {
  op: string;
  caller: Role;
  method: string;
  /** Path and query string, already percent-encoded (malformed encodings on purpose only). */
  url: string;
  headers: Record<string, string>;
  body?: string;
  mutation: string;
}

/** Candidate values of a path parameter of an operation: real ids, and one no row has. */
export type PathValues = (op: Operation, name: string) => string[];

type Draw = fc.GeneratorValue;

/** The longest string any field accepts (section bodies): one more than this is too long for every field. */
const LONGEST_FIELD = 100_000;
const BODY_LIMIT = 1_048_576;
const UUID_NAMES = /^(id|commentId|signOffId|reviewerId|parentId|articleId|author|actorId)$/;

const word = (g: Draw, max = 16) =>
  g(fc.stringMatching, /^[A-Za-z][A-Za-z0-9]{0,15}$/).slice(0, Math.max(1, max));
const slug = (g: Draw) => g(fc.stringMatching, /^[a-z]{3,10}(-[a-z0-9]{1,5}){0,2}$/);
const futureInstant = (g: Draw) =>
  new Date(Date.UTC(2030, 0, 1) + g(fc.integer, { min: 0, max: 3_000_000_000 }) * 1000).toISOString();

/** A value the schema (and the DTO behind it) accepts, for a property called `name`. */
function validValue(g: Draw, doc: OpenApiDocument, raw: JsonSchema, name: string): unknown {
  const schema = resolve(doc, raw);
  switch (name) {
    case 'email':
      return `${g(fc.stringMatching, /^[a-z]{3,10}$/)}@example.org`;
    case 'password':
      return `correct-horse-${g(fc.stringMatching, /^[a-z]{4,12}$/)}`;
    case 'cadence':
      return g(fc.constantFrom, 'P1Y', 'P3M', 'P6M', 'P2Y', 'PT30S');
    case 'specialty':
      return g(fc.constantFrom, 'neurology', 'cardiology', 'general-health');
    case 'specialties':
      return g(fc.uniqueArray, fc.constantFrom('neurology', 'cardiology', 'dermatology'), { maxLength: 2 });
    case 'slug':
      return slug(g);
    case 'relatedSlugs':
      return g(fc.uniqueArray, fc.stringMatching(/^[a-z]{3,10}$/), { maxLength: 2 });
    case 'contentHash':
      return g(fc.stringMatching, /^[0-9a-f]{64}$/);
    case 'publishAt':
    case 'dueAt':
    case 'dueBefore':
      return futureInstant(g);
    case 'licenseExpiresOn':
      return '2030-06-30';
    case 'url':
      return `https://example.org/${word(g)}`;
    case 'revision':
    case 'from':
    case 'to':
    case 'number':
      return 1;
    case 'sectionIndex':
      return 0;
    case 'year':
      return g(fc.integer, { min: 1500, max: 2200 });
    case 'cursor':
      return '1';
  }
  if (UUID_NAMES.test(name) || schema.format === 'uuid') return g(fc.uuid, { version: 4 });
  if (schema.enum) return g(fc.constantFrom, ...schema.enum);
  switch (schema.type) {
    case 'string':
      if (schema.format === 'date-time') return futureInstant(g);
      if (schema.format === 'date') return '2030-01-31';
      if (schema.format === 'uri') return `https://example.org/${word(g)}`;
      if (schema.pattern) return g(fc.stringMatching, new RegExp(schema.pattern));
      return word(g, schema.maxLength ?? 16);
    case 'number':
    case 'integer': {
      const min = schema.minimum ?? 1;
      return g(fc.integer, { min, max: Math.min(schema.maximum ?? min + 20, min + 20) });
    }
    case 'boolean':
      return g(fc.boolean);
    case 'array': {
      const count = g(fc.integer, { min: 0, max: Math.min(schema.maxItems ?? 2, 2) });
      return Array.from({ length: count }, () => validValue(g, doc, schema.items ?? { type: 'string' }, ''));
    }
    default: {
      const object: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(schema.properties ?? {})) {
        if (schema.required?.includes(key) || g(fc.boolean)) object[key] = validValue(g, doc, property, key);
      }
      return object;
    }
  }
}

/** A place in a body: the path to it, its schema, and whether its object requires it. */
interface Slot {
  path: (string | number)[];
  name: string;
  schema: JsonSchema;
  required: boolean;
}

function slotsOf(
  doc: OpenApiDocument,
  raw: JsonSchema,
  value: unknown,
  path: (string | number)[] = [],
): Slot[] {
  const schema = resolve(doc, raw);
  const slots: Slot[] = [];
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, index) => {
      const itemSchema = resolve(doc, schema.items!);
      slots.push({
        path: [...path, index],
        name: `${String(path[path.length - 1] ?? '')}[]`,
        schema: itemSchema,
        required: false,
      });
      slots.push(...slotsOf(doc, itemSchema, item, [...path, index]));
    });
  } else if (value && typeof value === 'object' && schema.properties) {
    for (const [key, property] of Object.entries(schema.properties)) {
      if (!(key in value)) continue;
      const propertySchema = resolve(doc, property);
      slots.push({
        path: [...path, key],
        name: key,
        schema: propertySchema,
        required: !!schema.required?.includes(key),
      });
      slots.push(...slotsOf(doc, propertySchema, (value as Record<string, unknown>)[key], [...path, key]));
    }
  }
  return slots;
}

/** The JSON type a slot takes; the names correct what the OpenAPI document gets wrong about two fields. */
function typeOf(schema: JsonSchema, name: string): string {
  if (name === 'cadence' || name === 'specialties[]') return 'string';
  if (name === 'specialties') return 'array';
  if (schema.properties) return 'object';
  return schema.type ?? 'object';
}

function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (!path.length) return value;
  const parent = path
    .slice(0, -1)
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], root);
  (parent as Record<string | number, unknown>)[path[path.length - 1]] = value;
  return root;
}

function deleteAt(root: unknown, path: (string | number)[]): void {
  const parent = path
    .slice(0, -1)
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], root);
  delete (parent as Record<string | number, unknown>)[path[path.length - 1]];
}

/** Values of the wrong JSON type for a slot (null only where the field is required and not nullable). */
function wrongTypes(slot: Slot): unknown[] {
  const type = typeOf(slot.schema, slot.name);
  const byType: Record<string, unknown[]> = {
    string: [42, true, {}, ['x'], { $gt: '' }, -1.5],
    number: ['1', true, {}, [1], '', 'NaN'],
    integer: ['1', true, {}, [1]],
    boolean: ['true', 1, 0, {}, [true], 'yes'],
    array: ['x', 1, {}, true, { 0: 'x', length: 1 }],
    object: ['x', 1, true, [], [[]], ['x']],
  };
  const values = [...(byType[type] ?? byType.object)];
  if (slot.required && !slot.schema.nullable && typeof slot.path[slot.path.length - 1] === 'string')
    values.push(null);
  return values;
}

const CONSTRAINED =
  /^(email|cadence|specialty|slug|contentHash|publishAt|dueAt|dueBefore|licenseExpiresOn|url|decision|mode|roles|specialties|relatedSlugs)$/;

function isConstrained(slot: Slot): boolean {
  return (
    typeOf(slot.schema, slot.name) === 'string' &&
    (!!slot.schema.pattern ||
      !!slot.schema.enum ||
      !!slot.schema.format ||
      CONSTRAINED.test(slot.name.replace('[]', '')) ||
      UUID_NAMES.test(slot.name))
  );
}

function outOfRange(slot: Slot): number[] {
  const { minimum, maximum } = slot.schema;
  const values = [1.5, 2 ** 31, 2 ** 53, 1e21, 1e308, -(2 ** 31)];
  values.push((minimum ?? 0) - 1);
  if (maximum !== undefined) values.push(maximum + 1);
  return values;
}

function nested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? '['.repeat(depth) + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** JSON text of `value` where an own property may be called __proto__ (JSON.stringify keeps it). */
function withOwnKey(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
}

const EXTRA_KEYS = [
  'unexpected',
  'isAdmin',
  'role',
  'toString',
  'hasOwnProperty',
  '__proto__',
  'constructor',
  'prototype',
  '$where',
  'id',
  'authorId',
  'status',
  'version',
  'roles ',
];
const MALFORMED_JSON = [
  '{',
  '{"a":1',
  "{'title':'x'}",
  '{"title":"x",}',
  'NaN',
  '{"title":undefined}',
  '<a/>',
  'title=x',
  '[1,]',
  '{"a":1}}',
  '\u0000',
  '{"a":"\\u00zz"}',
  'nul',
  '{"a":01}',
  '"unterminated',
];
// Not here, because the service accepts them: application/x-www-form-urlencoded (Nest parses forms) and a
// charset parameter on application/json (Fastify parses the bytes as UTF-8 whatever it says).
const WRONG_CONTENT_TYPES = [
  'application/xml',
  'text/html',
  'multipart/form-data; boundary=xyz',
  'application/octet-stream',
  'image/png',
  'application/x-msgpack',
  'text/json',
  'application/jsonx',
];
const BAD_UUIDS = [
  'not-a-uuid',
  '1',
  '0',
  '-1',
  'null',
  'undefined',
  '[object Object]',
  "' OR '1'='1",
  '../../etc/passwd',
  '\u0000',
  'é',
  '😀',
  '{id}',
  '00000000-0000-0000-0000-00000000000g',
  '6f1c2c9e-8d4b-4f5a-9b1e-3c2d1e0f9a8',
  '6f1c2c9e-8d4b-4f5a-9b1e-3c2d1e0f9a8b0',
  '6f1c2c9e8d4b4f5a9b1e3c2d1e0f9a8b',
  '%',
  '..',
];
// Not ' 1': Nest's ParseIntPipe reads it as 1 (lenient, and harmless).
const BAD_NUMBERS = [
  'abc',
  '1.5',
  '1e3',
  '0x10',
  '١',
  '99999999999',
  '2147483648',
  '-2147483649',
  '9'.repeat(40),
  'Infinity',
  'NaN',
  '',
];
const BAD_SPECIALTIES = [
  'NOT VALID',
  'é',
  "'; DROP TABLE users; --",
  'a'.repeat(65),
  '_',
  'UPPER',
  'a b',
  '\u0000',
];
const RAW_BAD_ENCODINGS = ['%', '%E0%A4%A', '%zz', '%C0%80', '%ED%A0%80', '%FF'];
const BAD_IF_MATCH = ['*', '"1", "2"', 'W/"x"', '"-1"', '"9999999999"', 'abc', '""', '"1" junk', 'W/'];

const encode = (value: string) => encodeURIComponent(value);

export interface FuzzPlan {
  op: Operation;
  /** Callers allowed by the access policy (so validation is reached); others are tried now and then. */
  allowed: Role[];
  weight: number;
}

export function planFor(doc: OpenApiDocument, op: Operation): FuzzPlan | undefined {
  const params = op.spec.parameters ?? [];
  const inputs = params.length + (op.spec.requestBody ? 4 : 0) + (op.method !== 'GET' ? 1 : 0);
  if (!inputs) return undefined;
  const access = ACCESS_POLICY[op.key];
  const roles: Role[] = ['admin', 'writer', 'reviewer', 'editor', 'publisher'];
  return { op, allowed: access ? roles.filter((role) => allows(access, role)) : roles, weight: 1 + inputs };
}

/** One malformed request for `plan`. */
export function buildRequest(
  g: Draw,
  doc: OpenApiDocument,
  plan: FuzzPlan,
  pathValues: PathValues,
): FuzzRequest {
  const { op } = plan;
  const roles: Role[] = ['admin', 'writer', 'reviewer', 'editor', 'publisher'];
  const caller: Role =
    plan.allowed.length && g(fc.integer, { min: 0, max: 9 }) < 8
      ? g(fc.constantFrom, ...plan.allowed)
      : g(fc.constantFrom, ...roles);
  const params = op.spec.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const queryParams = params.filter((p) => p.in === 'query');
  const headerParams = params.filter((p) => p.in === 'header');
  const bodySchema = op.spec.requestBody?.content['application/json']?.schema;

  // The valid request.
  const path: Record<string, string> = {};
  for (const p of pathParams) path[p.name] = encode(g(fc.constantFrom, ...pathValues(op, p.name)));
  const query: [string, string][] = [];
  for (const p of queryParams) {
    // A cursor is only valid when a listing returned it: left out of the valid request.
    if (p.required || (p.name !== 'cursor' && g(fc.boolean))) {
      query.push([p.name, String(validValue(g, doc, p.schema, p.name))]);
    }
  }
  const headers: Record<string, string> = {};
  for (const p of headerParams)
    if (p.name === 'If-Match' && (p.required || g(fc.boolean))) headers['If-Match'] = '"1"';
  let body: unknown = bodySchema ? validValue(g, doc, bodySchema, '') : undefined;
  let rawBody: string | undefined;
  let contentType = 'application/json';

  // What can be broken here.
  const kinds: string[] = [];
  const slots = bodySchema ? slotsOf(doc, bodySchema, body) : [];
  if (bodySchema) {
    kinds.push(
      'wrong-type',
      'extra-field',
      'array-for-object',
      'primitive-body',
      'deep-nesting',
      'text-plain-body',
    );
    if (slots.some((s) => s.required)) kinds.push('missing-required', 'missing-required');
    if (slots.some((s) => typeOf(s.schema, s.name) === 'string'))
      kinds.push('huge-string', 'nul-byte', 'emoji-over-limit');
    if (slots.some(isConstrained)) kinds.push('unicode-in-constrained');
    if (slots.some((s) => ['number', 'integer'].includes(typeOf(s.schema, s.name))))
      kinds.push('out-of-range', 'out-of-range');
    if (slots.length) kinds.push('wrong-type', 'wrong-type', 'extra-field');
  }
  if (op.method !== 'GET') kinds.push('malformed-json', 'wrong-content-type', 'empty-json-body');
  if (op.method !== 'GET' && g(fc.integer, { min: 0, max: 40 }) === 0) kinds.push('over-body-limit');
  if (pathParams.length)
    kinds.push('bad-path-param', 'bad-path-param', 'malformed-percent', 'overlong-path-param');
  if (queryParams.length)
    kinds.push(
      'extra-query',
      'bad-query-value',
      'bad-query-value',
      'nul-query',
      'repeated-query',
      'bracket-query',
    );
  if (queryParams.some((p) => p.required)) kinds.push('missing-required-query');
  if (headerParams.some((p) => p.name === 'If-Match')) kinds.push('bad-if-match');
  if (headerParams.some((p) => p.name === 'If-Match' && p.required)) kinds.push('missing-if-match');

  const kind = g(fc.constantFrom, ...kinds);
  const pick = <T>(items: T[]): T => items[g(fc.nat, items.length - 1)];
  let detail = '';

  switch (kind) {
    case 'missing-required': {
      const slot = pick(slots.filter((s) => s.required));
      deleteAt(body, slot.path);
      detail = slot.path.join('.');
      break;
    }
    case 'wrong-type': {
      const slot = slots.length && g(fc.nat, 4) > 0 ? pick(slots) : undefined;
      const value = pick(slot ? wrongTypes(slot) : ['x', 1, true, []]);
      body = setAt(body, slot?.path ?? [], value);
      detail = `${slot?.path.join('.') || 'body'}=${JSON.stringify(value)}`;
      break;
    }
    case 'extra-field': {
      const objects = [
        { path: [] as (string | number)[], schema: resolve(doc, bodySchema!) },
        ...slots.filter((s) => s.schema.properties),
      ];
      const target = pick(objects);
      const key = pick(EXTRA_KEYS.filter((k) => !(k in (target.schema.properties ?? {}))));
      const value = pick<unknown>([
        'x',
        1,
        true,
        { prototype: { isAdmin: true } },
        { polluted: true },
        null,
        [],
      ]);
      const holder = target.path.reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], body);
      withOwnKey(holder as Record<string, unknown>, key, value);
      detail = `${[...target.path, key].join('.')}`;
      break;
    }
    case 'huge-string':
    case 'emoji-over-limit':
    case 'nul-byte':
    case 'unicode-in-constrained': {
      const candidates = slots.filter((s) =>
        kind === 'unicode-in-constrained' ? isConstrained(s) : typeOf(s.schema, s.name) === 'string',
      );
      const slot = pick(candidates);
      const existing = getAt(body, slot.path);
      const current = typeof existing === 'string' ? existing : 'x';
      let value: string;
      if (kind === 'huge-string')
        value = 'x'.repeat(Math.max(slot.schema.maxLength ?? 0, LONGEST_FIELD) + 1 + g(fc.nat, 1000));
      else if (kind === 'emoji-over-limit') value = '😀'.repeat((slot.schema.maxLength ?? LONGEST_FIELD) + 1);
      else if (kind === 'nul-byte') {
        const at = g(fc.nat, current.length);
        value = `${current.slice(0, at)}\u0000${current.slice(at)}`;
      } else value = `é${g(fc.string, { unit: 'binary', maxLength: 24 }).replace(/[@:]/g, '')}`;
      setAt(body, slot.path, value);
      detail = `${slot.path.join('.')} (${value.length} chars)`;
      break;
    }
    case 'out-of-range': {
      const slot = pick(slots.filter((s) => ['number', 'integer'].includes(typeOf(s.schema, s.name))));
      const value = pick(outOfRange(slot));
      setAt(body, slot.path, value);
      detail = `${slot.path.join('.')}=${value}`;
      break;
    }
    case 'array-for-object': {
      const objects = [{ path: [] as (string | number)[] }, ...slots.filter((s) => s.schema.properties)];
      const target = pick(objects);
      body = setAt(body, target.path, [getAt(body, target.path)]);
      detail = target.path.join('.') || 'body';
      break;
    }
    case 'primitive-body':
      rawBody = pick(['"text"', '42', 'true', 'false', '-1', '"{}"', '1e400', `"${word(g)}"`]);
      detail = rawBody;
      break;
    case 'deep-nesting': {
      const depth = pick([64, 1_000, 20_000, 100_000]);
      const shape = pick<'array' | 'object'>(['array', 'object']);
      const slot = slots.length && g(fc.boolean) ? pick(slots) : undefined;
      const marker = '"__nested__"';
      const text = JSON.stringify(
        slot ? setAt(body, slot.path, '__nested__') : { ...(body as object), nested: '__nested__' },
      );
      rawBody = text.replace(marker, nested(depth, shape));
      detail = `${slot?.path.join('.') ?? 'nested'} ${shape} depth ${depth}`;
      break;
    }
    case 'text-plain-body':
      contentType = 'text/plain';
      detail = 'text/plain';
      break;
    case 'malformed-json': {
      const text = JSON.stringify(body ?? { a: word(g) });
      rawBody = g(fc.boolean) ? pick(MALFORMED_JSON) : text.slice(0, Math.max(1, g(fc.nat, text.length - 1)));
      if (isJson(rawBody)) rawBody = `${rawBody}}`;
      detail = rawBody.slice(0, 40);
      break;
    }
    case 'wrong-content-type':
      contentType = pick(WRONG_CONTENT_TYPES);
      rawBody = JSON.stringify(body ?? {});
      detail = contentType;
      break;
    case 'empty-json-body':
      rawBody = '';
      detail = 'empty';
      break;
    case 'over-body-limit':
      rawBody = JSON.stringify({ ...((body as object) ?? {}), padding: 'x'.repeat(BODY_LIMIT + 1) });
      detail = `${rawBody.length} bytes`;
      break;
    case 'bad-path-param':
    case 'malformed-percent':
    case 'overlong-path-param': {
      const p = pick(pathParams);
      const bad =
        kind === 'malformed-percent'
          ? pick(RAW_BAD_ENCODINGS)
          : kind === 'overlong-path-param'
            ? pick(['a', '1', '-', 'é']).repeat(g(fc.integer, { min: 101, max: 3000 }))
            : encode(
                pick(
                  p.name === 'number'
                    ? BAD_NUMBERS
                    : p.name === 'specialty'
                      ? BAD_SPECIALTIES
                      : p.name === 'slug' || p.name === 'jobId'
                        ? [...BAD_UUIDS, 'no-such-thing']
                        : BAD_UUIDS,
                ),
              );
      path[p.name] = kind === 'overlong-path-param' ? encode(bad) : bad;
      detail = `${p.name}=${bad.slice(0, 40)}`;
      break;
    }
    case 'extra-query':
      query.push([
        pick([
          'unexpected',
          'admin',
          'where',
          'include',
          'role',
          '__proto__',
          'constructor',
          'toString',
          'prototype',
        ]),
        word(g),
      ]);
      detail = query[query.length - 1][0];
      break;
    case 'bad-query-value': {
      const p = pick(queryParams);
      const bad = badQueryValue(g, p.name, resolve(doc, p.schema));
      const existing = query.find(([name]) => name === p.name);
      if (existing) existing[1] = bad;
      else query.push([p.name, bad]);
      detail = `${p.name}=${bad.slice(0, 40)}`;
      break;
    }
    case 'nul-query': {
      const p = pick(queryParams);
      const others = query.filter(([name]) => name !== p.name);
      query.length = 0;
      query.push(...others, [p.name, `${word(g)}\u0000`]);
      detail = p.name;
      break;
    }
    case 'repeated-query': {
      const p = pick(queryParams);
      const value = String(validValue(g, doc, p.schema, p.name));
      const others = query.filter(([name]) => name !== p.name);
      query.length = 0;
      query.push(...others, [p.name, value], [p.name, value]);
      detail = p.name;
      break;
    }
    case 'bracket-query': {
      const p = pick(queryParams);
      query.push([`${p.name}[${pick(['a', '0', '$gt', '__proto__'])}]`, word(g)]);
      detail = query[query.length - 1][0];
      break;
    }
    case 'missing-required-query': {
      const p = pick(queryParams.filter((q) => q.required));
      query.splice(
        query.findIndex(([name]) => name === p.name),
        1,
      );
      detail = p.name;
      break;
    }
    case 'bad-if-match':
      headers['If-Match'] = pick(BAD_IF_MATCH);
      detail = headers['If-Match'];
      break;
    case 'missing-if-match':
      delete headers['If-Match'];
      break;
  }

  const url =
    op.path.replace(/\{(\w+)\}/g, (_, name: string) => path[name]) +
    (query.length ? `?${query.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}` : '');
  const request: FuzzRequest = {
    op: op.key,
    caller,
    method: op.method,
    url,
    headers,
    mutation: `${kind}${detail ? `: ${detail}` : ''}`,
  };
  if (rawBody !== undefined) request.body = rawBody;
  else if (body !== undefined && op.method !== 'GET') request.body = JSON.stringify(body);
  if (request.body !== undefined) request.headers['content-type'] = contentType;
  return request;
}

function getAt(root: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], root);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Whether a query value is a number the schema accepts (its type, minimum and maximum). */
function validNumber(value: string, schema: JsonSchema): boolean {
  if (!/^-?\d+(\.\d+)?$/.test(value)) return false;
  const n = Number(value);
  if (!Number.isSafeInteger(n) && schema.type === 'integer') return false;
  if (!Number.isFinite(n)) return false;
  if (schema.minimum !== undefined && n < schema.minimum) return false;
  if (schema.maximum !== undefined && n > schema.maximum) return false;
  // Without bounds a plain small number may well be valid: not "bad" for sure.
  return schema.minimum !== undefined || schema.maximum !== undefined || Math.abs(n) < 2 ** 31;
}

function badQueryValue(g: Draw, name: string, schema: JsonSchema): string {
  const pick = <T>(items: T[]): T => items[g(fc.nat, items.length - 1)];
  if (schema.enum) return pick(['not-a-status', 'ALL', 'draft ', '', '*', 'é']);
  if (UUID_NAMES.test(name) || schema.format === 'uuid') return pick(BAD_UUIDS);
  if (schema.format === 'date-time')
    return pick([
      'tomorrow',
      '2026-13-45T99:99:99Z',
      '0',
      '2026-02-30T00:00:00Z',
      '+275760-09-13T00:00:00Z',
      'é',
    ]);
  if (schema.type === 'number' || schema.type === 'integer') {
    const out = ['abc', '1.5', '-5', '0', '1e400', '99999999999', '2147483648', '9'.repeat(30), ''];
    if (schema.maximum !== undefined) out.push(String(schema.maximum + 1));
    if (schema.minimum !== undefined) out.push(String(schema.minimum - 1));
    // Only values the schema refuses: '0' is a bad `limit` (minimum 1) but a good `offset` (minimum 0).
    return pick(out.filter((value) => !validNumber(value, schema)));
  }
  if (schema.type === 'boolean') return pick(['yes', '1', 'TRUE', '', 'null']);
  if (name === 'cursor')
    return pick([
      'not-a-cursor',
      '9'.repeat(30),
      '-1',
      '1.5',
      'é',
      Buffer.from('["x","y"]').toString('base64url'),
    ]);
  if (name === 'specialty') return pick(BAD_SPECIALTIES.filter((s) => !s.includes('\u0000')));
  return 'x'.repeat(Math.max(schema.maxLength ?? 200, 200) + 1 + g(fc.nat, 50));
}
