/**
 * What a sandbox (or one cloud of it) has started, stopped newest first: a part started later may
 * use an earlier one (the ARM emulator the boxes, Azurite's proxy Azurite). Used both when a later
 * part fails to start and on an ordinary stop, so nothing is left listening either way. A stop that
 * fails is reported and does not keep the others running.
 */
export class StopStack {
  private readonly stops: Array<() => Promise<void>> = [];

  constructor(private readonly onFailure: (error: unknown) => void = () => undefined) {}

  push(stop: () => Promise<void>): void {
    this.stops.push(stop);
  }

  /** Each stop once, newest first; a second call finds nothing left to stop. */
  readonly stopAll = async (): Promise<void> => {
    while (this.stops.length > 0) {
      await this.stops.pop()!().catch(this.onFailure);
    }
  };
}
