import * as fs from 'node:fs';
import * as path from 'node:path';
import { createGcpClients } from '../src/core/gcp/gcpClients';
import { terminateGceBox } from '../src/core/gcp/gceTerminate';
import { findOrphans } from '../src/core/hygiene/findOrphans';
import { GCE_SWEEP_SCOPE, gceHygieneCloud } from '../src/core/hygiene/gceHygieneCloud';
import { silentLogger } from '../src/core/logging/logger';
import { parseProfile } from '../src/core/profile/parseProfile';
import { launchGceProfile } from '../src/core/profileLaunch/launchGceProfile';
import type { RunningSandbox } from '../sandbox/sandbox';
import { assembleAgentForTests } from '../test/assembledAgent';
import { preemptAndWatch } from '../test/sandbox/gcp/gcpGroupWatch';
import { BOX_WORKSPACE, WORKSPACES } from '../test/sandbox/recovery/recoveryHarness';
import { percentile, seconds } from './stats';

const OWNER = 'bench-gcp-owner';
const BUCKET = 'spotbox-sandbox';

/**
 * `bench:recovery --cloud gcp`: Spot preemption on Google Cloud with no editor. The box is kept by
 * a managed instance group of one; each cycle preempts its VM (GCE: the notice and the soft off at
 * once, the hard off 30 s later), the agent checkpoints to Cloud Storage, the group recreates the
 * VM, and the new VM restores itself and restarts the trainer (examples/pytorch-loop, a plain
 * PyTorch loop that saves on SIGTERM). Prints per cycle preemption -> checkpoint committed,
 * -> new VM running, -> resumed, and the steps lost; then orphans left after Terminate Box.
 */
export async function gcpCycles(sandbox: RunningSandbox, directory: string, options: { cycles: number }): Promise<number> {
  const clients = await createGcpClients({ configuration: 'spotbox-sandbox' });
  const keyDirectory = fs.mkdtempSync(path.join(directory, 'keys-'));
  const control = async (instance: string): Promise<void> => {
    const response = await fetch(`${sandbox.endpoints.control}/gcp/faults/preempt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instance }) });
    if (response.status !== 200) throw new Error(`preempt ${instance}: ${response.status} ${await response.text()}`);
  };
  const command = `python3 ${BOX_WORKSPACE}/train.py --total-steps 100000000 --step-seconds 0.02 >> ~/trainer.log 2>&1`;
  const parsed = parseProfile(
    JSON.stringify({ name: 'bench-gcp', cloud: 'gcp', regions: ['us-central1'], instanceTypes: ['g2-standard-4'], maxPrice: 2, volumeGb: 50, checkpoint: { bucket: BUCKET, prefix: 'bench-gcp', directory: '~/ckpt', signal: 'SIGUSR1', noticeSignal: 'SIGTERM' }, session: { command, stepFile: '~/step' } }),
    'profile.json',
  );
  console.log(`Google Cloud, no editor: a managed instance group recreates the VM, the VM restores itself. Trainer ${BOX_WORKSPACE}/train.py (examples/pytorch-loop)`);
  const launched = await launchGceProfile(
    parsed.profile!,
    { callerIp: '127.0.0.1', keyDirectory, owner: OWNER, localRoot: WORKSPACES.pytorchLoop },
    { compute: clients.compute, gcs: clients.gcs, agentSource: async () => fs.promises.readFile(path.join(assembleAgentForTests(), 'spotbox_agent.py'), 'utf8') },
    { logger: silentLogger },
  );
  let box = launched.box;
  const rows: Array<{ checkpoint: number; running: number; resumed: number; lost: number }> = [];
  let failures = 0;
  for (let cycle = 1; cycle <= options.cycles; cycle++) {
    try {
      // Let the trainer get going (and, after a resume, step past the restored step).
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      const seen = await preemptAndWatch(box, { clients, keyDirectory, bucket: BUCKET, checkpointPrefix: `bench-gcp/${launched.lineage}/`, preempt: control });
      const lost = Math.max(0, seen.stoppedAt - seen.resumedStep);
      rows.push({ checkpoint: seen.checkpointAt - seen.preemptedAt, running: seen.replacementRunningAt - seen.preemptedAt, resumed: seen.boot.resumedAt! - seen.preemptedAt, lost });
      const row = rows.at(-1)!;
      console.log(`cycle ${cycle}: preemption->checkpoint ${seconds(row.checkpoint)}, ->new VM running ${seconds(row.running)}, ->resumed ${seconds(row.resumed)}, steps lost ${lost} (saved at ${seen.stoppedAt}, resumed at ${seen.resumedStep}; VM ${seen.oldId} -> ${seen.newId})`);
      box = seen.replacement;
    } catch (error) {
      failures++;
      console.log(`cycle ${cycle}: FAILED ${error instanceof Error ? error.message : String(error)}`);
      break;
    }
  }
  await terminateGceBox(clients.compute, box, { ownerId: OWNER, keyDirectory });
  const scan = await findOrphans(gceHygieneCloud(async () => clients.compute, keyDirectory), { regions: [GCE_SWEEP_SCOPE], ownerId: OWNER, graceMs: 0 });
  await clients.gcs.deletePrefix(BUCKET, `bench-gcp/${launched.lineage}/`);
  const column = (pick: (row: (typeof rows)[number]) => number): string => `p50 ${seconds(percentile(rows.map(pick), 50))}, max ${seconds(Math.max(...rows.map(pick)))}`;
  if (rows.length > 0) {
    console.log(`\n${rows.length} cycle(s): preemption->checkpoint committed ${column((row) => row.checkpoint)} (GCE gives 30 s)`);
    console.log(`preemption->new VM running ${column((row) => row.running)}; preemption->resumed ${column((row) => row.resumed)}`);
    console.log(`steps lost: ${rows.map((row) => row.lost).join(', ')}`);
  }
  console.log(`orphans after Terminate Box: ${scan.orphans.length}; failures: ${failures}`);
  return failures + scan.orphans.length;
}
