import * as assert from 'node:assert/strict';
import { SpotboxError } from '../../../src/core/errors';
import { GcpApiError, parseGcpError } from '../../../src/core/gcp/gcpApiError';
import { classifyGceError, GceError, GceOperationError, quotaOf, toGceError } from '../../../src/core/gcp/gceErrors';
import { boxFirewallName, buildBoxFirewall } from '../../../src/core/gcp/gceFirewallRequest';
import { boxNetworkTag, buildSpotInstance, type GceSpotBoxSpec } from '../../../src/core/gcp/gceInstanceRequest';
import { labelFilter, labelValue, LABELS } from '../../../src/core/gcp/gceLabels';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl spotbox@laptop';
const DLVM = 'projects/deeplearning-platform-release/global/images/family/common-cu124-debian-11-py310';

const spec = (extra: Partial<GceSpotBoxSpec> = {}): GceSpotBoxSpec => ({
  name: 'spotbox-llama-0a1b',
  project: 'proj-1',
  zone: 'us-central1-a',
  machineType: 'a2-highgpu-1g',
  image: DLVM,
  diskSizeGb: 200,
  sshUser: 'spotbox',
  sshPublicKey: KEY,
  startupScript: '#!/bin/bash\necho hi\n',
  labels: { box: 'llama', owner: 'a1b2c3d4e5f6', session: 'S-20261207', lineage: 'llama-0a1b2c3d' },
  workspaceDir: '/home/spotbox/workspace',
  ...extra,
});

describe('GCE request bodies', () => {
  it('builds a Spot instance that is deleted on preemption, with labels, metadata and its network tag', () => {
    const body = buildSpotInstance(spec());
    assert.deepEqual(body.scheduling, { provisioningModel: 'SPOT', instanceTerminationAction: 'DELETE', onHostMaintenance: 'TERMINATE', automaticRestart: false });
    assert.equal(body.machineType, 'zones/us-central1-a/machineTypes/a2-highgpu-1g');
    assert.equal(body.guestAccelerators, undefined, 'A2 carries its GPUs');
    assert.deepEqual(body.labels, {
      'spotbox-managed': 'true',
      'spotbox-box': 'llama',
      'spotbox-owner': 'a1b2c3d4e5f6',
      'spotbox-session': 's-20261207',
      'spotbox-lineage': 'llama-0a1b2c3d',
      'spotbox-ssh-user': 'spotbox',
    });
    for (const [key, value] of Object.entries(body.labels ?? {})) {
      assert.match(key, /^[a-z][a-z0-9_-]{0,62}$/);
      assert.match(value, /^[a-z0-9_-]{0,63}$/);
    }
    assert.deepEqual(body.tags, { items: ['spotbox-spotbox-llama-0a1b'] });
    assert.deepEqual(body.metadata?.items, [
      { key: 'ssh-keys', value: `spotbox:${KEY}` },
      { key: 'enable-guest-attributes', value: 'TRUE' },
      { key: 'startup-script', value: '#!/bin/bash\necho hi\n' },
      { key: 'install-nvidia-driver', value: 'True' },
      { key: 'spotbox-workspace-dir', value: '/home/spotbox/workspace' },
    ]);
    assert.deepEqual(body.disks, [
      {
        boot: true,
        autoDelete: true,
        type: 'PERSISTENT',
        initializeParams: { sourceImage: DLVM, diskSizeGb: '200', diskType: 'zones/us-central1-a/diskTypes/pd-balanced', labels: body.labels },
      },
    ]);
    assert.deepEqual(body.networkInterfaces, [{ network: 'global/networks/default', accessConfigs: [{ type: 'ONE_TO_ONE_NAT', name: 'External NAT' }] }]);
  });

  it('attaches T4/V100 to N1 through guestAccelerators, and refuses them elsewhere', () => {
    const body = buildSpotInstance(spec({ machineType: 'n1-standard-8', accelerator: { type: 'nvidia-tesla-t4', count: 1 } }));
    assert.deepEqual(body.guestAccelerators, [{ acceleratorType: 'projects/proj-1/zones/us-central1-a/acceleratorTypes/nvidia-tesla-t4', acceleratorCount: 1 }]);
    assert.throws(() => buildSpotInstance(spec({ machineType: 'g2-standard-4', accelerator: { type: 'nvidia-tesla-t4', count: 1 } })), /g2-standard-4 carries its own GPUs/);
    assert.throws(() => buildSpotInstance(spec({ machineType: 'n1-standard-8', accelerator: { type: 'nvidia-l4', count: 1 } })), /not a GPU that attaches to N1/);
    assert.throws(() => buildSpotInstance(spec({ machineType: 'n1-standard-8', accelerator: { type: 'nvidia-tesla-t4', count: 3 } })), /1, 2, 4 or 8/);
  });

  it('refuses names, zones and keys Google would refuse', () => {
    assert.throws(() => buildSpotInstance(spec({ name: 'Box_1' })), /not a GCE instance name/);
    assert.throws(() => buildSpotInstance(spec({ zone: 'us-central1' })), /not a zone/);
    assert.throws(() => buildSpotInstance(spec({ sshPublicKey: 'ssh-ed25519 AAAA\nssh-rsa BBBB' })), /not one OpenSSH public key line/);
  });

  it('makes label values legal and filters by labels as Compute expects', () => {
    assert.equal(labelValue('Alice.Smith@Example'), 'alice_smith_example');
    assert.equal(labelValue('x'.repeat(80)).length, 63);
    assert.equal(LABELS.sshUser, 'spotbox-ssh-user');
    assert.equal(labelFilter({ 'spotbox-managed': 'true', 'spotbox-owner': 'abc' }, ['status = RUNNING']), '(labels.spotbox-managed = "true") AND (labels.spotbox-owner = "abc") AND (status = RUNNING)');
  });

  it('builds the per-box firewall rule: tcp:22 from the caller\'s /32 only, to the box\'s tag', () => {
    assert.deepEqual(buildBoxFirewall({ boxName: 'spotbox-llama-0a1b', callerIp: ' 203.0.113.7 ' }), {
      name: 'spotbox-ssh-spotbox-llama-0a1b',
      description: 'Spotbox: SSH to spotbox-llama-0a1b from the launching machine only.',
      network: 'global/networks/default',
      direction: 'INGRESS',
      priority: 1000,
      sourceRanges: ['203.0.113.7/32'],
      targetTags: [boxNetworkTag('spotbox-llama-0a1b')],
      allowed: [{ IPProtocol: 'tcp', ports: ['22'] }],
    });
    assert.deepEqual(buildBoxFirewall({ boxName: 'b', callerIp: '2001:db8::1' }).sourceRanges, ['2001:db8::1/128']);
    assert.throws(() => buildBoxFirewall({ boxName: 'b', callerIp: '0.0.0.0/0' }), /not an IP address/);
    assert.ok(boxFirewallName('x'.repeat(70)).length <= 63);
  });
});

