import { createHash } from 'node:crypto';
import { manifestKey, seqFolder, sessionFolder } from '../../../src/core/checkpoint/checkpointLayout';
import type { ObjectSink, ObjectSource } from '../../../src/core/crossCloud/objectStores';

/** An object store in memory with both sides of a copy, recording the order of writes. */
export class MemoryStore implements ObjectSource, ObjectSink {
  readonly objects = new Map<string, Uint8Array>();
  readonly writes: string[] = [];
  inFlight = 0;
  maxInFlight = 0;

  constructor(readonly url: string, private readonly delayMs = 0) {}

  async get(key: string, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    signal?.throwIfAborted();
    return this.objects.get(key);
  }

  async put(key: string, body: Uint8Array, signal?: AbortSignal): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      signal?.throwIfAborted();
      this.objects.set(key, body);
      this.writes.push(key);
    } finally {
      this.inFlight--;
    }
  }
}

/** Writes a committed checkpoint as the agent lays it out: files, session note, handoff, manifest. */
export function writeCheckpoint(store: MemoryStore, options: { prefix: string; lineage: string; seq: number; step?: number; files: Record<string, Uint8Array>; handoff?: boolean }): string {
  const folder = seqFolder(options.prefix, options.lineage, options.seq);
  const files = Object.entries(options.files).map(([path, body]) => {
    const key = `${folder}files/${path}`;
    store.objects.set(key, body);
    return { path, area: 'files', size: body.byteLength, sha256: createHash('sha256').update(body).digest('hex'), key };
  });
  store.objects.set(`${sessionFolder(options.prefix, options.lineage)}session.json`, Buffer.from(JSON.stringify({ session: options.lineage, seq: 1 })));
  if (options.handoff) {
    store.objects.set(`${sessionFolder(options.prefix, options.lineage)}handoff.json`, Buffer.from(JSON.stringify({ instanceId: 'i-0old', noticeTime: '2026-12-07T13:00:00Z' })));
  }
  const key = manifestKey(options.prefix, options.lineage, options.seq);
  const manifest = { version: 1, session: options.lineage, seq: options.seq, createdAt: '2026-12-07T13:00:01Z', sourceInstance: 'i-0old', reason: 'notice', ...(options.step !== undefined ? { step: options.step } : {}), files };
  store.objects.set(key, Buffer.from(JSON.stringify(manifest)));
  return key;
}
