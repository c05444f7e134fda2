import * as assert from 'node:assert/strict';
import type { ComputeClient } from '../../../src/core/gcp/computeClient';
import type { Instance } from '../../../src/core/gcp/computeTypes';
import { boxFromGceInstance, GceBoxSource } from '../../../src/core/gcp/gceBoxSource';

const ZONE_URL = 'https://compute.googleapis.com/compute/v1/projects/p-123456/zones/us-central1-a';
const instance: Instance = {
  id: '123',
  name: 'llama-ft-3f9a1c',
  zone: ZONE_URL,
  machineType: `${ZONE_URL}/machineTypes/g2-standard-4`,
  status: 'RUNNING',
  creationTimestamp: '2026-12-07T03:00:00.000-08:00',
  labels: { 'spotbox-managed': 'true', 'spotbox-box': 'llama-ft', 'spotbox-ssh-user': 'ubuntu', 'spotbox-session': 'abc-1', 'spotbox-lineage': 'llama-ft-1' },
  metadata: { items: [{ key: 'spotbox-workspace-dir', value: '~/workspace' }] },
  networkInterfaces: [{ accessConfigs: [{ type: 'ONE_TO_ONE_NAT', natIP: '34.1.2.3' }] }],
  scheduling: { provisioningModel: 'SPOT', instanceTerminationAction: 'DELETE' },
};

describe('GCE instances as boxes (gceBoxSource)', () => {
  it('reads a Spot VM: its name as id, its zone and region, type, labels, address and workspace', () => {
    assert.deepEqual(boxFromGceInstance(instance, 0.24), {
      cloud: 'gcp',
      instanceId: 'llama-ft-3f9a1c',
      name: 'llama-ft',
      region: 'us-central1',
      availabilityZone: 'us-central1-a',
      instanceType: 'g2-standard-4',
      lifecycle: 'spot',
      state: 'running',
      hourlyPriceUsd: 0.24,
      launchTime: Date.parse('2026-12-07T11:00:00Z'),
      publicIp: '34.1.2.3',
      keyName: 'llama-ft-3f9a1c',
      sshUser: 'ubuntu',
      workspaceDir: '~/workspace',
      sessionId: 'abc-1',
      lineage: 'llama-ft-1',
    });
  });

  it("names the key after the group for a group's VM (Google's created-by), after the instance otherwise", () => {
    const managed = { ...instance, name: 'llama-ft-3f9a1c-x7k2', metadata: { items: [{ key: 'created-by', value: 'projects/318846218846/regions/us-central1/instanceGroupManagers/llama-ft-3f9a1c' }] } };
    assert.equal(boxFromGceInstance(managed).keyName, 'llama-ft-3f9a1c');
    assert.equal(boxFromGceInstance(managed).instanceId, 'llama-ft-3f9a1c-x7k2');
  });

  it('maps GCE statuses onto box states (STOPPING is a preemption under way)', () => {
    const states = (['PROVISIONING', 'STAGING', 'RUNNING', 'STOPPING', 'TERMINATED'] as const).map((status) => boxFromGceInstance({ ...instance, status }).state);
    assert.deepEqual(states, ['pending', 'pending', 'running', 'stopping', 'terminated']);
    assert.equal(boxFromGceInstance({ ...instance, scheduling: { provisioningModel: 'STANDARD' } }).lifecycle, 'on-demand');
  });

  it("lists the project's Spotbox instances in one filtered aggregated call, pricing spot boxes and naming unreachable zones", async () => {
    const filters: Array<string | undefined> = [];
    const compute = {
      project: 'p-123456',
      aggregatedListInstances: async (filter?: string) => {
        filters.push(filter);
        return { instances: [instance], unreachable: ['zones/asia-east1-b'] };
      },
    } as unknown as ComputeClient;
    const source = new GceBoxSource(async () => compute, 'p-123456', async (region, type) => (region === 'us-central1' && type === 'g2-standard-4' ? 0.3 : undefined));
    const boxes = await source.listBoxes();
    assert.deepEqual(filters, ['(labels.spotbox-managed = "true") AND (status != TERMINATED)']);
    assert.deepEqual(boxes.map((box) => [box.instanceId, box.hourlyPriceUsd]), [['llama-ft-3f9a1c', 0.3]]);
    assert.deepEqual(source.lastProblems, ['asia-east1-b: not reachable right now']);
  });
});
