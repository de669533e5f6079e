import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TokenService } from '../auth/token.service.js';
import { AppConfig } from '../core/config/app-config.js';
import { ApiError } from '../core/http/api-error.js';
import { toErrorBody } from '../core/http/error.filter.js';
import { QueueName } from '../core/queues/queues.js';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * What the desk says about a browser's session cookie on a dashboard request: an admin's session (admit), a
 * session that may not open it (another role, or a write from another origin), or no session at all.
 */
export type BrowserSessionCheck = (request: FastifyRequest) => Promise<'admin' | 'forbidden' | 'none'>;

/**
 * The bull-board dashboard of every queue, for admins. Its routes are plain Fastify routes that Nest's guards
 * never see, so the whole prefix sits behind its own onRequest hook with the same bearer-token check.
 */
@Injectable()
export class QueueDashboard implements OnModuleInit {
  private browserSession?: BrowserSessionCheck;

  constructor(
    private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly moduleRef: ModuleRef,
    private readonly tokens: TokenService,
  ) {}

  onModuleInit(): void {
    const httpAdapter = this.adapterHost.httpAdapter;
    if (!this.config.runsApi || !httpAdapter) return;
    const fastify = httpAdapter.getInstance<FastifyInstance>();

    const board = new BullBoardFastifyAdapter();
    board.setBasePath(QUEUE_DASHBOARD_PATH);
    createBullBoard({
      queues: Object.values(QueueName).map(
        (name) => new BullMQAdapter(this.moduleRef.get<Queue>(getQueueToken(name), { strict: false })),
      ),
      serverAdapter: board,
      options: { uiConfig: { boardTitle: 'Medical review queues' } },
    });

    void fastify.register(
      async (scope) => {
        scope.addHook('onRequest', (request, reply) => this.admitAdmins(request, reply));
        await scope.register(board.registerPlugin());
      },
      { prefix: QUEUE_DASHBOARD_PATH },
    );
  }

  /**
   * Lets a signed-in admin open the dashboard from the desk with the browser session (registered by the desk,
   * which owns sessions; this module does not reach into it). A request without a bearer token asks it.
   */
  admitBrowserSessions(check: BrowserSessionCheck): void {
    this.browserSession = check;
  }

  private async admitAdmins(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    let refusal: ApiError | undefined;
    const session =
      !request.headers.authorization && this.browserSession ? await this.browserSession(request) : 'none';
    if (session === 'admin') return undefined;
    if (session === 'forbidden') refusal = ApiError.forbidden('This action needs one of the roles: admin');
    else refusal = await this.refusal(request.headers.authorization);
    if (!refusal) return undefined;
    const body = toErrorBody(refusal);
    await reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
    return reply;
  }

  /** The same rules as the API's AuthGuard with @Roles('admin'): 401 without a valid token, 403 for others. */
  private async refusal(authorization: string | undefined): Promise<ApiError | undefined> {
    const match = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(authorization ?? '');
    if (!match) {
      return ApiError.unauthorized(
        'Send a bearer token: Authorization: Bearer <accessToken from POST /auth/login>',
      );
    }
    const user = await this.tokens.authenticate(match[1]);
    if (!user) return ApiError.unauthorized('Token is invalid, expired or revoked; log in again');
    if (!user.roles.includes('admin')) return ApiError.forbidden('This action needs one of the roles: admin');
    return undefined;
  }
}
