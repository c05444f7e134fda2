import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { activeConfigurationName, DEFAULT_ENDPOINTS, listGcloudConfigurations, listGcpProjects, readGcloudConfig } from '../../../src/core/gcp/gcloudConfig';

describe('gcloud configuration', () => {
  let dir: string;
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-gcloud-'));
    // As the sandbox writes it: gcloud's own files.
    write(
      'configurations/config_sandbox',
      '[core]\nproject = sandbox-proj\naccount = sandbox@example.com\n\n[auth]\ncredential_file_override = /tmp/sandbox-key.json\n\n[api_endpoint_overrides]\ncompute = http://127.0.0.1:4001/compute/v1/\nstorage = http://127.0.0.1:4002/storage/v1/\ncloudbilling = http://127.0.0.1:4003/\n',
    );
    write('configurations/config_default', '[core]\nproject = real-proj\n');
    write('active_config', 'sandbox\n');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the active configuration named by the active_config file', () => {
    const config = readGcloudConfig({ env: { CLOUDSDK_CONFIG: dir } });
    assert.deepEqual(config, {
      configDir: dir,
      configuration: 'sandbox',
      project: 'sandbox-proj',
      projectSource: 'configuration',
      account: 'sandbox@example.com',
      credentialFileOverride: '/tmp/sandbox-key.json',
      endpoints: {
        compute: 'http://127.0.0.1:4001/compute/v1/',
        storage: 'http://127.0.0.1:4002/storage/v1/',
        storageUpload: 'http://127.0.0.1:4002/upload/storage/v1/',
        cloudbilling: 'http://127.0.0.1:4003/',
      },
    });
  });

  it('CLOUDSDK_ACTIVE_CONFIG_NAME wins over the file; default when neither says', () => {
    assert.equal(activeConfigurationName({ env: { CLOUDSDK_CONFIG: dir, CLOUDSDK_ACTIVE_CONFIG_NAME: 'default' } }), 'default');
    fs.rmSync(path.join(dir, 'active_config'));
    assert.equal(activeConfigurationName({ env: { CLOUDSDK_CONFIG: dir } }), 'default');
    const config = readGcloudConfig({ env: { CLOUDSDK_CONFIG: dir } });
    assert.equal(config.project, 'real-proj');
    assert.deepEqual(config.endpoints, DEFAULT_ENDPOINTS);
    assert.equal(config.credentialFileOverride, undefined);
  });

  it('CLOUDSDK_<SECTION>_<PROPERTY> variables win over the file', () => {
    const config = readGcloudConfig({
      env: { CLOUDSDK_CONFIG: dir, CLOUDSDK_CORE_PROJECT: 'env-proj', CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE: 'http://127.0.0.1:5001/compute/v1', CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE: '/env-key.json', GOOGLE_CLOUD_PROJECT: 'google-proj' },
    });
    assert.equal(config.project, 'env-proj');
    assert.equal(config.projectSource, 'CLOUDSDK_CORE_PROJECT');
    assert.equal(config.endpoints.compute, 'http://127.0.0.1:5001/compute/v1/');
    assert.equal(config.credentialFileOverride, '/env-key.json');
  });

  it('a chosen project wins; GOOGLE_CLOUD_PROJECT is the last resort', () => {
    assert.equal(readGcloudConfig({ env: { CLOUDSDK_CONFIG: dir }, project: 'picked' }).projectSource, 'chosen');
    write('configurations/config_bare', '[core]\n');
    const bare = readGcloudConfig({ env: { CLOUDSDK_CONFIG: dir, GOOGLE_CLOUD_PROJECT: 'google-proj' }, configuration: 'bare' });
    assert.equal(bare.project, 'google-proj');
    assert.equal(bare.projectSource, 'GOOGLE_CLOUD_PROJECT');
  });

  it('STORAGE_EMULATOR_HOST redirects GCS when gcloud names no storage endpoint; gcloud\'s override wins', () => {
    const viaEmulator = readGcloudConfig({ env: { CLOUDSDK_CONFIG: dir, STORAGE_EMULATOR_HOST: 'http://127.0.0.1:9023' }, configuration: 'default' });
    assert.equal(viaEmulator.endpoints.storage, 'http://127.0.0.1:9023/storage/v1/');
    assert.equal(viaEmulator.endpoints.storageUpload, 'http://127.0.0.1:9023/upload/storage/v1/');
    assert.equal(viaEmulator.endpoints.compute, DEFAULT_ENDPOINTS.compute);
    const bare = readGcloudConfig({ env: { CLOUDSDK_CONFIG: dir, STORAGE_EMULATOR_HOST: 'gcs.internal:4443' }, configuration: 'default' });
    assert.equal(bare.endpoints.storage, 'https://gcs.internal:4443/storage/v1/', 'a bare host gets https, as @google-cloud/storage gives it');
    const both = readGcloudConfig({ env: { CLOUDSDK_CONFIG: dir, STORAGE_EMULATOR_HOST: 'http://127.0.0.1:9023' } });
    assert.equal(both.endpoints.storage, 'http://127.0.0.1:4002/storage/v1/');
  });

  it('refuses a configuration name that could leave configurations/', () => {
    assert.throws(() => readGcloudConfig({ env: { CLOUDSDK_CONFIG: dir }, configuration: '../../etc/x' }), /not a gcloud configuration name/);
  });

  it('lists configurations (active first) and the projects they name, for the picker', () => {
    write('configurations/config_other', '[core]\naccount = me@example.com\n');
    assert.deepEqual(listGcloudConfigurations({ env: { CLOUDSDK_CONFIG: dir } }), [
      { name: 'sandbox', active: true, project: 'sandbox-proj', account: 'sandbox@example.com', endpointOverrides: true },
      { name: 'default', active: false, project: 'real-proj', endpointOverrides: false },
      { name: 'other', active: false, account: 'me@example.com', endpointOverrides: false },
    ]);
    assert.deepEqual(listGcpProjects({ env: { CLOUDSDK_CONFIG: dir, GOOGLE_CLOUD_PROJECT: 'google-proj' } }), [
      { project: 'sandbox-proj', configuration: 'sandbox', source: 'configuration' },
      { project: 'real-proj', configuration: 'default', source: 'configuration' },
      { project: 'google-proj', configuration: 'sandbox', source: 'GOOGLE_CLOUD_PROJECT' },
    ]);
  });

  it('lists the active configuration even before gcloud wrote its file', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-gcloud-empty-'));
    try {
      assert.deepEqual(listGcloudConfigurations({ env: { CLOUDSDK_CONFIG: empty } }), [{ name: 'default', active: true, endpointOverrides: false }]);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
