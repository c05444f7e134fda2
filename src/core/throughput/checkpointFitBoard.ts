import { Emitter } from '../events';
import type { CheckpointUploads } from './checkpointUploads';
import { noticeFitOf, type NoticeFit } from './noticeFit';

/**
 * The measured checkpoint uploads of each running box (its lineage's, when it has one), for the
 * tree. Filled as the boxes' journals are followed; forgets boxes that are gone.
 */
export class CheckpointFitBoard {
  private readonly uploads = new Map<string, CheckpointUploads>();
  private readonly changed = new Emitter<string | undefined>();
  readonly onDidChange = this.changed.event;

  uploadsOf(instanceId: string): CheckpointUploads | undefined {
    return this.uploads.get(instanceId);
  }

  fitOf(instanceId: string): NoticeFit | undefined {
    return noticeFitOf(this.uploads.get(instanceId));
  }

  note(instanceId: string, uploads: CheckpointUploads): void {
    this.uploads.set(instanceId, uploads);
    this.changed.fire(instanceId);
  }

  retain(liveInstanceIds: ReadonlySet<string>): void {
    const gone = [...this.uploads.keys()].filter((instanceId) => !liveInstanceIds.has(instanceId));
    gone.forEach((instanceId) => this.uploads.delete(instanceId));
    if (gone.length > 0) {
      this.changed.fire(undefined);
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}
