import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { Client } from 'pg';
import type { ArticleContent } from './article-content.js';
import { diffContent } from './revision-diff.js';
import { toChangeJson } from './revision-diff-json.js';

type Content = ArticleContent | string;
type Message = { id: number; json: boolean } & (
  { before: Content; after: Content } | { articleId: string; from: number; to: number }
);

/**
 * The diff thread (#15 §7): bounded diffs, one at a time, off the API's event loop. The thread reads the two
 * revisions itself, on a connection of its own, when given the article and revision numbers: up to 1 MiB of JSON
 * each is then received, decoded and parsed here, never on the loop. Contents may also come with the message
 * (parsed or as JSON text). `json: true` answers each change as UTF-8 JSON, so the loop only copies bytes into a
 * page.
 */
// Below the event loop: on Linux a thread's nice value is its own, and 0 names the calling thread, so this lowers
// this diff thread only. The API's loop (health checks, every other request) then comes first for the CPU.
try {
  setPriority(0, 10);
} catch {
  // Not permitted here: the thread runs at the process's priority.
}

const databaseUrl = (workerData as { databaseUrl?: string } | null)?.databaseUrl;
let client: Promise<Client> | undefined;
/** The read in progress on the connection, which the next one waits for. */
let reads: Promise<unknown> = Promise.resolve();

function connection(): Promise<Client> {
  if (!databaseUrl) throw new Error('the diff thread was started without a database');
  return (client ??= (async () => {
    const connecting = new Client({ connectionString: databaseUrl });
    // A broken connection is dropped: the next diff opens another.
    const drop = () => (client = undefined);
    connecting.on('error', drop);
    connecting.on('end', drop);
    try {
      await connecting.connect();
    } catch (error) {
      drop();
      throw error;
    }
    return connecting;
  })());
}

async function contents(message: Message): Promise<{ before: ArticleContent; after: ArticleContent }> {
  const parse = (content: Content): ArticleContent =>
    typeof content === 'string' ? (JSON.parse(content) as ArticleContent) : content;
  if ('before' in message) return { before: parse(message.before), after: parse(message.after) };
  // One query at a time on the connection (pg 9 refuses a query while another is running): chained in turn.
  const read = reads.then(async () =>
    (await connection()).query<{ number: number; content: ArticleContent }>(
      'SELECT number, content FROM revisions WHERE article_id = $1 AND number = ANY($2::int[])',
      [message.articleId, [message.from, message.to]],
    ),
  );
  reads = read.catch(() => undefined);
  const { rows } = await read;
  const byNumber = new Map(rows.map((row) => [row.number, row.content]));
  const before = byNumber.get(message.from);
  const after = byNumber.get(message.to);
  if (!before || !after) throw new Error(`revisions ${message.from} and ${message.to} are not both stored`);
  return { before, after };
}

parentPort?.on('message', (message: Message) => {
  // Reads queue on one connection, in turn; the diffs, being synchronous, run one at a time.
  void (async () => {
    try {
      const { before, after } = await contents(message);
      const changes = diffContent(before, after);
      parentPort!.postMessage(
        message.json ? { id: message.id, json: toChangeJson(changes) } : { id: message.id, changes },
      );
    } catch (error) {
      parentPort!.postMessage({
        id: message.id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  })();
});
