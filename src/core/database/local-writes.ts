import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  DataSource,
  EntitySubscriberInterface,
  InsertEvent,
  ObjectLiteral,
  RemoveEvent,
  UpdateEvent,
} from 'typeorm';
import { CHANGE_CHANNELS, type ChangeChannel, RowChangeListener } from './row-change-listener.js';

/**
 * Tables whose changes a trigger notifies (migration DeskCacheNotify), with the channel and the id it carries,
 * read from the entity TypeORM writes (its property names).
 */
const NOTIFIED_TABLES: Record<string, { channel: ChangeChannel; id: string }> = {
  assignments: { channel: CHANGE_CHANNELS.reviewState, id: 'articleId' },
  review_decisions: { channel: CHANGE_CHANNELS.reviewState, id: 'articleId' },
  sign_offs: { channel: CHANGE_CHANNELS.reviewState, id: 'articleId' },
  comments: { channel: CHANGE_CHANNELS.reviewState, id: 'articleId' },
  reviewer_profiles: { channel: CHANGE_CHANNELS.users, id: 'userId' },
};

/**
 * The in-process half of the row-change notifications for the tables above: every write TypeORM makes through an
 * entity (save, insert, update, remove) tells the caches of this process before it commits
 * (`RowChangeListener.changing`), so a request this process answers right after its own write (the redirect after
 * a form) never shows the state before it. The triggers still notify every process at commit, whatever wrote the
 * row (raw SQL included). When the write does not say which row (an UPDATE by id), the channel's caches forget
 * everything.
 */
@Injectable()
export class LocalWrites implements EntitySubscriberInterface<ObjectLiteral> {
  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly changes: RowChangeListener,
  ) {
    dataSource.subscribers.push(this);
  }

  afterInsert(event: InsertEvent<ObjectLiteral>): void {
    this.wrote(event.metadata.tableName, event.entity);
  }

  afterUpdate(event: UpdateEvent<ObjectLiteral>): void {
    this.wrote(event.metadata.tableName, event.entity, event.databaseEntity);
  }

  afterRemove(event: RemoveEvent<ObjectLiteral>): void {
    this.wrote(event.metadata.tableName, event.entity, event.databaseEntity);
  }

  private wrote(table: string, ...rows: (ObjectLiteral | undefined)[]): void {
    const notified = NOTIFIED_TABLES[table];
    if (!notified) return;
    const ids = new Set(
      rows.map((row) => row?.[notified.id] as unknown).filter((id): id is string => typeof id === 'string'),
    );
    if (!ids.size) this.changes.changing(notified.channel, undefined);
    for (const id of ids) this.changes.changing(notified.channel, id);
  }
}
