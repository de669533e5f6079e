// Creates .env from .env.example on first run, so `npm start` and `npm run demo` work on a fresh clone. The copy
// gets a freshly generated JWT_SECRET and AUDIT_KEY: the ones in .env.example are public (and refused in
// production). An existing .env from before AUDIT_KEY existed gets a fresh AUDIT_KEY appended.
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

const fresh = () => randomBytes(48).toString('base64url');

if (!existsSync('.env')) {
  const example = readFileSync('.env.example', 'utf8');
  const env = example
    .replace(/^JWT_SECRET=.*$/m, `JWT_SECRET=${fresh()}`)
    .replace(/^AUDIT_KEY=.*$/m, `AUDIT_KEY=${fresh()}`);
  writeFileSync('.env', env, { mode: 0o600 });
  console.log(
    'created .env from .env.example with a fresh JWT_SECRET and AUDIT_KEY (edit it to change ports, URLs or secrets)',
  );
} else if (!/^AUDIT_KEY=/m.test(readFileSync('.env', 'utf8')) && !process.env.AUDIT_KEY) {
  appendFileSync(
    '.env',
    `\n# Signs the audit trail's checkpoints; never stored in the database (added by npm start).\nAUDIT_KEY=${fresh()}\n`,
  );
  console.log('added a fresh AUDIT_KEY to .env');
}
