import type { Box } from '../boxes/box';
import { CLOUD_FACTS, type CloudId } from '../cloud/clouds';
import { SpotboxError } from '../errors';
import type { Clock } from '../time/clock';
import { done, notYet, pollUntil } from '../time/poll';

/** The box was created but its cloud never listed it as running in time. */
export class BoxNotRunningError extends SpotboxError {
  constructor(message: string, nextStep: string) {
    super(message, nextStep);
    this.name = 'BoxNotRunningError';
  }
}

export interface ListedRunningOptions {
  readonly signal?: AbortSignal;
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  readonly clock?: Clock;
  /** Whose console the timeout's next step names; AWS when absent. */
  readonly cloud?: CloudId;
}

/**
 * The box as the box list shows it once its cloud reports it running: the endpoint needs its
 * address and tags, which the list reads. `listBoxes` is the editor's tree refresh, or the cloud itself.
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
      timeoutError: () => new BoxNotRunningError(`${instanceId} did not reach the running state within ${waitedFor(timeoutMs)}.`, `Check it in ${CLOUD_FACTS[options.cloud ?? 'aws'].consoleName}.`),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    },
  );
}

/** "10 minutes", "1 minute", "45 s". */
function waitedFor(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const minutes = Math.round(ms / 60_000);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
