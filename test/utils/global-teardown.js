import pg from 'pg';

export default async function globalTeardown() {
  const url = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${process.env.MRS_TEST_TEMPLATE}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
