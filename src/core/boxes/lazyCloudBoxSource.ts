import type { CloudId } from '../cloud/clouds';
import type { Box } from './box';
import type { CloudBoxSource } from './multiCloudBoxSource';

/**
 * A cloud's box source whose SDK and clients load on the first refresh, not at activation. A load
 * that fails (no credentials, no project) fails that refresh only, and is tried again on the next.
 */
export class LazyCloudBoxSource implements CloudBoxSource {
  private loaded: CloudBoxSource | undefined;

  constructor(
    readonly cloud: CloudId,
    readonly description: string,
    private readonly load: () => Promise<CloudBoxSource>,
  ) {}

  get lastProblems(): readonly string[] {
    return this.loaded?.lastProblems ?? [];
  }

  async listBoxes(): Promise<Box[]> {
    this.loaded ??= await this.load();
    return this.loaded.listBoxes();
  }
}
