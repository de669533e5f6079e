import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { SourceFile } from './imports.service.js';

const IMPORTABLE = /\.(html?|md|markdown|xml|wxr|json|txt|text)$/i;

/**
 * The files named on the command line; a folder gives every importable file under it (hidden ones aside), in
 * name order, named relative to the folder. Only the local disk is read.
 */
export function collectSourceFiles(paths: string[]): SourceFile[] {
  const files: SourceFile[] = [];
  for (const path of paths) {
    if (statSync(path).isDirectory()) {
      const walk = (folder: string) => {
        for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) =>
          a.name.localeCompare(b.name),
        )) {
          if (entry.name.startsWith('.')) continue;
          const full = join(folder, entry.name);
          if (entry.isDirectory()) walk(full);
          else if (IMPORTABLE.test(entry.name))
            files.push({ name: relative(path, full), content: readFileSync(full, 'utf8') });
        }
      };
      walk(path);
    } else {
      files.push({ name: basename(path), content: readFileSync(path, 'utf8') });
    }
  }
  return files;
}
