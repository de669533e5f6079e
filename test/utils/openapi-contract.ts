import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/**
 * Checks HTTP responses against an OpenAPI 3.1 document (as /docs-json serves it): the status code must be one
 * the operation lists, the content type one it declares for that status, and the body must validate (ajv, JSON
 * Schema 2020-12, formats checked) against the declared schema. A mismatch names the operation and the field.
 */

interface MediaType {
  schema?: Record<string, unknown>;
}
interface ResponseObject {
  content?: Record<string, MediaType>;
}
interface OperationObject {
  operationId?: string;
  responses?: Record<string, ResponseObject>;
}
export interface OpenApiLike {
  openapi: string;
  paths: Record<string, Record<string, OperationObject>>;
  components?: Record<string, unknown>;
}

export interface ObservedResponse {
  method: string;
  /** The request path, with or without the query string. */
  path: string;
  status: number;
  contentType: string | undefined;
  /** The parsed JSON body, or the text for any other content type. */
  body: unknown;
  /** True when the response had no body at all. */
  empty: boolean;
}

interface Route {
  template: string;
  pattern: RegExp;
  literalSegments: number;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete'];
// ajv-formats is CommonJS with a default export; under ESM interop it arrives as the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

function routeOf(template: string): Route {
  const segments = template.split('/');
  const pattern = segments
    .map((segment) =>
      /^\{[^}]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return {
    template,
    pattern: new RegExp(`^${pattern}$`),
    literalSegments: segments.filter((s) => s && !s.startsWith('{')).length,
  };
}

function mediaTypeOf(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 5)
    .map((error) => {
      const field = `body${error.instancePath.replace(/\//g, '.') || ''}`;
      const extra =
        error.keyword === 'additionalProperties'
          ? ` (${String((error.params as { additionalProperty?: string }).additionalProperty)})`
          : error.keyword === 'enum'
            ? ` (${JSON.stringify((error.params as { allowedValues?: unknown }).allowedValues)})`
            : '';
      return `${field} ${error.message ?? error.keyword}${extra}`;
    })
    .join('; ');
}

export class OpenApiContract {
  private readonly ajv: Ajv2020;
  private readonly routes: Route[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenApiLike) {
    if (!document.openapi.startsWith('3.1')) {
      throw new Error(`the contract check reads OpenAPI 3.1 documents; this one is ${document.openapi}`);
    }
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    // Component schemas refer to each other as #/components/...; give them one document to resolve in.
    this.ajv.addSchema({ $id: 'openapi', components: document.components ?? {} });
    this.routes = Object.keys(document.paths)
      .map(routeOf)
      .sort((a, b) => b.literalSegments - a.literalSegments);
  }

  /** The documented path and operation this request reaches, or undefined when the document does not list it. */
  operationFor(method: string, path: string): { template: string; operation: OperationObject } | undefined {
    const bare = path.split('?')[0];
    const verb = method.toLowerCase();
    if (!METHODS.includes(verb)) return undefined;
    for (const route of this.routes) {
      if (!route.pattern.test(bare)) continue;
      const operation = this.document.paths[route.template]?.[verb];
      if (operation) return { template: route.template, operation };
    }
    return undefined;
  }

  /** Every way this response departs from the document, as sentences; empty when it matches. */
  problems(observed: ObservedResponse): string[] {
    const found = this.operationFor(observed.method, observed.path);
    if (!found) return [];
    const { template, operation } = found;
    const responses = operation.responses ?? {};
    const statusKey = String(observed.status);
    const declared =
      responses[statusKey] ??
      responses[`${statusKey[0]}XX`] ??
      responses[`${statusKey[0]}xx`] ??
      responses.default;
    if (!declared) {
      return [
        `status ${observed.status} is not documented (documented: ${Object.keys(responses).join(', ')})`,
      ];
    }
    const content = declared.content ?? {};
    const mediaTypes = Object.keys(content);
    const mediaType = mediaTypeOf(observed.contentType);
    if (mediaTypes.length === 0) {
      return observed.empty
        ? []
        : [
            `status ${observed.status} is documented without a body, but one came (${mediaType ?? 'no type'})`,
          ];
    }
    if (observed.empty && observed.status === 204) return [];
    const key =
      mediaTypes.find((type) => type.toLowerCase() === mediaType) ?? (content['*/*'] ? '*/*' : undefined);
    if (!key) {
      return [
        `content type ${mediaType ?? '(none)'} is not documented for ${statusKey} (documented: ${mediaTypes.join(', ')})`,
      ];
    }
    const schema = content[key]?.schema;
    if (!schema) return [`${statusKey} ${key} has no schema in the document`];
    const validate = this.validatorFor(`${template} ${observed.method} ${statusKey} ${key}`, schema);
    if (validate(observed.body)) return [];
    return [`${statusKey} ${key} ${describeErrors(validate.errors)}`];
  }

  /** Throws an error naming the operation and the fields when the response departs from the document. */
  assert(observed: ObservedResponse): void {
    const problems = this.problems(observed);
    if (!problems.length) return;
    const found = this.operationFor(observed.method, observed.path)!;
    throw new Error(
      `OpenAPI contract: ${observed.method.toUpperCase()} ${found.template} ` +
        `(${found.operation.operationId ?? 'no operationId'}) answered ${observed.status} ` +
        `to ${observed.method.toUpperCase()} ${observed.path}: ${problems.join('; ')}`,
    );
  }

  private validatorFor(key: string, schema: Record<string, unknown>): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      const rebased = JSON.parse(
        JSON.stringify(schema).replaceAll('"$ref":"#/components/', '"$ref":"openapi#/components/'),
      ) as Record<string, unknown>;
      validate = this.ajv.compile(rebased);
      this.validators.set(key, validate);
    }
    return validate;
  }
}
