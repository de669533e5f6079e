import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * People own their accounts: a password may be unset until the invitation is accepted; a per-user token version
 * ends every token and session at once; single-use e-mail links (invitations, resets) and browser sessions,
 * both stored only as SHA-256 hashes.
 */
export class Accounts1795720000000 implements MigrationInterface {
  name = 'Accounts1795720000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "desk_sessions" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "id_hash" character(64) NOT NULL, "user_id" uuid NOT NULL, "token_version" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "ended_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_e5c80232f8e021c3bdb357fe7c4" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_desk_sessions_id_hash" ON "desk_sessions"  ("id_hash") `,
    );
    await queryRunner.query(`CREATE INDEX "IDX_desk_sessions_user_id" ON "desk_sessions"  ("user_id") `);
    await queryRunner.query(
      `CREATE TABLE "account_tokens" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "user_id" uuid NOT NULL, "purpose" character varying(20) NOT NULL, "token_hash" character(64) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_5e3640c493cc6206a44b885e6a9" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_account_tokens_token_hash" ON "account_tokens"  ("token_hash") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_account_tokens_user_purpose" ON "account_tokens"  ("user_id", "purpose") `,
    );
    await queryRunner.query(`ALTER TABLE "users" ADD "token_version" integer NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "users" ALTER COLUMN "password_hash" DROP NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "desk_sessions" ADD CONSTRAINT "FK_2a0c11ddd8b430b9e0cf2eee3bf" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "account_tokens" ADD CONSTRAINT "FK_1b5fea09efc20c7f63c4a09b3d6" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "account_tokens" DROP CONSTRAINT "FK_1b5fea09efc20c7f63c4a09b3d6"`);
    await queryRunner.query(`ALTER TABLE "desk_sessions" DROP CONSTRAINT "FK_2a0c11ddd8b430b9e0cf2eee3bf"`);
    // Accounts still waiting for their invitation get an unusable hash: nobody can log in with it.
    await queryRunner.query(`UPDATE "users" SET "password_hash" = '!' WHERE "password_hash" IS NULL`);
    await queryRunner.query(`ALTER TABLE "users" ALTER COLUMN "password_hash" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "token_version"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_account_tokens_user_purpose"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_account_tokens_token_hash"`);
    await queryRunner.query(`DROP TABLE "account_tokens"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_desk_sessions_user_id"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_desk_sessions_id_hash"`);
    await queryRunner.query(`DROP TABLE "desk_sessions"`);
  }
}
