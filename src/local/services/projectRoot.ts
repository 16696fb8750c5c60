import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The promoter project's root directory (the one holding its package.json), found from this
 * module's own location so that it is the same whether the code runs from `src/` (tests,
 * tsx) or from `dist/` (`npm start`), and whatever the current working directory is.
 */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'node_modules'))) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`cannot find the project root above ${fileURLToPath(import.meta.url)}`);
    }
    dir = parent;
  }
}
