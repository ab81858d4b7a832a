import fs from 'node:fs';
import path from 'node:path';

/**
 * `<root>/src/channels/web/<kind>`, where `<root>` holds package.json: the templates and browser files
 * are read at run time from the source tree (tsc does not copy them; the Dockerfile copies them).
 */
export function webDir(kind: 'views' | 'public', start = __dirname): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'src', 'channels', 'web', kind);
    const up = path.dirname(dir);
    if (up === dir) return path.join(start, kind);
    dir = up;
  }
}
