import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '../../..');
const vsce = path.join(repoRoot, 'node_modules', '.bin', 'vsce');
const VSCE_FLAGS = ['--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links'];

describe('npm run package (the .vsix)', function () {
  this.timeout(120_000);

  it('holds only dist/, media/, resources/, README, LICENSE, CHANGELOG and package.json', () => {
    const files = execFileSync(vsce, ['ls', '--no-dependencies'], { cwd: repoRoot, encoding: 'utf8' })
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    const unexpected = files.filter((file) => !/^(dist|media|resources)\//.test(file) && !['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].includes(file));
    assert.deepEqual(unexpected, []);
    assert.ok(files.includes('dist/extension.js'));
    // The on-box agent as the build assembled it; its modules stay out of the package.
    assert.ok(files.includes('dist/agent/spotbox_agent.py'));
    assert.ok(!files.some((file) => file.startsWith('resources/agent/src/')), 'the agent ships assembled, not as modules');
    // The features bundled apart (esbuild.mjs) are required at run time: each one must ship.
    const features = fs.readdirSync(path.join(repoRoot, 'dist', 'features')).filter((file) => file.endsWith('.js'));
    assert.ok(features.length > 0, 'dist/features/ holds the lazily loaded features');
    assert.deepEqual(features.filter((file) => !files.includes(`dist/features/${file}`)), []);
    assert.ok(!files.some((file) => file.endsWith('.map') || file.startsWith('media/readme/')), 'no source maps or README-only images');
  });

  // 0.91 MB with the AWS clients and ssh2; google-auth-library (Google Cloud's credentials) adds 0.11 MB,
  // @azure/identity (Azure's, with MSAL) 0.2 MB. @google-cloud/compute instead would add a 30 MB bundle
  // (bench/gcpClientChoice.ts), Azure's ARM SDKs 2.1 MB more than the REST client (bench/azureClientChoice.ts).
  it('is under 1.4 MB', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-vsix-')), 'spotbox.vsix');
    try {
      execFileSync(vsce, ['package', ...VSCE_FLAGS, '--out', out], { cwd: repoRoot, stdio: 'ignore' });
      const size = fs.statSync(out).size;
      console.log(`      spotbox.vsix: ${(size / 1024).toFixed(1)} KiB`);
      assert.ok(size < 1_400_000, `${size} bytes`);
    } finally {
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
    }
  });
});
