import { Emitter } from '../events';
import type { Logger } from '../logging/logger';
import type { Box } from './box';

/** Where the list of boxes comes from (the cloud, later; nothing until a source is configured). */
export interface BoxSource {
  readonly description: string;
  listBoxes(): Promise<Box[]>;
}

export const noBoxSource: BoxSource = {
  description: 'no cloud account connected',
  listBoxes: async () => [],
};

/**
 * The box model: owns the current list and tells views when it changes. Views never fetch on
 * their own, so the tree, the status bar and commands always agree.
 */
export class BoxStore {
  private readonly changed = new Emitter<readonly Box[]>();
  readonly onDidChange = this.changed.event;
  private current: readonly Box[] = [];
  private inFlight: Promise<readonly Box[]> | undefined;

  constructor(
    private source: BoxSource,
    private readonly logger: Logger,
  ) {}

  get boxes(): readonly Box[] {
    return this.current;
  }

  get sourceDescription(): string {
    return this.source.description;
  }

  setSource(source: BoxSource): Promise<readonly Box[]> {
    this.useSource(source);
    return this.refresh();
  }

  /** Swaps the source without fetching: the first fetch waits until someone looks (see BoxPoller). */
  useSource(source: BoxSource): void {
    this.source = source;
    this.inFlight = undefined;
  }

  /** Re-reads the boxes; concurrent calls share one fetch. */
  refresh(): Promise<readonly Box[]> {
    this.inFlight ??= this.fetch().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetch(): Promise<readonly Box[]> {
    const source = this.source;
    const boxes = await source.listBoxes();
    if (source !== this.source) {
      return this.current;
    }
    this.current = [...boxes].sort((a, b) => a.name.localeCompare(b.name) || a.instanceId.localeCompare(b.instanceId));
    this.logger.debug(`${this.current.length} box(es) from ${source.description}`);
    this.changed.fire(this.current);
    return this.current;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
