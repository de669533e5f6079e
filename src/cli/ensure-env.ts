// Creates .env from .env.example on first run, so `npm start` and `npm run demo` work on a fresh clone. The copy
// gets a freshly generated JWT_SECRET: the one in .env.example is public (and refused in production).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

if (!existsSync('.env')) {
  const secret = randomBytes(48).toString('base64url');
  const example = readFileSync('.env.example', 'utf8');
  writeFileSync('.env', example.replace(/^JWT_SECRET=.*$/m, `JWT_SECRET=${secret}`), { mode: 0o600 });
  console.log(
    'created .env from .env.example with a fresh JWT_SECRET (edit it to change ports, URLs or secrets)',
  );
}
