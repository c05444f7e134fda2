import type { S3Client } from '@aws-sdk/client-s3';
import { SpotboxError } from '../errors';
import type { Logger } from '../logging/logger';
import { toCheckpointError } from './checkpointErrors';
import { manifestKey, prefixFolder, seqFolder, seqOfFolder, sessionFolder, type CheckpointLocation } from './checkpointLayout';
import { parseManifest, type CheckpointManifest, type CheckpointReason } from './manifest';
import { createS3Client, type S3ClientOptions } from './s3Client';

/** One complete checkpoint, as a list shows it. */
export interface CheckpointSummary {
  readonly session: string;
  readonly seq: number;
  readonly step?: number;
  readonly createdAt: string;
  readonly reason: CheckpointReason;
  readonly sourceInstance: string | null;
  readonly files: number;
  readonly bytes: number;
  readonly manifestKey: string;
}

export interface CheckpointStoreOptions extends S3ClientOptions {
  readonly logger?: Logger;
}

type S3Module = typeof import('@aws-sdk/client-s3');

/**
 * Reads the checkpoints the on-box agent writes. A seq folder counts only with a valid manifest:
 * folders of failed or running uploads (torn) are skipped, never offered for a restore.
 */
export class CheckpointStore {
  private client: Promise<{ s3: S3Client; sdk: S3Module }> | undefined;

  constructor(
    readonly location: CheckpointLocation,
    private readonly options: CheckpointStoreOptions,
  ) {}

  /** Session ids that have at least a folder under the prefix (complete checkpoints or not). */
  async listSessions(): Promise<string[]> {
    const base = prefixFolder(this.location.prefix);
    const folders = await this.listFolders(base, 'Listing checkpoint sessions');
    return folders.map((folder) => folder.slice(base.length).replace(/\/$/, '')).filter((name) => name !== '');
  }

  /** Complete checkpoints of a session, oldest first. */
  async listCheckpoints(session: string): Promise<CheckpointSummary[]> {
    const seqs = await this.seqs(session);
    const manifests = await Promise.all(seqs.map((seq) => this.tryManifest(session, seq)));
    return manifests.filter((manifest): manifest is CheckpointManifest => manifest !== undefined).map((manifest) => this.summarize(manifest));
  }

  /** The newest complete checkpoint, reading manifests from the newest folder down. */
  async newestCheckpoint(session: string): Promise<CheckpointSummary | undefined> {
    for (const seq of (await this.seqs(session)).reverse()) {
      const manifest = await this.tryManifest(session, seq);
      if (manifest) return this.summarize(manifest);
    }
    return undefined;
  }

  async readManifest(session: string, seq: number): Promise<CheckpointManifest> {
    const found = await this.loadManifest(session, seq);
    if ('problem' in found) {
      throw new SpotboxError(`Checkpoint ${seq} of session ${session} cannot be used: ${found.problem}.`, 'Pick a complete checkpoint from the list, or an older one.');
    }
    return found.manifest;
  }

  dispose(): void {
    void this.client?.then(({ s3 }) => s3.destroy()).catch(() => undefined);
    this.client = undefined;
  }

  private async seqs(session: string): Promise<number[]> {
    const base = sessionFolder(this.location.prefix, session);
    const folders = await this.listFolders(base, `Listing the checkpoints of ${session}`);
    return folders.map((folder) => seqOfFolder(base, folder)).filter((seq): seq is number => seq !== undefined).sort((a, b) => a - b);
  }

  /** The manifest, or undefined for a torn folder (no manifest, or one that does not validate). */
  private async tryManifest(session: string, seq: number): Promise<CheckpointManifest | undefined> {
    const found = await this.loadManifest(session, seq);
    if ('problem' in found) {
      this.options.logger?.debug(`checkpoint ${session}/${seq} skipped: ${found.problem}`);
      return undefined;
    }
    return found.manifest;
  }

  private async loadManifest(session: string, seq: number): Promise<{ manifest: CheckpointManifest } | { problem: string }> {
    const key = manifestKey(this.location.prefix, session, seq);
    const text = await this.getText(key, `Reading checkpoint ${seq} of ${session}`);
    if (text === undefined) {
      return { problem: `s3://${this.location.bucket}/${key} does not exist (an upload that failed or is still running)` };
    }
    const { manifest, problems } = parseManifest(text, { session, seq, folder: seqFolder(this.location.prefix, session, seq) });
    return manifest ? { manifest } : { problem: `its manifest is invalid: ${problems.slice(0, 3).join('; ')}` };
  }

  private summarize(manifest: CheckpointManifest): CheckpointSummary {
    return {
      session: manifest.session,
      seq: manifest.seq,
      ...(manifest.step !== undefined ? { step: manifest.step } : {}),
      createdAt: manifest.createdAt,
      reason: manifest.reason,
      sourceInstance: manifest.sourceInstance,
      files: manifest.files.length,
      bytes: manifest.files.reduce((total, file) => total + file.size, 0),
      manifestKey: manifestKey(this.location.prefix, manifest.session, manifest.seq),
    };
  }

  private async listFolders(prefix: string, action: string): Promise<string[]> {
    const { s3, sdk } = await this.s3();
    const folders: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await s3.send(new sdk.ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }));
        folders.push(...(page.CommonPrefixes ?? []).map((entry) => entry.Prefix ?? '').filter((name) => name !== ''));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw this.userError(error, action);
    }
    return folders;
  }

  private async getText(key: string, action: string): Promise<string | undefined> {
    const { s3, sdk } = await this.s3();
    try {
      const object = await s3.send(new sdk.GetObjectCommand({ Bucket: this.location.bucket, Key: key }));
      return await object.Body?.transformToString('utf8');
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw this.userError(error, action);
    }
  }

  private userError(error: unknown, action: string): SpotboxError {
    return toCheckpointError(error, { action, bucket: this.location.bucket, prefix: this.location.prefix, region: this.options.region });
  }

  private s3(): Promise<{ s3: S3Client; sdk: S3Module }> {
    this.client ??= Promise.all([createS3Client(this.options), import('@aws-sdk/client-s3')]).then(([s3, sdk]) => ({ s3, sdk }));
    return this.client;
  }
}
