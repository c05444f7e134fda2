import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Manifest {
  contributes: { configuration: { properties: Record<string, { scope?: string }> } };
  capabilities?: { untrustedWorkspaces?: { supported?: unknown; description?: string; restrictedConfigurations?: string[] } };
}

// Compiled tests run from out/test/unit/config; the manifest is at the repository root.
const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'package.json'), 'utf8')) as Manifest;

describe('package.json: what a cloned repository cannot steer', () => {
  it('keeps the credentials, the check-IP endpoint and the FIS role out of workspace settings (machine scope)', () => {
    const properties = manifest.contributes.configuration.properties;
    for (const key of ['spotbox.awsProfile', 'spotbox.checkIpUrl', 'spotbox.fisRoleArn']) {
      assert.ok(['machine', 'application'].includes(properties[key]?.scope ?? 'window'), `${key} has scope ${properties[key]?.scope ?? '(none: window)'}`);
    }
  });

  it('declares limited support for untrusted workspaces, saying what is limited', () => {
    const untrusted = manifest.capabilities?.untrustedWorkspaces;
    assert.equal(untrusted?.supported, 'limited');
    assert.match(untrusted?.description ?? '', /profile/);
    assert.ok(untrusted?.restrictedConfigurations?.includes('spotbox.regions'));
  });
});
