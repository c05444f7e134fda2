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
