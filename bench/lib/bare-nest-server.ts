/**
 * The reference for bench/article-read.ts: a bare NestJS application on the Fastify adapter (the framework and
 * adapter the service runs on; no guard, pipe, interceptor, database, helmet or logging) with one route,
 * GET /articles/:id, sending the same JSON bytes with the same content type and an ETag, from memory.
 *
 *   node dist/bench/bench/lib/bare-nest-server.js <article.json> <port>
 *
 * article.json: the body GET /articles/:id of the real service answered, as it answered it. Prints
 * `listening on <port>`.
 */
import 'reflect-metadata';
import { Controller, Get, Module, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';

const [file, port] = process.argv.slice(2);
const BODY = readFileSync(file);

@Controller('articles')
class BareArticlesController {
  @Get(':id')
  get(@Res() reply: FastifyReply): FastifyReply {
    return reply
      .status(200)
      .header('ETag', '"1"')
      .header('Content-Type', 'application/json; charset=utf-8')
      .send(BODY);
  }
}

@Module({ controllers: [BareArticlesController] })
class BareModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), {
    logger: false,
  });
  await app.listen(Number(port), '127.0.0.1');
  console.log(`listening on ${port}`);
  const close = () => void app.close().then(() => process.exit(0));
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