describe('GCE errors', () => {
  const context = { action: 'Creating spotbox-llama in us-central1-a', project: 'proj-1', zone: 'us-central1-a' };

  it('an operation\'s QUOTA_EXCEEDED names the quota and region and how to raise it', () => {
    const error = new GceOperationError('operation-1', 'insert', [
      {
        code: 'QUOTA_EXCEEDED',
        message: "Quota 'PREEMPTIBLE_NVIDIA_A100_GPUS' exceeded.  Limit: 0.0 in region us-central1.",
        errorDetails: [{ quotaInfo: { metricName: 'compute.googleapis.com/preemptible_nvidia_a100_gpus', limitName: 'PREEMPTIBLE-NVIDIA-A100-GPUS-per-project-region', dimensions: { region: 'us-central1' }, limit: 0 } }],
      },
    ]);
    assert.equal(classifyGceError(error), 'quota');
    const user = toGceError(error, context);
    assert.ok(user instanceof GceError);
    assert.equal(user.problem, 'quota');
    assert.equal(user.quota, 'PREEMPTIBLE_NVIDIA_A100_GPUS');
    assert.equal(user.region, 'us-central1');
    assert.match(user.message, /over its PREEMPTIBLE_NVIDIA_A100_GPUS quota in us-central1 \(limit 0\)/);
    assert.match(user.nextStep ?? '', /console\.cloud\.google\.com\/iam-admin\/quotas\?project=proj-1/);
    assert.match(user.nextStep ?? '', /gcloud compute regions describe us-central1 --project proj-1/);
  });

  it('an HTTP 403 quotaExceeded is a quota problem, its name read from the message', () => {
    const error = parseGcpError(403, JSON.stringify({ error: { code: 403, message: "Quota 'GPUS_ALL_REGIONS' exceeded.  Limit: 1.0 globally.", errors: [{ message: "Quota 'GPUS_ALL_REGIONS' exceeded.  Limit: 1.0 globally.", domain: 'usageLimits', reason: 'quotaExceeded' }] } }));
    assert.equal(classifyGceError(error), 'quota');
    assert.deepEqual(quotaOf(error), { quota: 'GPUS_ALL_REGIONS', limit: 1 });
  });

  it('no capacity: the resource pool codes, and a failed operation with 503', () => {
    for (const code of ['ZONE_RESOURCE_POOL_EXHAUSTED', 'ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS']) {
      assert.equal(classifyGceError(new GceOperationError('o', 'insert', [{ code, message: 'm' }])), 'no-capacity');
    }
    assert.equal(classifyGceError(new GceOperationError('o', 'insert', [{ code: 'SOMETHING_NEW', message: 'm' }], 503)), 'no-capacity');
    const user = toGceError(new GceOperationError('o', 'insert', [{ code: 'ZONE_RESOURCE_POOL_EXHAUSTED', message: 'm' }]), context);
    assert.equal((user as GceError).problem, 'no-capacity');
    assert.equal((user as GceError).zone, 'us-central1-a');
  });

  it('401 is an auth problem with the login as the next step; other bodies keep their text', () => {
    const auth = toGceError(parseGcpError(401, JSON.stringify({ error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } })), context);
    assert.equal((auth as GceError).problem, 'auth');
    assert.match(auth.nextStep ?? '', /gcloud auth application-default login/);
    const html = parseGcpError(502, '<html>Bad Gateway</html>');
    assert.ok(html instanceof GcpApiError);
    assert.equal(html.message, 'HTTP 502: <html>Bad Gateway</html>');
    const passThrough = new SpotboxError('already clear');
    assert.equal(toGceError(passThrough, context), passThrough);
  });
});
