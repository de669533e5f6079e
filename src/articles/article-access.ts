import { HttpStatus } from '@nestjs/common';
import { hasRole, type AuthUser } from '../auth/auth-user.js';
import { ApiError } from '../core/http/api-error.js';
import type { Article } from './article.entity.js';

/** Writers change their own articles; editors change any. */
export function assertMayChange(actor: AuthUser, article: Article, action: string): void {
  if (hasRole(actor, 'editor')) return;
  if (hasRole(actor, 'writer') && article.authorId === actor.id) return;
  throw ApiError.forbidden(`Only the article's author or an editor can ${action} it`);
}

/** 412: the version the client edited is not the article's version any more. */
export function staleVersion(sent: number, current: number): ApiError {
  return new ApiError(
    HttpStatus.PRECONDITION_FAILED,
    `The article changed since you loaded it: you sent If-Match "${sent}", it is now at version "${current}". ` +
      'Reload it, re-apply your changes and save again',
    [{ field: 'If-Match', reason: 'is stale', sentVersion: sent, currentVersion: current }],
  );
}
