import type { INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, getSchemaPath, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { IS_PUBLIC, REQUIRED_ROLES } from '../auth/decorators.js';
import { ErrorResponse } from '../core/http/error.response.js';
import { PUBLIC_ARTICLE_OPENAPI } from '../publishing/public-page-openapi.js';

/**
 * The version of the HTTP API (not of the package). Semantic: a breaking change (README, "Versioning") bumps the
 * major, an addition the minor, a documentation-only fix the patch.
 */
export const API_VERSION = '1.5.0';

type Schema = Record<string, unknown>;
type Operation = {
  operationId?: string;
  parameters?: { in: string }[];
  requestBody?: unknown;
  responses: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
  security?: Record<string, string[]>[];
};

const STANDARD_DESCRIPTIONS: Record<string, string> = {
  '400': 'Invalid request: details name each field and the reason',
  '401': 'No valid bearer token',
  '403': 'The caller lacks the role (or the ownership) this action needs',
  '404': 'Not found',
  '409': 'Conflict with the current state',
  '412': 'If-Match names a version that is no longer current',
  '413': 'Request body is too large',
  '422': 'The request is well-formed but cannot be applied',
  '428': 'If-Match is required',
  '429': 'Too many requests; retry later',
  '500': 'Unexpected failure (logged with the request id)',
  '503': 'PostgreSQL or Redis is unavailable; retry shortly',
};

interface HandlerFacts {
  isPublic: boolean;
  hasRoles: boolean;
}

/** What the guards know about each handler, by the operationId Nest's scanner gives it (Controller_method). */
function handlerFacts(app: INestApplication): Map<string, HandlerFacts> {
  const facts = new Map<string, HandlerFacts>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!controller?.prototype) continue;
      const classPublic = Reflect.getMetadata(IS_PUBLIC, controller) === true;
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        if (name === 'constructor') continue;
        const handler = Object.getOwnPropertyDescriptor(controller.prototype, name)?.value as unknown;
        if (typeof handler !== 'function') continue;
        const roles = Reflect.getMetadata(REQUIRED_ROLES, handler) as unknown[] | undefined;
        facts.set(`${controller.name}_${name}`, {
          isPublic: classPublic || Reflect.getMetadata(IS_PUBLIC, handler) === true,
          hasRoles: Array.isArray(roles) && roles.length > 0,
        });
      }
    }
  }
  return facts;
}

/**
 * OpenAPI 3.1 writes "may be null" as JSON Schema does: `type: [T, 'null']`, or `anyOf: [{ $ref }, { type: 'null' }]`
 * for a nested object (as Nest's 3.1 scanner does). A 3.0 `nullable: true` left anywhere (a hand-written schema,
 * or beside an `allOf`, which validators read as "an object") is rewritten to those forms.
 */
export function toJsonSchemaNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchemaNullable);
  if (typeof node !== 'object' || node === null) return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node as Schema)) out[key] = toJsonSchemaNullable(value);
  if (out.nullable !== true) return out;
  delete out.nullable;
  const refs = (out.allOf ?? out.oneOf) as Schema[] | undefined;
  if (refs && !out.properties) {
    delete out.allOf;
    delete out.type;
    out.anyOf = [...refs, { type: 'null' }];
    return out;
  }
  if (out.$ref) {
    const { $ref, ...rest } = out;
    return { ...rest, anyOf: [{ $ref }, { type: 'null' }] };
  }
  if (typeof out.type === 'string') out.type = [out.type, 'null'];
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...(out.enum as unknown[]), null];
  return out;
}

/** 3.1 schemas carry `examples` (an array); Nest writes the 3.0 `example`. */
function toJsonSchemaExamples(node: unknown, inSchema: boolean): unknown {
  if (Array.isArray(node)) return node.map((item) => toJsonSchemaExamples(item, inSchema));
  if (typeof node !== 'object' || node === null) return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node as Schema)) {
    // `properties` maps names to schemas: a property may itself be called `example`.
    out[key] = toJsonSchemaExamples(value, inSchema || key === 'schema' || key === 'schemas');
  }
  if (inSchema && 'example' in out && !('examples' in out) && typeof out.type !== 'undefined') {
    out.examples = [out.example];
    delete out.example;
  }
  return out;
}

function errorContent(): Record<string, { schema: Schema }> {
  return { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponse) } } };
}

/**
 * Completes each operation from what the guards, pipes and filter do to every request: its security (bearer,
 * or `security: []` when public), 401/403 from the guards, 400 from validation, 404 for a path that names
 * something, 413 for a body, 500 and 503 from the filter; and the one error body on every 4xx and 5xx.
 */
function completeOperations(document: OpenAPIObject, facts: Map<string, HandlerFacts>): void {
  for (const methods of Object.values(document.paths)) {
    for (const [method, value] of Object.entries(methods as Record<string, Operation>)) {
      if (!['get', 'put', 'post', 'patch', 'delete'].includes(method)) continue;
      const operation = value;
      const fact = facts.get(operation.operationId ?? '');
      const isPublic = fact?.isPublic ?? (operation.security?.length === 0 || !operation.security);
      // A scheme the controller declares (bearer, or a session cookie on pages) stays; public routes say [].
      operation.security ??= isPublic ? [] : [{ bearer: [] }];
      const codes = new Set<string>(['500', '503']);
      if (!isPublic) codes.add('401');
      if (fact?.hasRoles) codes.add('403');
      const parameters = operation.parameters ?? [];
      if (operation.requestBody || parameters.some((p) => p.in === 'query' || p.in === 'path'))
        codes.add('400');
      if (parameters.some((p) => p.in === 'path')) codes.add('404');
      if (operation.requestBody) codes.add('413');
      for (const code of codes) operation.responses[code] ??= { description: STANDARD_DESCRIPTIONS[code] };
      for (const [code, response] of Object.entries(operation.responses)) {
        if (Number(code) >= 400 || code === 'default') {
          response.description ??= STANDARD_DESCRIPTIONS[code] ?? 'Error';
          response.content = errorContent();
        }
      }
      operation.responses = Object.fromEntries(
        Object.entries(operation.responses).sort(([a], [b]) => a.localeCompare(b)),
      );
    }
  }
}

/** The OpenAPI document of the running application, as /docs-json serves it and the generated client reads it. */
export function buildOpenApiDocument(app: INestApplication, publicBaseUrl: string): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setOpenAPIVersion('3.1.0')
      .setTitle('Medical editorial review service')
      .setDescription(
        'Drafts, physician sign-offs bound to one revision, re-review scheduling and published pages. ' +
          'Every error has the body { statusCode, error, message, code?, details? }.',
      )
      .setVersion(API_VERSION)
      .setLicense('UNLICENSED', 'https://example.invalid/license')
      .addBearerAuth()
      .addServer(publicBaseUrl)
      .build(),
    { extraModels: [ErrorResponse] },
  );
  Object.assign(document.paths, structuredClone(PUBLIC_ARTICLE_OPENAPI));
  completeOperations(document, handlerFacts(app));
  return toJsonSchemaExamples(toJsonSchemaNullable(document), false) as OpenAPIObject;
}
