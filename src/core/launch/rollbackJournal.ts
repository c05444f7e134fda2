import { SpotboxError } from '../errors';
import type { Logger } from '../logging/logger';

interface Undo {
  readonly description: string;
  readonly run: () => Promise<void>;
}

/**
 * What a launch has created so far, each with how to remove it. On failure or cancel the undos run
 * newest first (instances before the security group they use, and so on). An undo that fails is
 * logged and reported, and the others still run: leave as little behind as possible.
 */
export class RollbackJournal {
  private readonly undos: Undo[] = [];

  constructor(private readonly logger: Logger) {}

  record(description: string, run: () => Promise<void>): void {
    this.undos.push({ description, run });
  }

  get size(): number {
    return this.undos.length;
  }

  /** Resolves with what could not be removed (empty when everything was). */
  async rollBack(): Promise<string[]> {
    const leftovers: string[] = [];
    while (this.undos.length > 0) {
      const undo = this.undos.pop()!;
      try {
        await undo.run();
        this.logger.info(`rolled back: ${undo.description}`);
      } catch (error) {
        this.logger.error(`could not roll back ${undo.description}: ${error instanceof Error ? error.message : String(error)}`);
        leftovers.push(undo.description);
      }
    }
    return leftovers;
  }
}

/**
 * Undoes what the journal holds after `error`, and says what could not be undone: the error to throw
 * is the original one when everything went, otherwise one that names the leftovers and the sweep.
 */
export async function rollBackAfter(journal: RollbackJournal, error: unknown, onRollBack?: () => void): Promise<unknown> {
  if (journal.size === 0) {
    return error;
  }
  onRollBack?.();
  const leftovers = await journal.rollBack();
  if (leftovers.length === 0) {
    return error;
  }
  return new SpotboxError(
    `${error instanceof Error ? error.message : String(error)} Rolling back also failed for: ${leftovers.join(', ')}.`,
    'Run "Spotbox: Sweep Orphaned Resources" or delete them in the EC2 console (tagged spotbox:session).',
    { cause: error },
  );
}
