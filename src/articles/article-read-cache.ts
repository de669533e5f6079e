import { Injectable, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import { NotifiedCache } from '../core/database/notified-cache.js';
import { CHANGE_CHANNELS, RowChangeListener } from '../core/database/row-change-listener.js';

/** GET /articles/:id's answer, serialised once: the JSON bytes and the ETag (the version) they were made at. */
export interface ArticleJson {
  etag: string;
  body: Buffer;
}

/** About 20 kB per seed-sized article, up to 1 MiB for the largest: some 1,500 typical answers. */
const MAX_BYTES = 32 * 1024 * 1024;
const MAX_AGE_MS = 60_000;

/**
 * The serialised answers of GET /articles/:id by article id, in each API process, bounded by bytes (least
 * recently used out first). Any change to the article row (every change bumps its version, the ETag), to one
 * of its revisions, or a new attested review of it notifies every process at commit (migration
 * RowChangeNotify) and drops it; while the notifications cannot be heard nothing is served from here. It is
 * read after the auth guard has let the caller in: it holds answers, not decisions.
 */
@Injectable()
export class ArticleReadCache extends NotifiedCache<ArticleJson> implements OnModuleInit {
  constructor(
    changes: RowChangeListener,
    private readonly config: AppConfig,
  ) {
    super(changes, CHANGE_CHANNELS.articles, {
      maxSize: MAX_BYTES,
      sizeOf: (json) => json.body.length + json.etag.length + 64,
      maxAgeMs: MAX_AGE_MS,
    });
  }

  async onModuleInit(): Promise<void> {
    if (this.config.runsApi) await this.start();
  }
}
