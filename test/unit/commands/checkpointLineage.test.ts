import * as assert from 'node:assert/strict';
import { checkpointLineageOf, requireCheckpointingBox, type CheckpointCommandDeps } from '../../../src/commands/checkpoint/checkpointLineage';
import type { Box } from '../../../src/core/boxes/box';
import { SpotboxError } from '../../../src/core/errors';
import type { LineageRecord } from '../../../src/core/recovery/recoveryTypes';

const azureBox: Box = { cloud: 'azure', instanceId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/llama_1', name: 'llama', region: 'eastus', availabilityZone: 'eastus', instanceType: 'Standard_NC4as_T4_v3', lifecycle: 'spot', state: 'running', lineage: 'llama-1' };
const awsBox: Box = { cloud: 'aws', instanceId: 'i-0abc', name: 'llama', region: 'us-east-1', availabilityZone: 'us-east-1a', instanceType: 'g5.xlarge', lifecycle: 'spot', state: 'running' };

function deps(record?: LineageRecord): CheckpointCommandDeps {
  return { lineages: { findByInstance: async () => record } } as unknown as CheckpointCommandDeps;
}

describe('Checkpoint Now and Restore Checkpoint: which boxes checkpoint', () => {
  it('a Google Cloud or Azure box with a lineage tag may Checkpoint Now (its agent knows its bucket; no lineage file is kept for it)', async () => {
    await requireCheckpointingBox(deps(), azureBox);
    await requireCheckpointingBox(deps(), { ...azureBox, cloud: 'gcp', instanceId: 'llama-1' });
  });

  it('refuses a box launched without checkpoint settings, with the next step', async () => {
    await assert.rejects(requireCheckpointingBox(deps(), { ...azureBox, lineage: undefined }), (error: SpotboxError) => /launched without checkpoint settings/.test(error.message) && /"checkpoint" block/.test(error.nextStep ?? ''));
    await assert.rejects(requireCheckpointingBox(deps(), awsBox), /has no checkpoint settings/);
    await requireCheckpointingBox(deps({ lineage: 'l', checkpoint: { bucket: 'b', prefix: 'p' } } as LineageRecord), awsBox);
  });

  it('Restore Checkpoint says where a Google Cloud or Azure box\'s checkpoints are and what happens to them, instead of "no checkpoint settings"', async () => {
    await assert.rejects(checkpointLineageOf(deps(), azureBox), (error: SpotboxError) => /on Azure, whose checkpoints are in Blob storage/.test(error.message) && /restores the newest checkpoint by itself/.test(error.nextStep ?? ''));
  });
});
