import * as assert from 'node:assert/strict';
import type { Box } from '../../../src/core/boxes/box';
import type { CloudId } from '../../../src/core/cloud/clouds';
import { MultiCloudBoxSource, type CloudBoxSource } from '../../../src/core/boxes/multiCloudBoxSource';
import { SpotboxError } from '../../../src/core/errors';

const box = (cloud: CloudId, instanceId: string): Box => ({ cloud, instanceId, name: instanceId, region: cloud === 'aws' ? 'us-east-1' : 'us-central1', availabilityZone: 'z', instanceType: 't', lifecycle: 'spot', state: 'running' });

function cloudSource(cloud: CloudId, outcome: Box[] | Error, lastProblems: string[] = []): CloudBoxSource {
  return { cloud, description: `${cloud} boxes`, lastProblems, listBoxes: async () => (outcome instanceof Error ? Promise.reject(outcome) : outcome) };
}

describe('MultiCloudBoxSource (every connected cloud in one tree)', () => {
  it('lists the boxes of every cloud, each cloud read apart', async () => {
    const source = new MultiCloudBoxSource([cloudSource('aws', [box('aws', 'i-1')]), cloudSource('gcp', [box('gcp', 'vm-1'), box('gcp', 'vm-2')])]);
    assert.deepEqual((await source.listBoxes()).map((b) => `${b.cloud}/${b.instanceId}`), ['aws/i-1', 'gcp/vm-1', 'gcp/vm-2']);
    assert.equal(source.description, 'aws boxes + gcp boxes');
    assert.deepEqual(source.lastProblems, []);
  });

  it('still shows the other clouds when one fails, and names the failed cloud and its regions', async () => {
    const source = new MultiCloudBoxSource([cloudSource('aws', [box('aws', 'i-1')], ['eu-west-1: throttled']), cloudSource('gcp', new SpotboxError('no credentials'))]);
    assert.deepEqual((await source.listBoxes()).map((b) => b.instanceId), ['i-1']);
    assert.deepEqual(source.lastProblems, ['AWS: eu-west-1: throttled', 'Google Cloud: no credentials']);
  });

  it('fails with the first cloud’s own error when every cloud fails', async () => {
    const source = new MultiCloudBoxSource([cloudSource('aws', new SpotboxError('expired SSO login: run aws sso login')), cloudSource('gcp', new Error('socket hang up'))]);
    await assert.rejects(source.listBoxes(), /expired SSO login: run aws sso login/);
  });

  it('does not prefix problems with the cloud when only one is connected', async () => {
    const source = new MultiCloudBoxSource([cloudSource('aws', [], ['us-west-2: denied'])]);
    await source.listBoxes();
    assert.deepEqual(source.lastProblems, ['us-west-2: denied']);
  });
});
