import * as fs from 'node:fs';
import * as path from 'node:path';

/** The bundled catalogs, found from wherever this file runs (dist/ when installed, out/ in tests). */
export function findCatalogDir(startDir: string): string {
  let dir = startDir;
  for (let depth = 0; depth < 5; depth++) {
    const candidate = path.join(dir, 'resources', 'prices');
    if (fs.existsSync(path.join(candidate, 'aws-ec2-gpu-on-demand.json'))) {
      return candidate;
    }
    dir = path.dirname(dir);
  }
  throw new Error(`Spotbox's price catalogs (resources/prices) were not found above ${startDir}; reinstall Spotbox.`);
}
