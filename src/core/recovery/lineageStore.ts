import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../ssh/knownHosts';
import type { CheckpointUploads } from '../throughput/checkpointUploads';
import type { LineageRecord } from './recoveryTypes';

/**
 * Lineage records, one JSON file each in a folder every window of this user shares (the editor
 * passes its global storage). Updates re-read the file first, so a window never writes back a
 * stale copy over another window's progress.
 */
export class LineageStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly directory: string) {}

  async list(): Promise<LineageRecord[]> {
    let names: string[];
    try {
      names = await fs.promises.readdir(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return [];
      }
      throw error;
    }
    const records = await Promise.all(names.filter((name) => name.endsWith('.json')).map((name) => this.read(name.slice(0, -'.json'.length))));
    return records.filter((record): record is LineageRecord => record !== undefined);
  }

  async get(lineage: string): Promise<LineageRecord | undefined> {
    return this.read(lineage);
  }

  async findByInstance(instanceId: string): Promise<LineageRecord | undefined> {
    return (await this.list()).find((record) => record.instanceIds.includes(instanceId));
  }

  put(record: LineageRecord): Promise<LineageRecord> {
    return this.serialised(async () => {
      await writeFileAtomic(this.fileOf(record.lineage), JSON.stringify(record, null, 2) + '\n');
      return record;
    });
  }

  /** Applies `change` to the current record on disk; undefined when there is none. */
  update(lineage: string, change: (record: LineageRecord) => LineageRecord): Promise<LineageRecord | undefined> {
    return this.serialised(async () => {
      const current = await this.read(lineage);
      if (!current) {
        return undefined;
      }
      const next = change(current);
      await writeFileAtomic(this.fileOf(lineage), JSON.stringify(next, null, 2) + '\n');
      return next;
    });
  }

  /** Changes the measured checkpoint uploads of the lineage that holds this box; undefined when none does. */
  async updateCheckpointUploads(instanceId: string, change: (uploads: CheckpointUploads | undefined) => CheckpointUploads): Promise<CheckpointUploads | undefined> {
    const record = await this.findByInstance(instanceId);
    if (!record) {
      return undefined;
    }
    const next = await this.update(record.lineage, (current) => ({ ...current, checkpointUploads: change(current.checkpointUploads) }));
    return next?.checkpointUploads;
  }

  private async read(lineage: string): Promise<LineageRecord | undefined> {
    try {
      const parsed = JSON.parse(await fs.promises.readFile(this.fileOf(lineage), 'utf8')) as LineageRecord;
      return typeof parsed.lineage === 'string' && Array.isArray(parsed.instanceIds) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  private fileOf(lineage: string): string {
    if (!/^[\w-]+$/.test(lineage)) {
      throw new Error(`Not a lineage id: ${lineage}`);
    }
    return path.join(this.directory, `${lineage}.json`);
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
