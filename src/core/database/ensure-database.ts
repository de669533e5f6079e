import { Client } from 'pg';

/** Creates the database named in the URL if it does not exist yet (connecting to the `postgres` maintenance DB). */
export async function ensureDatabase(
  databaseUrl: string,
  options: { template?: string } = {},
): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_-]+$/.test(name)) {
    throw new Error(`DATABASE_URL names database "${name}"; use letters, digits, _ and - only`);
  }
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    const template = options.template ? ` TEMPLATE "${options.template}"` : '';
    try {
      await client.query(`CREATE DATABASE "${name}"${template}`);
    } catch (error) {
      // Another instance created it at the same moment: 42P04 if its CREATE had committed when ours checked,
      // 23505 (on pg_database's name index) if both were creating it at once.
      const code = (error as { code?: string }).code;
      if (code !== '42P04' && code !== '23505') throw error;
      return false;
    }
    return true;
  } finally {
    await client.end();
  }
}
