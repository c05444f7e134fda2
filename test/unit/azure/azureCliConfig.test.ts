import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readAzureCliConfig } from '../../../src/core/azure/azureCliConfig';

describe('readAzureCliConfig', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-azcli-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is Azure\'s public cloud when the CLI has no configuration, with the default subscription of azureProfile.json', () => {
    fs.writeFileSync(path.join(dir, 'azureProfile.json'), '\uFEFF' + JSON.stringify({ subscriptions: [{ id: 'other', isDefault: true, environmentName: 'AzureUSGovernment' }, { id: 'sub-1', name: 'Research', isDefault: true, environmentName: 'AzureCloud' }] }));
    const config = readAzureCliConfig({ env: { AZURE_CONFIG_DIR: dir } });
    assert.equal(config.cloudName, 'AzureCloud');
    assert.equal(config.endpoints.resourceManager, 'https://management.azure.com/');
    assert.equal(config.endpoints.activeDirectory, 'https://login.microsoftonline.com');
    assert.equal(config.endpoints.knownAuthority, true);
    assert.equal(config.subscriptionId, 'sub-1');
  });

  it('reads a registered cloud (az cloud register) made active in config, with its own subscription; AZURE_CLOUD_NAME wins', () => {
    fs.writeFileSync(path.join(dir, 'config'), '[cloud]\nname = SpotboxSandbox\n');
    fs.writeFileSync(path.join(dir, 'clouds.config'), ['[SpotboxSandbox]', 'endpoint_resource_manager = https://127.0.0.1:4443', 'endpoint_active_directory = https://127.0.0.1:4444/', 'endpoint_active_directory_resource_id = https://management.core.windows.net/', 'suffix_storage_endpoint = core.windows.net', 'subscription = 00000000-1111', ''].join('\n'));
    const config = readAzureCliConfig({ env: { AZURE_CONFIG_DIR: dir } });
    assert.equal(config.cloudName, 'SpotboxSandbox');
    assert.equal(config.endpoints.resourceManager, 'https://127.0.0.1:4443/');
    assert.equal(config.endpoints.activeDirectory, 'https://127.0.0.1:4444');
    assert.equal(config.endpoints.knownAuthority, false, 'no instance discovery for a private authority');
    assert.equal(config.subscriptionId, '00000000-1111');
    assert.equal(readAzureCliConfig({ env: { AZURE_CONFIG_DIR: dir, AZURE_CLOUD_NAME: 'AzureChinaCloud' } }).endpoints.resourceManager, 'https://management.chinacloudapi.cn/');
  });

  it('refuses an active cloud that is not registered, naming the file', () => {
    fs.writeFileSync(path.join(dir, 'config'), '[cloud]\nname = Nowhere\n');
    assert.throws(() => readAzureCliConfig({ env: { AZURE_CONFIG_DIR: dir } }), /"Nowhere" is not registered in .*clouds\.config/);
  });
});
