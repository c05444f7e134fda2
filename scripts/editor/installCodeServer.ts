import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The last code-server line that runs on Node 20; it carries VS Code 1.100.3. */
export const CODE_SERVER_VERSION = '4.100.3';
const RIPGREP_CACHE_NAME = 'vscode-ripgrep-cache-1.15.11';
const RIPGREP_ARCHIVE = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

export function codeServerDir(repoRoot: string): string {
  return process.env.SPOTBOX_CODE_SERVER_DIR ?? path.join(repoRoot, '.vscode-test', `code-server-${CODE_SERVER_VERSION}`);
}

export function codeServerEntry(installDir: string): string {
  return path.join(installDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

/** VS Code's own version inside the code-server package (what actually runs the tests). */
export function bundledVsCodeVersion(installDir: string): string {
  const manifest = path.join(installDir, 'node_modules', 'code-server', 'lib', 'vscode', 'package.json');
  return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/**
 * Installs code-server into a git-ignored cache folder once. @vscode/ripgrep's postinstall would
 * download `rg` from GitHub, which these machines cannot reach, so Debian's `rg` is put in the
 * cache folder it looks at first.
 */
export function ensureCodeServer(repoRoot: string, log: (line: string) => void): string {
  const installDir = codeServerDir(repoRoot);
  if (fs.existsSync(codeServerEntry(installDir))) {
    return installDir;
  }
  const rg = which('rg');
  if (!rg) {
    throw new Error('ripgrep is missing: install it with `apt-get install -y ripgrep` (code-server needs it offline).');
  }
  seedRipgrepCache(rg);
  log(`Installing code-server ${CODE_SERVER_VERSION} into ${installDir} (about 75 s, once)...`);
  fs.mkdirSync(installDir, { recursive: true });
  const result = spawnSync(
    'npm',
    ['install', '--prefix', installDir, `code-server@${CODE_SERVER_VERSION}`, '--unsafe-perm', '--no-audit', '--no-fund', '--loglevel=error'],
    { stdio: 'inherit', env: { ...process.env, npm_config_yes: 'true' } },
  );
  if (result.status !== 0 || !fs.existsSync(codeServerEntry(installDir))) {
    fs.rmSync(installDir, { recursive: true, force: true });
    throw new Error(`code-server install failed (exit ${result.status}); needs libkrb5-dev and a C++ toolchain (see README).`);
  }
  return installDir;
}

function seedRipgrepCache(rgPath: string): void {
  const cacheDir = path.join(os.tmpdir(), RIPGREP_CACHE_NAME);
  const archive = path.join(cacheDir, RIPGREP_ARCHIVE);
  if (fs.existsSync(archive)) {
    return;
  }
  fs.mkdirSync(cacheDir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-rg-'));
  fs.copyFileSync(rgPath, path.join(staging, 'rg'));
  fs.chmodSync(path.join(staging, 'rg'), 0o755);
  execFileSync('tar', ['-czf', archive, '-C', staging, 'rg']);
  fs.rmSync(staging, { recursive: true, force: true });
}

export function which(command: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const found = result.stdout.trim();
  return result.status === 0 && found ? found : undefined;
}
