import * as assert from 'node:assert/strict';
import { copyCheckpoint } from '../../../src/core/crossCloud/checkpointCopy';
import type { CopyProgress } from '../../../src/core/recovery/crossCloudTypes';
import { MemoryStore, writeCheckpoint } from './memoryStores';

const request = { prefix: 'runs', lineage: 'train-1a2b3c4d', seq: 7 };

function filesOf(count: number, size: number): Record<string, Uint8Array> {
  return Object.fromEntries(Array.from({ length: count }, (_, index) => [`ckpt/part-${index}.bin`, Buffer.alloc(size, index + 1)]));
}

describe('copyCheckpoint: one committed checkpoint from one object store to another', () => {
  it('copies every file the manifest names, the session note and the handoff, the manifest last, with the same keys', async () => {
    const source = new MemoryStore('s3://ckpts');
    const sink = new MemoryStore('gs://other', 2);
    const key = writeCheckpoint(source, { ...request, step: 1234, files: filesOf(5, 1000), handoff: true });
    // An older, uncommitted folder is not this checkpoint's business.
    source.objects.set('runs/train-1a2b3c4d/000008/started.json', Buffer.from('{}'));
    const report = await copyCheckpoint(source, sink, request);
    assert.equal(sink.writes.at(-1), key, 'the manifest goes last');
    assert.deepEqual([...sink.objects.keys()].sort(), [...source.objects.keys()].filter((name) => !name.includes('000008')).sort());
    for (const [name, body] of sink.objects) assert.deepEqual(body, source.objects.get(name));
    assert.equal(report.seq, 7);
    assert.equal(report.step, 1234);
    assert.equal(report.objects, 8, '5 files, the session note, the handoff and the manifest');
    assert.equal(report.bytes, [...sink.objects.values()].reduce((sum, body) => sum + body.byteLength, 0));
    assert.ok(report.seconds > 0);
    assert.equal(report.mbPerSecond, report.bytes / 1e6 / report.seconds);
  });

  it('keeps at most `concurrency` objects in flight and reports progress up to every byte of the checkpoint', async () => {
    const source = new MemoryStore('s3://ckpts');
    const sink = new MemoryStore('gs://other', 5);
    writeCheckpoint(source, { ...request, files: filesOf(12, 100) });
    const seen: CopyProgress[] = [];
    await copyCheckpoint(source, sink, request, { concurrency: 3, onProgress: (progress) => seen.push(progress) });
    assert.equal(sink.maxInFlight, 3);
    assert.equal(seen.length, 13);
    assert.deepEqual(seen.at(-1), { objectsDone: 13, objectsTotal: 13, bytesDone: seen.at(-1)!.bytesTotal, bytesTotal: seen.at(-1)!.bytesTotal });
    assert.ok(seen.every((progress, index) => index === 0 || progress.bytesDone > seen[index - 1].bytesDone));
  });

  it('refuses a checkpoint with no manifest, and a file that differs from its manifest, writing no manifest', async () => {
    const source = new MemoryStore('s3://ckpts');
    const sink = new MemoryStore('gs://other');
    await assert.rejects(copyCheckpoint(source, sink, request), /has no manifest at s3:\/\/ckpts\/runs\/train-1a2b3c4d\/000007\/manifest.json: it is not committed/);
    writeCheckpoint(source, { ...request, files: filesOf(3, 10) });
    source.objects.set('runs/train-1a2b3c4d/000007/files/ckpt/part-1.bin', Buffer.alloc(10, 9));
    await assert.rejects(copyCheckpoint(source, sink, request), /part-1.bin differs from checkpoint 7's manifest/);
    assert.ok(![...sink.objects.keys()].some((name) => name.endsWith('manifest.json')), 'no manifest on the other side');
    source.objects.delete('runs/train-1a2b3c4d/000007/files/ckpt/part-1.bin');
    await assert.rejects(copyCheckpoint(source, sink, request), /part-1.bin is missing although checkpoint 7 names it/);
  });

  it('stops when aborted, before the manifest', async () => {
    const source = new MemoryStore('s3://ckpts');
    const sink = new MemoryStore('gs://other', 20);
    writeCheckpoint(source, { ...request, files: filesOf(10, 10) });
    const controller = new AbortController();
    const copying = copyCheckpoint(source, sink, request, { concurrency: 2, signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    await assert.rejects(copying, { name: 'AbortError' });
    assert.ok(sink.writes.length < 10);
    assert.ok(!sink.writes.some((name) => name.endsWith('manifest.json')));
  });
});
