import { Global, Injectable, Module } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Article } from '../../articles/article.entity.js';
import type { SignOff } from '../../sign-offs/sign-off.entity.js';
import type { TransactionContext } from '../database/transaction.js';

/**
 * What happened to an article, told to whichever modules care, inside the transaction that made it happen.
 * Modules talk back this way instead of importing each other (articles never import reviews; reviews never
 * import scheduling or publishing).
 */
export type DomainEvent =
  | { type: 'article.submitted'; article: Article; actorId: string }
  | { type: 'article.withdrawn'; article: Article; actorId: string }
  | { type: 'article.edited'; article: Article; actorId: string; previousRevision: number }
  | { type: 'article.signed'; article: Article; signOff: SignOff; actorId: string }
  | { type: 'article.unpublished'; article: Article; actorId: string };

type Handler<E extends DomainEvent> = (tx: EntityManager, ctx: TransactionContext, event: E) => Promise<void>;

@Injectable()
export class DomainEvents {
  private readonly handlers = new Map<DomainEvent['type'], Handler<DomainEvent>[]>();

  on<T extends DomainEvent['type']>(type: T, handler: Handler<Extract<DomainEvent, { type: T }>>): void {
    const list = this.handlers.get(type) ?? [];
    list.push(handler as Handler<DomainEvent>);
    this.handlers.set(type, list);
  }

  /** Runs every handler in the caller's transaction; a handler that throws rolls the whole change back. */
  async emit(tx: EntityManager, ctx: TransactionContext, event: DomainEvent): Promise<void> {
    for (const handler of this.handlers.get(event.type) ?? []) await handler(tx, ctx, event);
  }
}

@Global()
@Module({ providers: [DomainEvents], exports: [DomainEvents] })
export class DomainEventsModule {}
