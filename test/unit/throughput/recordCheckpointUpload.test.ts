import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Box } from '../../../src/core/boxes/box';
import { parseAgentEvent } from '../../../src/core/recovery/agentEvents';
import { routeAgentEvent } from '../../../src/core/recovery/agentEventRouter';
import { LineageStore } from '../../../src/core/recovery/lineageStore';
import { NoticeBoard } from '../../../src/core/recovery/noticeBoard';
import type { LineageRecord } from '../../../src/core/recovery/recoveryTypes';
import { CheckpointFitBoard } from '../../../src/core/throughput/checkpointFitBoard';
import type { CommittedCheckpoint } from '../../../src/core/throughput/checkpointUploads';
import { recordCheckpointUpload } from '../../../src/core/throughput/recordCheckpointUpload';
import type { Logger } from '../../../src/core/logging/logger';

const MB = 1e6;
const box: Box = { cloud: 'aws', instanceId: 'i-first', name: 'llama-ft', region: 'us-east-1', availabilityZone: 'us-east-1a', instanceType: 'g5.xlarge', lifecycle: 'spot', state: 'running' };
/** A checkpoint of `gigabytes` GB whose upload ran at 50 MB/s: over 1.1 GB it does not fit the 55 s. */
const committed = (time: number, gigabytes: number, instanceId = box.instanceId): CommittedCheckpoint => ({ time, instanceId, reason: 'periodic', bytes: gigabytes * 1_000 * MB, uploadedBytes: 500 * MB, seconds: 10 });

function lineage(instanceIds: string[]): LineageRecord {
  // Only what the store reads: recovery fields do not matter to the measurements.
  return { lineage: 'lin-1', boxName: 'llama-ft', region: 'us-east-1', launch: {} as LineageRecord['launch'], checkpointDir: '~/ckpt', workspaceDir: '~/ws', currentInstanceId: instanceIds.at(-1)!, instanceIds };
}

describe('recording checkpoint uploads from the journal', () => {
  let directory: string;
  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-uploads-'));
  });
  afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

  it('persists the measurements with the lineage record, for a later launch of the profile', async () => {
    const store = new LineageStore(directory);
    await store.put(lineage([box.instanceId]));
    const board = new CheckpointFitBoard();
    const recorded = await recordCheckpointUpload(store, board, committed(1_000, 1));
    assert.equal(recorded.fit?.fits, true);
    const saved = (await new LineageStore(directory).get('lin-1'))?.checkpointUploads;
    assert.equal(saved?.samples.length, 1);
    assert.equal(saved?.last?.bytes, 1_000 * MB);
    assert.equal(board.fitOf(box.instanceId)?.bytesPerSecond, 50 * MB, 'the tree sees it too');
  });

  it('says a too-big checkpoint once per box, also to a second window replaying the same journal', async () => {
    await new LineageStore(directory).put(lineage([box.instanceId]));
    const first = new LineageStore(directory);
    const decisions = [];
    decisions.push((await recordCheckpointUpload(first, new CheckpointFitBoard(), committed(1_000, 4))).warnNow);
    decisions.push((await recordCheckpointUpload(first, new CheckpointFitBoard(), committed(2_000, 4))).warnNow);
    decisions.push((await recordCheckpointUpload(new LineageStore(directory), new CheckpointFitBoard(), committed(1_000, 4))).warnNow);
    assert.deepEqual(decisions, [true, false, false]);
    // The replacement box of the lineage is a new box: it is told again.
    await first.update('lin-1', (record) => ({ ...record, instanceIds: [...record.instanceIds, 'i-second'], currentInstanceId: 'i-second' }));
    assert.equal((await recordCheckpointUpload(first, new CheckpointFitBoard(), committed(3_000, 4, 'i-second'))).warnNow, true);
  });

  it('keeps the figures of a box without a lineage record in memory, and still warns once', async () => {
    const store = new LineageStore(directory);
    const board = new CheckpointFitBoard();
    const first = await recordCheckpointUpload(store, board, committed(1_000, 4));
    const second = await recordCheckpointUpload(store, board, committed(2_000, 4));
    assert.deepEqual([first.warnNow, second.warnNow, second.fit?.fits], [true, false, false]);
    assert.equal(board.uploadsOf(box.instanceId)?.samples.length, 2);
    assert.deepEqual(await store.list(), []);
  });

  it('is fed by the journal router with the figures of checkpoint-committed', () => {
    const seen: CommittedCheckpoint[] = [];
    const logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, child: () => logger } as unknown as Logger;
    const event = parseAgentEvent(JSON.stringify({ time: '2026-12-01T10:00:00.000Z', type: 'checkpoint-committed', reason: 'notice', seq: 4, bytes: 4294967296, seconds: 41.5, uploadedBytes: 4294967296, files: 1, uploaded: 1, copied: 0, parts: 512 }))!;
    routeAgentEvent(box, event, { notices: new NoticeBoard(), recover: async () => undefined, noteStep: async () => undefined, announce: () => undefined, checkpointUpload: (_box, facts) => seen.push(facts), logger }, 0);
    assert.deepEqual(seen, [{ time: Date.parse('2026-12-01T10:00:00.000Z'), instanceId: 'i-first', reason: 'notice', bytes: 4294967296, uploadedBytes: 4294967296, seconds: 41.5 }]);
  });
});
