import type { Box } from './box';
import type { BoxSource } from './boxStore';
import { boxesOfSettled } from './settledBoxes';
import { CLOUD_FACTS, type CloudId } from '../cloud/clouds';

/** One cloud's list of boxes, with the regions (or zones) whose last read failed. */
export interface CloudBoxSource extends BoxSource {
  readonly cloud: CloudId;
  readonly lastProblems: readonly string[];
}

/**
 * The tree's one source over every cloud the user has connected: each cloud is read at once and
 * apart, so a cloud that fails (expired login, no network to its API) is reported and the others
 * still show. Only when every cloud fails does the refresh fail, with the first cloud's own error.
 */
export class MultiCloudBoxSource implements BoxSource {
  readonly description: string;
  /** Problems of the last refresh, each prefixed by its cloud when more than one is connected. */
  lastProblems: string[] = [];

  constructor(private readonly clouds: readonly CloudBoxSource[]) {
    this.description = clouds.map((cloud) => cloud.description).join(' + ') || 'no cloud account connected';
  }

  async listBoxes(): Promise<Box[]> {
    const results = await Promise.allSettled(this.clouds.map((cloud) => cloud.listBoxes()));
    const label = (cloud: CloudBoxSource, problem: string): string => (this.clouds.length > 1 ? `${CLOUD_FACTS[cloud.cloud].label}: ${problem}` : problem);
    this.lastProblems = results.flatMap((result, index) => {
      const cloud = this.clouds[index];
      return result.status === 'rejected' ? [label(cloud, result.reason instanceof Error ? result.reason.message : String(result.reason))] : cloud.lastProblems.map((problem) => label(cloud, problem));
    });
    return boxesOfSettled(results, this.lastProblems);
  }
}
