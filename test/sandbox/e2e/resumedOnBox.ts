import type { Client } from 'ssh2';
import { waitForBootRestore, type BootRestoreOutcome } from '../../../src/core/recovery/bootRestoreJournal';
import { runRemoteCommand } from '../../../src/core/ssh/runRemoteCommand';
import { eventually } from './sandboxHarness';

/**
 * On a replacement box reached over SSH: its own restore (the agent's journal), then the trainer's
 * log saying where it resumed (examples/pytorch-loop prints "resumed at step N"). Shared by the
 * clouds' no-editor watches (GCP's group, Azure's scale set).
 */
export async function resumedOnBox(client: Client, timeoutMs: number): Promise<{ boot: BootRestoreOutcome; trainerLog: string; resumedStep: number }> {
  const boot = await waitForBootRestore(client, { timeoutMs });
  const trainerLog = await eventually('the trainer to resume on the new box', async () => {
    const text = (await runRemoteCommand(client, 'cat ~/trainer.log 2>/dev/null || true')).stdout;
    return /resumed at step \d+/.test(text) ? text : undefined;
  }, timeoutMs, 500);
  return { boot, trainerLog, resumedStep: Number(/resumed at step (\d+)/.exec(trainerLog)?.[1]) };
}
