/**
 * The real gcloud CLI, configured by nothing but the sandbox's configuration (CLOUDSDK_CONFIG and
 * CLOUDSDK_ACTIVE_CONFIG_NAME): it gets its token, creates a Spot VM, lists it by label, logs in
 * with `gcloud compute ssh` pinning the host keys from guest attributes, copies a file through
 * Cloud Storage, and deletes the VM; it creates an instance template and a regional managed
 * instance group of one VM, lists the group's instances and deletes both. Skipped where gcloud is
 * not installed.
 */
import * as assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { eventually, newTempDir, sshKeyPair, startGcpTestSandbox, stopTestSandbox, ZONE, type GcpTestContext } from './gcpHarness';

const gcloudInstalled = (): boolean => spawnSync('gcloud', ['--version'], { stdio: 'ignore' }).status === 0;

describe('sandbox GCP: the gcloud CLI on the sandbox configuration', function () {
  this.timeout(300_000);
  let directory: string | undefined;
  let context: GcpTestContext | undefined;
  let home = '';

  before(async function () {
    if (!gcloudInstalled()) {
      console.log('      (skipped: gcloud is not installed)');
      this.skip();
    }
    directory = newTempDir('spotbox-gcp-gcloud-');
    context = await startGcpTestSandbox(directory);
    // gcloud compute ssh writes ~/.ssh/google_compute_known_hosts: never the real home.
    home = path.join(directory, 'home');
    fs.mkdirSync(home);
  });

  after(async () => {
    await stopTestSandbox(context?.sandbox, directory);
  });

  const gcloud = (...args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile(
        'gcloud',
        args,
        {
          cwd: home,
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: home,
            ...context!.sandbox.gcp.environment,
            CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
            CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: '1',
          },
          timeout: 120_000,
        },
        (error, stdout, stderr) => (error ? reject(new Error(`gcloud ${args.join(' ')}: ${error.message}\n${stderr}`)) : resolve(stdout)),
      );
    });

  it('creates, lists, logs in to and deletes a Spot VM, and copies through Cloud Storage', async () => {
    const keys = sshKeyPair(directory!);
    await gcloud(
      'compute', 'instances', 'create', 'cli-box', `--zone=${ZONE}`, '--machine-type=g2-standard-4', '--provisioning-model=SPOT', '--instance-termination-action=DELETE',
      '--image-family=ubuntu-2204-lts', '--image-project=ubuntu-os-cloud', '--labels=owner=gcloud',
      `--metadata=enable-guest-attributes=TRUE,ssh-keys=carol:${keys.publicKey}`,
    );
    const listed = JSON.parse(await gcloud('compute', 'instances', 'list', '--filter=labels.owner=gcloud', '--format=json')) as Array<{ name: string; status: string; scheduling: { provisioningModel: string } }>;
    assert.deepEqual(listed.map((instance) => [instance.name, instance.status, instance.scheduling.provisioningModel]), [['cli-box', 'RUNNING', 'SPOT']]);

    const ssh = await gcloud('compute', 'ssh', 'carol@cli-box', `--zone=${ZONE}`, `--ssh-key-file=${keys.privateKeyPath}`, '--strict-host-key-checking=yes', '--command=hostname; id -un');
    assert.deepEqual(ssh.trim().split('\n'), ['cli-box', 'carol']);
    const knownHosts = fs.readFileSync(path.join(home, '.ssh', 'google_compute_known_hosts'), 'utf8');
    assert.match(knownHosts, /^compute\.\d+ ssh-ed25519 AAAA/m);

    const file = path.join(home, 'hello.txt');
    fs.writeFileSync(file, 'hello from gcloud\n');
    await gcloud('storage', 'cp', file, `gs://${context!.sandbox.endpoints.gcpBucket}/cli/hello.txt`);
    assert.equal(await gcloud('storage', 'cat', `gs://${context!.sandbox.endpoints.gcpBucket}/cli/hello.txt`), 'hello from gcloud\n');
    assert.match(await gcloud('storage', 'ls', `gs://${context!.sandbox.endpoints.gcpBucket}/cli/`), /gs:\/\/spotbox-sandbox\/cli\/hello\.txt/);

    await gcloud('compute', 'instances', 'delete', 'cli-box', `--zone=${ZONE}`, '--quiet');
    assert.deepEqual(JSON.parse(await gcloud('compute', 'instances', 'list', '--format=json')), []);
  });

  it('creates an instance template and a regional managed instance group, lists its instances and deletes both', async () => {
    const keys = sshKeyPair(directory!, 'id_group');
    await gcloud(
      'compute', 'instance-templates', 'create', 'cli-template', '--machine-type=g2-standard-4', '--provisioning-model=SPOT', '--instance-termination-action=DELETE',
      '--image-family=ubuntu-2204-lts', '--image-project=ubuntu-os-cloud', '--labels=owner=gcloud', `--metadata=ssh-keys=carol:${keys.publicKey}`,
    );
    const template = JSON.parse(await gcloud('compute', 'instance-templates', 'describe', 'cli-template', '--format=json')) as { properties: { machineType: string; scheduling: { provisioningModel: string } } };
    assert.deepEqual([template.properties.machineType, template.properties.scheduling.provisioningModel], ['g2-standard-4', 'SPOT']);

    await gcloud('compute', 'instance-groups', 'managed', 'create', 'cli-group', '--region=us-central1', '--size=1', '--template=cli-template');
    await gcloud('compute', 'instance-groups', 'managed', 'wait-until', 'cli-group', '--region=us-central1', '--stable', '--timeout=120');
    const instances = await eventually('the group VM running', async () => {
      const listed = JSON.parse(await gcloud('compute', 'instance-groups', 'managed', 'list-instances', 'cli-group', '--region=us-central1', '--format=json')) as Array<{ name: string; instanceStatus?: string; currentAction: string }>;
      return listed.length === 1 && listed[0].instanceStatus === 'RUNNING' ? listed : undefined;
    });
    assert.match(instances[0].name, /^cli-group-[a-z0-9]{4}$/);
    assert.equal(instances[0].currentAction, 'NONE');
    assert.deepEqual(JSON.parse(await gcloud('compute', 'instance-groups', 'managed', 'list-errors', 'cli-group', '--region=us-central1', '--format=json')), []);
    const vms = JSON.parse(await gcloud('compute', 'instances', 'list', '--filter=labels.owner=gcloud', '--format=json')) as Array<{ name: string; metadata: { items: Array<{ key: string; value: string }> } }>;
    assert.deepEqual(vms.map((vm) => vm.name), [instances[0].name]);
    assert.ok(vms[0].metadata.items.some((item) => item.key === 'created-by' && item.value.endsWith('/regions/us-central1/instanceGroupManagers/cli-group')));

    await gcloud('compute', 'instance-groups', 'managed', 'delete', 'cli-group', '--region=us-central1', '--quiet');
    assert.deepEqual(JSON.parse(await gcloud('compute', 'instances', 'list', '--format=json')), []);
    await gcloud('compute', 'instance-templates', 'delete', 'cli-template', '--quiet');
    assert.deepEqual(JSON.parse(await gcloud('compute', 'instance-templates', 'list', '--format=json')), []);
  });
});
