import type { Box } from '../boxes/box';
import { SpotboxError } from '../errors';
import type { Clock } from '../time/clock';
import { done, notYet, pollUntil } from '../time/poll';

export interface ListedRunningOptions {
  readonly signal?: AbortSignal;
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  readonly clock?: Clock;
}

/**
 * The box as the box list shows it once EC2 reports it running: the endpoint needs its address and
 * tags, which the list reads. `listBoxes` is the editor's tree refresh, or EC2 itself in a test.
 */
export async function waitUntilListedRunning(listBoxes: () => Promise<readonly Box[]>, instanceId: string, options: ListedRunningOptions = {}): Promise<Box> {
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  return pollUntil(
    async () => {
      const box = (await listBoxes()).find((candidate) => candidate.instanceId === instanceId);
      return box?.state === 'running' ? done(box) : notYet(box ? box.state : 'not listed yet');
    },
    {
      describe: `${instanceId} to be running`,
      intervalMs: options.intervalMs ?? 2_000,
      timeoutMs,
      timeoutError: () => new SpotboxError(`${instanceId} did not reach the running state within ${Math.round(timeoutMs / 60_000)} minutes.`, 'Check the instance in the EC2 console.'),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    },
  );
}
