// Shared set-up for the README's commands: Debian packages (when root) and npm packages.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const DEBIAN_PACKAGES = ['chromium', 'libkrb5-dev', 'ripgrep', 'openssh-server', 'sudo', 'curl', 'python3', 'tmux', 'git'];
/** Only the tests need them: the real PyTorch trainers of examples/ run on the sandbox's boxes; the AWS CLI checks the emulators. */
const DEBIAN_TEST_PACKAGES = ['python3-torch', 'awscli', 'python3-google-auth', 'python3-requests'];

function installed(pkg) {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('install ok installed');
}

/** Installs what is missing; with quiet, install output goes to stderr so stdout stays parseable. */
export function ensureSetup({ quiet = false, forTests = false } = {}) {
  if (process.platform === 'linux' && existsSync('/usr/bin/dpkg-query')) {
    const missing = [...DEBIAN_PACKAGES, ...(forTests ? DEBIAN_TEST_PACKAGES : [])].filter((pkg) => !installed(pkg));
    if (missing.length > 0) {
      if (process.getuid?.() !== 0) {
        console.error(`Missing Debian packages: ${missing.join(' ')}. Install them with: sudo apt-get install -y ${missing.join(' ')}`);
        process.exit(1);
      }
      console.error(`Installing Debian packages: ${missing.join(' ')}`);
      run('apt-get', ['update', '-q'], quiet);
      run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], quiet);
    }
  }
  if (!existsSync('node_modules/.package-lock.json')) {
    run('npm', ['ci', '--no-audit', '--no-fund'], quiet);
  }
}

function run(command, args, quiet) {
  const result = spawnSync(command, args, { stdio: ['ignore', quiet ? process.stderr : 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.status !== 0) {
    console.error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
    process.exit(result.status ?? 1);
  }
}
