import {
  ForbiddenException,
  Injectable,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '../../users/user.entity.js';
import type { DeskRequest } from '../desk-access.js';

const DESK_ROLES = 'desk:roles';
/** The page is for people holding one of these roles; anyone else signed in gets 403 (runs after DeskGuard). */
export const DeskRoles = (...roles: Role[]) => SetMetadata(DESK_ROLES, roles);

@Injectable()
export class DeskRolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(DESK_ROLES, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!roles?.length) return true;
    const visit = context.switchToHttp().getRequest<DeskRequest>().deskVisit;
    // Without a session DeskGuard has already sent the browser to the login page.
    if (!visit) return true;
    if (roles.some((role) => visit.user.roles.includes(role))) return true;
    throw new ForbiddenException(`This page is for the roles: ${roles.join(', ')}`);
  }
}
