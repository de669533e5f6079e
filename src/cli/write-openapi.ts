// Writes the OpenAPI document (as /docs-json serves it) to a file, without a database or Redis: Nest's preview
// mode reads the controllers and DTOs but starts no provider. Used by `npm run lint:api` and `npm run api:client`.
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const output = process.argv[2];
if (!output) {
  console.error('usage: node dist/src/cli/write-openapi.js <file.json>');
  process.exit(2);
}

// Nothing connects in preview mode, but the configuration is validated when the modules load: give what is
// required when it is not set (the document does not depend on it, except the server URL).
process.env.ENV_FILE ??= 'none';
process.env.DATABASE_URL ??= 'postgres://unused@127.0.0.1:1/unused';
process.env.REDIS_URL ??= 'redis://127.0.0.1:1';
process.env.JWT_SECRET ??= 'write-openapi-does-not-sign-any-token-0123456789';
process.env.AUDIT_KEY ??= 'write-openapi-does-not-sign-any-checkpoint-0123';
process.env.ADMIN_EMAIL ??= 'admin@example.com';
process.env.ADMIN_PASSWORD ??= 'write-openapi-unused';
process.env.LOG_LEVEL ??= 'silent';

const { getConfig } = await import('../core/config/app-config.js');
const { AppModule } = await import('../app.module.js');
const { buildOpenApiDocument } = await import('../bootstrap/openapi-document.js');

const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), {
  preview: true,
  logger: false,
});
const document = buildOpenApiDocument(app, getConfig().env.PUBLIC_BASE_URL);
mkdirSync(dirname(output), { recursive: true });
writeFileSync(output, JSON.stringify(document, null, 2) + '\n');
await app.close();
console.log(`wrote ${output} (OpenAPI ${document.openapi}, API version ${document.info.version})`);
