import * as assert from 'node:assert/strict';
import { checkpointTagValue, parseCheckpointTag } from '../../../src/core/recovery/checkpointTag';
import { findNoticeCheckpoint, waitForNoticeCheckpoint, type ManifestBucket } from '../../../src/core/recovery/noticeCheckpointReader';

function bucket(objects: Record<string, string>): ManifestBucket & { objects: Record<string, string> } {
  return {
    objects,
    names: async (prefix) => Object.keys(objects).filter((name) => name.startsWith(prefix)),
    read: async (name) => objects[name],
  };
}
const manifest = (fields: Record<string, unknown>): string => JSON.stringify({ version: 1, session: 'trainer-1', files: [], ...fields });

describe('Notice checkpoint reader (the manifest in the bucket, not the box)', () => {
  it('finds the newest notice manifest of the lineage, skipping periodic ones, older ones and torn folders', async () => {
    const store = bucket({
      'ckpt/trainer-1/000001/manifest.json': manifest({ seq: 1, reason: 'notice', step: 100, createdAt: '2026-12-07T10:00:00.000Z' }),
      'ckpt/trainer-1/000002/manifest.json': manifest({ seq: 2, reason: 'periodic', step: 200, createdAt: '2026-12-07T10:05:00.000Z' }),
      'ckpt/trainer-1/000003/started.json': '{}',
      'ckpt/trainer-1/000004/manifest.json': manifest({ seq: 4, reason: 'notice', step: 300, createdAt: '2026-12-07T10:06:00.000Z' }),
      'ckpt/trainer-10/000009/manifest.json': manifest({ seq: 9, reason: 'notice', step: 999, createdAt: '2026-12-07T10:07:00.000Z' }),
    });
    const since = Date.parse('2026-12-07T10:05:30.000Z');
    const found = await findNoticeCheckpoint(store, 'ckpt/trainer-1/', { since, now: () => 42 });
    assert.deepEqual(found, { manifestName: 'ckpt/trainer-1/000004/manifest.json', seenAt: 42, seq: 4, step: 300, createdAt: Date.parse('2026-12-07T10:06:00.000Z') });
    assert.equal(await findNoticeCheckpoint(store, 'ckpt/trainer-1/', { skip: new Set(['ckpt/trainer-1/000004/manifest.json']), since }), undefined, 'an earlier notice is not this one');
  });

  it('waits until the manifest is written (it is written last), and gives up with what it waited for', async () => {
    const store = bucket({});
    setTimeout(() => (store.objects['p/l/000001/manifest.json'] = manifest({ seq: 1, reason: 'notice', step: 5, createdAt: new Date().toISOString() })), 30);
    const found = await waitForNoticeCheckpoint(store, 'p/l/', { timeoutMs: 2_000, intervalMs: 10 });
    assert.equal(found.step, 5);
    await assert.rejects(waitForNoticeCheckpoint(bucket({ 'q/l/000001/manifest.json': 'not json' }), 'q/l/', { timeoutMs: 50, intervalMs: 10 }), /the notice checkpoint under q\/l\//);
  });

  it('records and reads the checkpoint place on each cloud (GCS bucket; Azure account/container)', () => {
    assert.equal(checkpointTagValue({ bucket: 'acct/ckpts', prefix: '/runs/' }), 'acct/ckpts/runs');
    assert.deepEqual(parseCheckpointTag('acct/ckpts/runs/a', 'azure'), { bucket: 'acct/ckpts', prefix: 'runs/a' });
    assert.deepEqual(parseCheckpointTag('my-bucket/spotbox', 'gcp'), { bucket: 'my-bucket', prefix: 'spotbox' });
    assert.equal(parseCheckpointTag(undefined, 'gcp'), undefined);
    assert.equal(parseCheckpointTag('acct/ckpts', 'azure'), undefined);
    assert.equal(parseCheckpointTag('/x', 'gcp'), undefined);
  });
});
