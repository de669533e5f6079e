// Creates .env from .env.example on first run, so `npm start` and `npm run demo` work on a fresh clone. The copy
// gets a freshly generated JWT_SECRET and AUDIT_KEY: the ones in .env.example are public (and refused in production).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

if (!existsSync('.env')) {
  const fresh = () => randomBytes(48).toString('base64url');
  const example = readFileSync('.env.example', 'utf8');
  const env = example
    .replace(/^JWT_SECRET=.*$/m, `JWT_SECRET=${fresh()}`)
    .replace(/^AUDIT_KEY=.*$/m, `AUDIT_KEY=${fresh()}`);
  writeFileSync('.env', env, { mode: 0o600 });
  console.log(
    'created .env from .env.example with a fresh JWT_SECRET and AUDIT_KEY (edit it to change ports, URLs or secrets)',
  );
}
