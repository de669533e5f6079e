import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema.generated.js';

/**
 * A typed client of this service's HTTP API. The types are generated from the OpenAPI document the service
 * serves at /docs-json (`npm run api:client` writes schema.generated.ts), so every call below is compiled
 * against the document: a path, a parameter, a body field or an answer's shape the document does not have is a
 * type error. A publisher does the same with their own copy of the document (README, "Use the API from your
 * code").
 */
export type ApiClient = Client<paths>;
export type ApiSchemas = components['schemas'];
export type { paths };

/** A client that sends `Authorization: Bearer <token>` on every request when a token is given. */
export function createApiClient(baseUrl: string, token?: string): ApiClient {
  const client = createClient<paths>({ baseUrl });
  if (token) {
    client.use({
      onRequest({ request }) {
        request.headers.set('authorization', `Bearer ${token}`);
        return request;
      },
    });
  }
  return client;
}

export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiSchemas['ErrorResponse'] | undefined,
    what: string,
  ) {
    super(`${what} answered ${status}: ${body?.message ?? 'no error body'}`);
  }
}

/** The data of a successful answer, or an ApiCallError naming the call, the status and the error message. */
export async function ok<Data, Failure>(
  what: string,
  pending: Promise<{ data?: Data; error?: Failure; response: Response }>,
): Promise<{ data: Data; response: Response }> {
  const { data, error, response } = await pending;
  if (!response.ok || error !== undefined) {
    throw new ApiCallError(response.status, error as ApiSchemas['ErrorResponse'] | undefined, what);
  }
  return { data: data as Data, response };
}
