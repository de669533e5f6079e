import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../core/http/api-error.js';
import type { Role } from '../users/user.entity.js';
import type { AuthUser } from './auth-user.js';
import { IS_PUBLIC, REQUIRED_ROLES } from './decorators.js';
import { TokenService } from './token.service.js';

/** Global guard: every route needs a valid bearer token of an active user unless marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(header);
    if (!match)
      throw ApiError.unauthorized(
        'Send a bearer token: Authorization: Bearer <accessToken from POST /auth/login>',
      );
    const user = await this.tokens.authenticate(match[1]);
    if (!user) {
      throw ApiError.unauthorized(
        'Token is invalid, expired or revoked (password changed, account deactivated); log in again',
      );
    }
    request.user = { id: user.id, email: user.email, name: user.name, roles: user.roles };

    const required = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets);
    if (required?.length && !required.some((role) => user.roles.includes(role))) {
      throw ApiError.forbidden(`This action needs one of the roles: ${required.join(', ')}`);
    }
    return true;
  }
}
