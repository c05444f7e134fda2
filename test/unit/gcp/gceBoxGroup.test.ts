import * as assert from 'node:assert/strict';
import { ComputeClient } from '../../../src/core/gcp/computeClient';
import { buildBoxGroup, groupOfInstance } from '../../../src/core/gcp/gceBoxGroup';
import { GceError } from '../../../src/core/gcp/gceErrors';
import { launchSpotGroup } from '../../../src/core/gcp/gceGroupLaunch';
import { buildSpotTemplate } from '../../../src/core/gcp/gceInstanceRequest';
import { FakeGoogle, testHttp } from './fakeGoogle';

const P = '/compute/v1/projects/proj-1';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me';
const base = { name: 'box-1', image: 'projects/debian-cloud/global/images/family/debian-12', diskSizeGb: 50, sshUser: 'spotbox', sshPublicKey: KEY, labels: { box: 'box', owner: 'o1', lineage: 'box-l1' } };
const V1 = 'https://www.googleapis.com/compute/v1/projects/proj-1';

describe('A box kept by a managed instance group (GCE requests and the launch over regions)', () => {
  it('builds a template with bare type names, the Spot scheduling and the ownership labels', () => {
    const template = buildSpotTemplate({ ...base, project: 'proj-1', machineType: 'g2-standard-4' });
    assert.equal(template.name, 'box-1');
    assert.equal(template.properties.machineType, 'g2-standard-4');
    assert.equal(template.properties.disks[0].initializeParams?.diskType, 'pd-balanced');
    assert.deepEqual(template.properties.scheduling, { provisioningModel: 'SPOT', instanceTerminationAction: 'DELETE', onHostMaintenance: 'TERMINATE', automaticRestart: false });
    assert.equal(template.properties.labels?.['spotbox-owner'], 'o1');
    assert.equal(template.properties.labels?.['spotbox-lineage'], 'box-l1');
    assert.deepEqual(template.properties.tags, { items: ['spotbox-box-1'] });
    assert.ok(template.properties.metadata?.items.some((item) => item.key === 'ssh-keys' && item.value.startsWith('spotbox:ssh-ed25519 ')));
  });

  it('builds a group of one over the zones, one VM in a single zone, and a flexibility policy for several types', () => {
    const one = buildBoxGroup({ name: 'box-1', region: 'us-central1', zones: ['us-central1-a', 'us-central1-b'], machineTypes: ['g2-standard-4'], boxName: 'box' });
    assert.equal(one.targetSize, 1);
    assert.equal(one.instanceTemplate, 'global/instanceTemplates/box-1');
    assert.deepEqual(one.distributionPolicy, { zones: [{ zone: 'zones/us-central1-a' }, { zone: 'zones/us-central1-b' }], targetShape: 'ANY_SINGLE_ZONE' });
    assert.equal(one.updatePolicy?.instanceRedistributionType, 'NONE');
    assert.equal(one.instanceFlexibilityPolicy, undefined);
    const two = buildBoxGroup({ name: 'box-1', region: 'us-central1', zones: ['us-central1-a'], machineTypes: ['g2-standard-4', 'g2-standard-8'], boxName: 'box' });
    assert.deepEqual(two.instanceFlexibilityPolicy, { instanceSelections: { 'choice-1': { machineTypes: ['g2-standard-4'], rank: 1 }, 'choice-2': { machineTypes: ['g2-standard-8'], rank: 2 } } });
  });

  it('reads the group of a VM from the created-by metadata Google writes, and nothing from other metadata', () => {
    assert.deepEqual(groupOfInstance([{ key: 'created-by', value: 'projects/318846218846/regions/us-central1/instanceGroupManagers/box-1' }]), { region: 'us-central1', name: 'box-1' });
    assert.equal(groupOfInstance([{ key: 'created-by', value: 'projects/1/zones/us-central1-a/instanceGroupManagers/x' }]), undefined);
    assert.equal(groupOfInstance([{ key: 'startup-script', value: 'regions/us-central1/instanceGroupManagers/x' }]), undefined);
    assert.equal(groupOfInstance(undefined), undefined);
  });

  describe('launchSpotGroup', () => {
    let google: FakeGoogle;
    let compute: ComputeClient;
    beforeEach(async () => {
      google = await new FakeGoogle().start();
      compute = new ComputeClient({ http: testHttp().http, endpoint: `${google.url}/compute/v1/`, project: 'proj-1', sleep: async () => undefined });
      google.on('POST', `${P}/global/instanceTemplates`, { body: { name: 'op-t', status: 'DONE' } });
      google.on('DELETE', `${P}/global/instanceTemplates/box-1`, { body: { name: 'op-td', status: 'DONE' } });
    });
    afterEach(() => google.close());
    const regionOp = (region: string, name: string) => ({ body: { name, status: 'DONE', region: `${V1}/regions/${region}` } });
    const exhausted = (zone: string) => ({ error: { code: 'ZONE_RESOURCE_POOL_EXHAUSTED', message: `The zone 'projects/proj-1/zones/${zone}' does not have enough resources available to fulfill the request.` }, instanceActionDetails: { action: 'CREATING', instance: `${V1}/zones/${zone}/instances/box-1-abcd` } });

    it('moves to the next region once the group has failed in every zone of the first, removing that group', async () => {
      google.on('POST', `${P}/regions/us-east1/instanceGroupManagers`, regionOp('us-east1', 'op-g1'));
      google.on('POST', `${P}/regions/us-east1/instanceGroupManagers/box-1/listManagedInstances`, { body: { managedInstances: [{ instance: `${V1}/zones/us-east1-b/instances/box-1-abcd`, currentAction: 'CREATING' }] } });
      google.on('GET', `${P}/regions/us-east1/instanceGroupManagers/box-1/listErrors`, { body: { items: [exhausted('us-east1-b'), exhausted('us-east1-c')] } });
      google.on('DELETE', `${P}/regions/us-east1/instanceGroupManagers/box-1`, regionOp('us-east1', 'op-gd'));
      google.on('POST', `${P}/regions/us-central1/instanceGroupManagers`, regionOp('us-central1', 'op-g2'));
      google.on('POST', `${P}/regions/us-central1/instanceGroupManagers/box-1/listManagedInstances`, { body: { managedInstances: [{ instance: `${V1}/zones/us-central1-a/instances/box-1-wxyz`, name: 'box-1-wxyz', instanceStatus: 'RUNNING', currentAction: 'NONE' }] } });
      google.on('GET', `${P}/regions/us-central1/instanceGroupManagers/box-1/listErrors`, { body: {} });
      google.on('GET', `${P}/zones/us-central1-a/instances/box-1-wxyz`, { body: { name: 'box-1-wxyz', status: 'RUNNING', machineType: `${V1}/zones/us-central1-a/machineTypes/g2-standard-4` } });
      const recorded: string[] = [];
      const result = await launchSpotGroup(compute, base, [{ zone: 'us-east1-b', machineType: 'g2-standard-4' }, { zone: 'us-east1-c', machineType: 'g2-standard-4' }, { zone: 'us-central1-a', machineType: 'g2-standard-4' }], {
        deadline: Date.now() + 60_000,
        pollMs: 1,
        record: (description) => recorded.push(description),
      });
      assert.equal(result.instance.name, 'box-1-wxyz');
      assert.equal(result.placement.zone, 'us-central1-a');
      assert.equal(result.skipped.length, 2);
      assert.deepEqual(recorded, ['instance template box-1', 'managed instance group box-1 in us-east1', 'managed instance group box-1 in us-central1']);
      assert.ok(google.requests.some((request) => request.method === 'DELETE' && request.path === `${P}/regions/us-east1/instanceGroupManagers/box-1`), 'the first region\'s group was removed');
      const template = JSON.parse(google.requests.find((request) => request.path === `${P}/global/instanceTemplates`)!.body.toString('utf8')) as { properties: { machineType: string } };
      assert.equal(template.properties.machineType, 'g2-standard-4');
    });

    it('stops at a quota failure of the group and names the quota', async () => {
      google.on('POST', `${P}/regions/us-central1/instanceGroupManagers`, regionOp('us-central1', 'op-g'));
      google.on('POST', `${P}/regions/us-central1/instanceGroupManagers/box-1/listManagedInstances`, { body: { managedInstances: [{ currentAction: 'CREATING' }] } });
      google.on('GET', `${P}/regions/us-central1/instanceGroupManagers/box-1/listErrors`, { body: { items: [{ error: { code: 'QUOTA_EXCEEDED', message: "Quota 'PREEMPTIBLE_NVIDIA_L4_GPUS' exceeded.  Limit: 0.0 in region us-central1." } }] } });
      await assert.rejects(
        launchSpotGroup(compute, base, [{ zone: 'us-central1-a', machineType: 'g2-standard-4' }, { zone: 'us-east1-b', machineType: 'g2-standard-4' }], { deadline: Date.now() + 60_000, pollMs: 1, record: () => undefined }),
        (error: unknown) => error instanceof GceError && error.problem === 'quota' && error.quota === 'PREEMPTIBLE_NVIDIA_L4_GPUS',
      );
      assert.ok(!google.requests.some((request) => request.path.includes('/regions/us-east1/')), 'no other region is tried');
    });
  });
});
