import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BoxEndpoint } from '../src/core/attach/boxEndpoint';
import type { Box } from '../src/core/boxes/box';
import type { RunningSandbox } from '../sandbox/sandbox';
import { runAzureClient } from '../test/sandbox/azure/azureHarness';
import type { AzureEviction } from '../test/sandbox/azure/azureScaleSetWatch';
import { BOX_WORKSPACE, WORKSPACES } from '../test/sandbox/recovery/recoveryHarness';
import { percentile, seconds } from './stats';

const OWNER = 'bench-azure-owner';
const PREFIX = 'bench-azure';

/**
 * `bench:recovery --cloud azure`: Spot eviction on Azure with no editor. The box is a Spot scale
 * set of one with Try & Restore; each cycle evicts its instance (a Preempt Scheduled Event 30 s
 * ahead), the agent checkpoints to Blob storage and then acknowledges, Azure restores the instance,
 * and the new one restores itself and restarts the trainer (examples/pytorch-loop, a plain PyTorch
 * loop that saves on SIGTERM). Spotbox's side runs as the editor runs it: a Node process with the
 * sandbox's environment (its CA is trusted only from a process's start). Prints per cycle eviction
 * notice -> checkpoint committed, -> new instance running, -> resumed, and the steps lost; then
 * what the sweep finds after Terminate Box.
 */
export async function azureCycles(sandbox: RunningSandbox, directory: string, options: { cycles: number }): Promise<number> {
  const context = { sandbox };
  const keyDirectory = fs.mkdtempSync(path.join(directory, 'keys-'));
  const { azureStorageAccount: account, azureContainer: container, azureBlob: blobEndpoint, control } = sandbox.endpoints as unknown as Record<string, string>;
  const command = `python3 ${BOX_WORKSPACE}/train.py --total-steps 100000000 --step-seconds 0.02 >> ~/trainer.log 2>&1`;
  const profile = JSON.stringify({ name: 'bench-azure', cloud: 'azure', regions: ['eastus'], instanceTypes: ['Standard_NC4as_T4_v3'], maxPrice: 2, checkpoint: { bucket: `${account}/${container}`, prefix: PREFIX, directory: '~/ckpt', signal: 'SIGUSR1', noticeSignal: 'SIGTERM' }, session: { command, stepFile: '~/step' } });
  console.log(`Azure, no editor: a Spot scale set of one with Try & Restore, the new instance restores itself. Trainer ${BOX_WORKSPACE}/train.py (examples/pytorch-loop)`);
  const launched = await runAzureClient<{ lineage: string; box: Box; endpoint: BoxEndpoint }>(context, ['launch', profile, keyDirectory, OWNER, WORKSPACES.pytorchLoop], 600_000);
  if (launched.error) throw new Error(`launch: ${launched.error}`);
  let box = launched.box;
  const rows: Array<{ checkpoint: number; running: number; resumed: number; lost: number }> = [];
  let failures = 0;
  for (let cycle = 1; cycle <= options.cycles; cycle++) {
    // Let the trainer get going (and, after a resume, step past the restored step).
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    const seen = await runAzureClient<AzureEviction>(context, ['evict-and-watch', JSON.stringify(box), keyDirectory, control, blobEndpoint, container, `${PREFIX}/${launched.lineage}/`], 400_000);
    if (seen.error) {
      failures++;
      console.log(`cycle ${cycle}: FAILED ${seen.error}`);
      break;
    }
    const lost = Math.max(0, seen.stoppedAt - seen.resumedStep);
    rows.push({ checkpoint: seen.checkpointAt - seen.evictedAt, running: seen.replacementRunningAt - seen.evictedAt, resumed: seen.boot.resumedAt! - seen.evictedAt, lost });
    const row = rows.at(-1)!;
    console.log(`cycle ${cycle}: notice->checkpoint ${seconds(row.checkpoint)}, ->new instance running ${seconds(row.running)}, ->resumed ${seconds(row.resumed)}, steps lost ${lost} (saved at ${seen.stoppedAt}, resumed at ${seen.resumedStep})`);
    box = seen.replacement;
  }
  const terminated = await runAzureClient<{ terminated: boolean }>(context, ['terminate', JSON.stringify(box), keyDirectory, OWNER]);
  if (terminated.error) failures++;
  const swept = await runAzureClient<{ found: string[] }>(context, ['sweep', keyDirectory, OWNER]);
  const column = (pick: (row: (typeof rows)[number]) => number): string => `p50 ${seconds(percentile(rows.map(pick), 50))}, max ${seconds(Math.max(...rows.map(pick)))}`;
  if (rows.length > 0) {
    console.log(`\n${rows.length} cycle(s): eviction notice->checkpoint committed ${column((row) => row.checkpoint)} (Azure gives 30 s)`);
    console.log(`notice->new instance running ${column((row) => row.running)}; notice->resumed ${column((row) => row.resumed)}`);
    console.log(`steps lost: ${rows.map((row) => row.lost).join(', ')}`);
  }
  console.log(`orphans after Terminate Box: ${swept.found?.length ?? 'unknown'}; failures: ${failures}`);
  return failures + (swept.found?.length ?? 1);
}
