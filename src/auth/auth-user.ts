import type { Role } from '../users/user.entity.js';

/** The authenticated caller, attached to the request by the auth guard. */
export interface AuthUser {
  id: string;
  email: string;
  name: string;
  roles: Role[];
}

export function hasRole(user: AuthUser, ...roles: Role[]): boolean {
  return roles.some((role) => user.roles.includes(role));
}
