import { ConsoleLogger, type INestApplication, type LogLevel, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../core/config/app-config.js';
import { ensureDatabase } from '../core/database/ensure-database.js';
import { runMigrationsWithLock } from '../core/database/migrate.js';
import { ErrorFilter, toErrorBody } from '../core/http/error.filter.js';
import { registerSecurityHeaders, securityHeaders, setSecurityHeaders } from '../core/http/security-headers.js';
import { createValidationPipe, RejectNulBytesPipe } from '../core/http/validation.js';
import { GracefulShutdownModule } from './graceful-shutdown.js';
import { buildOpenApiDocument } from './openapi-document.js';

const NEST_LEVELS: Record<string, LogLevel[]> = {
  silent: [],
  fatal: ['fatal'],
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  trace: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

export function nestLogger(config: AppConfig): ConsoleLogger {
  return new ConsoleLogger({ json: true, logLevels: NEST_LEVELS[config.env.LOG_LEVEL] });
}

/**
 * Fastify with pino JSON request logs, a request id on every request and response, the security headers, and the
 * body limit.
 */
export function createFastifyAdapter(config: AppConfig): FastifyAdapter {
  const headers = securityHeaders();
  const adapter = new FastifyAdapter({
    logger: config.env.LOG_LEVEL === 'silent' ? false : { level: config.env.LOG_LEVEL },
    bodyLimit: config.env.BODY_LIMIT_BYTES,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // No Nest middleware is used (no module configures a MiddlewareConsumer): without middie, no request runs its
    // onRequest hook (about a tenth of what a cached public document costs to serve, bench:public-page).
    skipMiddie: true,
    // Fastify's router refuses a malformed percent-encoding (400) or an over-long path parameter (414) before
    // Nest sees the request; without this its own body (with a `code`) would answer instead of the one shape.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      // No hook has run for such a request: its headers are set here.
      setSecurityHeaders(reply.raw, request.id, headers);
      const body = toErrorBody(error);
      void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
    },
    // Node's HTTP parser refuses a request before Fastify routes it (headers or URL over the size limit, a
    // malformed request line): answer in the one error shape too, then close the connection.
    clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => {
      if (!socket.writable) return;
      const statusCode = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      const body = JSON.stringify({
        statusCode,
        error: STATUS_CODES[statusCode],
        code: statusCode === 431 ? 'request_header_fields_too_large' : 'bad_request',
        message:
          statusCode === 431
            ? 'The request line and headers are too large; send a shorter URL or fewer headers'
            : 'The request is malformed and could not be read',
      });
      socket.end(
        `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
  });
  // helmet's headers, decided once (see security-headers.ts), and the request id, on every response: in one
  // onRequest hook, on the raw response, so errors and 404s carry them too.
  registerSecurityHeaders(adapter.getInstance(), headers);
  return adapter;
}

/** Everything that makes the HTTP surface behave the same in production and in tests. */
export function configureApp(app: NestFastifyApplication, config: AppConfig): void {
  app.useGlobalPipes(new RejectNulBytesPipe(), createValidationPipe());
  app.useGlobalFilters(new ErrorFilter());
  app.enableShutdownHooks();

  const document = buildOpenApiDocument(app, config.env.PUBLIC_BASE_URL);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

/** Creates the database if needed, applies pending migrations under an advisory lock, then initialises. */
export async function prepareDatabase(app: INestApplication, config: AppConfig): Promise<void> {
  if (!config.env.RUN_MIGRATIONS) return;
  const applied = await runMigrationsWithLock(app.get(DataSource));
  if (applied.length)
    new Logger('Database').log(`applied migrations: ${applied.map((m) => m.name).join(', ')}`);
}

export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  await ensureDatabase(config.env.DATABASE_URL);
  // Required only now, after the configuration is valid: module decorators read it (see whenWorker).
  const { AppModule } = await import('../app.module.js');
  // The service's modules, plus the shutdown order a deployed process needs (workers drain first).
  class ServiceModule {}
  Module({ imports: [AppModule, GracefulShutdownModule] })(ServiceModule);
  const app = await NestFactory.create<NestFastifyApplication>(ServiceModule, createFastifyAdapter(config), {
    logger: nestLogger(config),
    bufferLogs: false,
  });
  await prepareDatabase(app, config);
  configureApp(app, config);
  return app;
}
