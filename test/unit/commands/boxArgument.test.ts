import * as assert from 'node:assert/strict';
import { knownBoxOf } from '../../../src/commands/boxArgument';
import type { Box } from '../../../src/core/boxes/box';

const box = (instanceId: string, region = 'us-east-1'): Box => ({ cloud: 'aws', instanceId, name: 'llama', region, availabilityZone: `${region}a`, instanceType: 'g5.xlarge', lifecycle: 'spot', state: 'running' });

describe('knownBoxOf (box arguments from the tree, or from another extension)', () => {
  const listed = [box('i-0123456789abcdef0'), box('i-0fedcba9876543210', 'eu-west-1')];

  it('answers the store\'s own box for a tree node or an instance id, whatever else the argument claims', () => {
    const forged = { kind: 'box', box: { ...listed[0], name: 'renamed', publicIp: '198.51.100.9', keyName: '../../etc/x' } };
    assert.equal(knownBoxOf(listed, forged), listed[0]);
    assert.equal(knownBoxOf(listed, 'i-0fedcba9876543210'), listed[1]);
    assert.equal(knownBoxOf(listed, undefined), undefined, 'no argument: the caller asks');
  });

  it('refuses a box Spotbox does not list, a region that does not match, and things that are not boxes', () => {
    for (const argument of [{ kind: 'box', box: box('i-0aaaaaaaaaaaaaaaa') }, { kind: 'box', box: { ...listed[0], region: 'us-west-2' } }, { kind: 'box' }, 42, { instanceId: 'i-0123456789abcdef0' }]) {
      assert.throws(() => knownBoxOf(listed, argument), /nothing was done/, JSON.stringify(argument));
    }
  });

  it('answers a Compute Engine or Azure box from its tree node (their ids are an instance name and a resource id), on its own cloud only', () => {
    const gce: Box = { ...box('three-gcp', 'us-central1'), cloud: 'gcp', availabilityZone: 'us-central1-a', instanceType: 'g2-standard-4' };
    const azureId = '/subscriptions/ae15450e-8854-42fa-8d9c-1f2376c3fe3b/resourceGroups/spotbox-three-azure-1a2b3c/providers/Microsoft.Compute/virtualMachines/three-azure';
    const azure: Box = { ...box(azureId, 'eastus'), cloud: 'azure', availabilityZone: 'eastus', instanceType: 'Standard_NC4as_T4_v3' };
    const boxes = [...listed, gce, azure];
    assert.equal(knownBoxOf(boxes, { kind: 'box', box: gce }), gce);
    assert.equal(knownBoxOf(boxes, { kind: 'box', box: azure }), azure);
    assert.throws(() => knownBoxOf(boxes, { kind: 'box', box: { ...gce, cloud: 'aws' } }), /three-gcp is not a box Spotbox lists; nothing was done/);
    assert.throws(() => knownBoxOf(boxes, { kind: 'box', box: { ...gce, instanceId: '' } }), /not a box; nothing was done/);
    assert.throws(() => knownBoxOf(boxes, { kind: 'box', box: { ...gce, instanceId: 'x'.repeat(2000) } }), /not a box; nothing was done/);
  });
});
