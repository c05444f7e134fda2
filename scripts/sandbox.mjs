// `npm run sandbox`: sets up what is missing (Debian packages as root, npm packages), compiles,
// then runs the sandbox cloud (and VS Code pointed at it unless --no-editor).
import { spawn, spawnSync } from 'node:child_process';
import { ensureSetup } from './setup.mjs';

ensureSetup({ quiet: process.argv.includes('--no-editor') });
for (const script of ['build', 'compile-tests']) {
  // Build output goes to stderr so that stdout carries only the SPOTBOX_SANDBOX line in --no-editor mode.
  const result = spawnSync('npm', ['run', '--silent', script], { stdio: ['ignore', process.stderr, 'inherit'] });
  if (result.status !== 0) {
    process.exit(result.status ?? 1);
  }
}
const sandbox = spawn(process.execPath, ['out/sandbox/main.js', ...process.argv.slice(2)], { stdio: 'inherit' });
// The sandbox handles Ctrl-C itself; forward SIGTERM so `kill <this pid>` stops it cleanly too.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => sandbox.kill(signal));
}
sandbox.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
// `kill <npm's pid>` ends npm without passing the signal on: once the process that started this one
// is gone, stop the sandbox as if Ctrl-C had been pressed, rather than leave it running unowned.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) {
    sandbox.kill('SIGTERM');
  }
}, 1000).unref();
