// `npm start` for a newcomer on a fresh machine: installs what is missing (Debian packages when
// run as root, npm packages), builds, then opens VS Code with Spotbox loaded.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ensureSetup } from './setup.mjs';

ensureSetup();
for (const script of ['build', 'compile-tests']) {
  const result = spawnSync('npm', ['run', '--silent', script], { stdio: 'inherit' });
  if (result.status !== 0) {
    process.exit(result.status ?? 1);
  }
}
if (!existsSync('out/scripts/editor/startDemo.js')) {
  console.error('Build output missing: out/scripts/editor/startDemo.js');
  process.exit(1);
}
const demo = spawnSync(process.execPath, ['out/scripts/editor/startDemo.js'], { stdio: 'inherit' });
process.exit(demo.status ?? 1);
