import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { explicitSettingsReader, type ConfigurationLayers, type InspectedSetting } from '../../../src/core/config/explicitSetting';
import { DEFAULT_SETTINGS, parseSettings, SETTING_KEYS } from '../../../src/core/config/settings';

// Compiled to out/test/unit/config/: the checkout's root is four folders up.
const root = path.resolve(__dirname, '../../../..');
const declared = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
}).contributes.configuration.properties;

/** VS Code's answers for the `spotbox` section: get() falls back to the package.json default, inspect() tells the layers apart. */
function configuration(user: Record<string, unknown>, workspace: Record<string, unknown> = {}): ConfigurationLayers {
  const layers = (key: string): InspectedSetting<unknown> => ({ defaultValue: declared[`spotbox.${key}`]?.default, globalValue: user[key], workspaceValue: workspace[key] });
  return {
    get: <T>(key: string) => (workspace[key] ?? user[key] ?? declared[`spotbox.${key}`]?.default) as T | undefined,
    inspect: <T>(key: string) => layers(key) as InspectedSetting<T>,
  };
}

describe('explicitSettingsReader (only what the user set reaches parseSettings)', () => {
  const sandbox = { SPOTBOX_CHECK_IP_URL: 'http://127.0.0.1:4123/checkip' };

  it("lets the sandbox editor's SPOTBOX_CHECK_IP_URL win over the declared default when the user set nothing", () => {
    assert.ok(declared['spotbox.checkIpUrl']?.default, 'package.json declares a default: the case that hid the environment');
    assert.equal(parseSettings(explicitSettingsReader(configuration({})), sandbox).settings.checkIpUrl, sandbox.SPOTBOX_CHECK_IP_URL);
  });

  it("still puts the user's own check-IP URL first, even when it equals the default", () => {
    assert.equal(parseSettings(explicitSettingsReader(configuration({ checkIpUrl: 'https://ip.example.com' })), sandbox).settings.checkIpUrl, 'https://ip.example.com');
    assert.equal(parseSettings(explicitSettingsReader(configuration({ checkIpUrl: DEFAULT_SETTINGS.checkIpUrl })), sandbox).settings.checkIpUrl, DEFAULT_SETTINGS.checkIpUrl);
  });

  it('reads values set in a layer and gives the defaults when none is', () => {
    assert.deepEqual(parseSettings(explicitSettingsReader(configuration({}))).settings, DEFAULT_SETTINGS);
    assert.deepEqual(parseSettings(explicitSettingsReader(configuration({ regions: ['eu-central-1'] }))).settings.regions, ['eu-central-1']);
  });

  it("has the same defaults as package.json declares, since an unset key now takes core's default", () => {
    for (const [field, key] of Object.entries(SETTING_KEYS)) {
      assert.deepEqual(declared[`spotbox.${key}`]?.default, DEFAULT_SETTINGS[field as keyof typeof DEFAULT_SETTINGS], key);
    }
  });
});
