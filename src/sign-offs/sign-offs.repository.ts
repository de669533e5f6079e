import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { SignOff } from './sign-off.entity.js';
import { queryPrepared } from '../core/database/prepared-query.js';

/** Every column of a sign-off, named as the entity's properties (the date as the entity has it: YYYY-MM-DD). */
const SIGN_OFF_COLUMNS = `id, article_id AS "articleId", revision_number AS "revisionNumber", content_hash AS "contentHash",
       reviewer_id AS "reviewerId", decision_id AS "decisionId", reviewer_display_name AS "reviewerDisplayName",
       reviewer_credentials AS "reviewerCredentials", reviewer_affiliation AS "reviewerAffiliation",
       license_number AS "licenseNumber", license_region AS "licenseRegion",
       license_expires_on::text AS "licenseExpiresOn", meaning, signed_at AS "signedAt"`;

/** Read access to sign-offs for other modules (publishing, scheduling). Sign-offs are only ever inserted. */
@Injectable()
export class SignOffsRepository {
  constructor(@InjectRepository(SignOff) private readonly signOffs: Repository<SignOff>) {}

  /** Plain SQL: read once per reminder sent, where the query builder's cost showed (#15, bench:schedule). */
  async findById(id: string, tx?: EntityManager): Promise<SignOff | null> {
    const rows = await queryPrepared<SignOff>(
      tx ?? this.signOffs.manager,
      'sign_off_by_id',
      `SELECT ${SIGN_OFF_COLUMNS} FROM sign_offs WHERE id = $1`,
      [id],
    );
    return rows.length ? Object.assign(new SignOff(), rows[0]) : null;
  }

  /** The sign-offs of these ids that exist, by id, in one plain statement (the reminders read a group at once). */
  async findManyById(ids: readonly string[], tx?: EntityManager): Promise<Map<string, SignOff>> {
    if (!ids.length) return new Map();
    const rows = await queryPrepared<SignOff>(
      tx ?? this.signOffs.manager,
      'sign_offs_by_ids',
      `SELECT ${SIGN_OFF_COLUMNS} FROM sign_offs WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, Object.assign(new SignOff(), row)]));
  }

  async findByIds(ids: string[]): Promise<Map<string, SignOff>> {
    if (!ids.length) return new Map();
    const rows = await this.signOffs.createQueryBuilder('s').where('s.id IN (:...ids)', { ids }).getMany();
    return new Map(rows.map((signOff) => [signOff.id, signOff]));
  }

  findForArticle(articleId: string, id: string): Promise<SignOff | null> {
    return this.signOffs.findOne({ where: { id, articleId } });
  }

  /** The newest sign-off of an article, whatever revision it covers. */
  findLatestForArticle(articleId: string, tx?: EntityManager): Promise<SignOff | null> {
    return (tx ? tx.getRepository(SignOff) : this.signOffs).findOne({
      where: { articleId },
      order: { signedAt: 'DESC', id: 'DESC' },
    });
  }

  listForArticle(articleId: string): Promise<SignOff[]> {
    return this.signOffs.find({ where: { articleId }, order: { signedAt: 'DESC', id: 'DESC' } });
  }

  /** One reviewer's sign-offs of an article, newest first, in one plain statement: for pages read on every request. */
  readForArticleByReviewer(articleId: string, reviewerId: string): Promise<SignOff[]> {
    return this.signOffs.query(
      `SELECT id, article_id AS "articleId", revision_number AS "revisionNumber", content_hash AS "contentHash",
              reviewer_id AS "reviewerId", decision_id AS "decisionId",
              reviewer_display_name AS "reviewerDisplayName", reviewer_credentials AS "reviewerCredentials",
              reviewer_affiliation AS "reviewerAffiliation", license_number AS "licenseNumber",
              license_region AS "licenseRegion", license_expires_on::text AS "licenseExpiresOn", meaning,
              signed_at AS "signedAt"
         FROM sign_offs WHERE article_id = $1 AND reviewer_id = $2 ORDER BY signed_at DESC, id DESC`,
      [articleId, reviewerId],
    );
  }

  insert(tx: EntityManager, signOff: Omit<SignOff, 'id'>): Promise<SignOff> {
    const repo = tx.getRepository(SignOff);
    return repo.save(repo.create(signOff));
  }
}
