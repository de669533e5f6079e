// Creates .env from .env.example on first run, so `npm start` and `npm run demo` work on a fresh clone.
import { copyFileSync, existsSync } from 'node:fs';

if (!existsSync('.env')) {
  copyFileSync('.env.example', '.env');
  console.log('created .env from .env.example (edit it to change ports, URLs or secrets)');
}
