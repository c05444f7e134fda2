import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { showRecoveryTimelineCommand } from '../../../src/commands/recoveryTimeline/show';
import type { Box } from '../../../src/core/boxes/box';
import { LineageStore } from '../../../src/core/recovery/lineageStore';
import type { LineageRecord } from '../../../src/core/recovery/recoveryTypes';

const run = (notice: number): LineageRecord['recovery'] => ({ id: `r${notice}`, trigger: 'notice', owner: 'w', heartbeatAt: 0, interruptedInstanceId: 'i-old', interruptedPool: { instanceType: 'g5.xlarge' }, phase: 'resumed', timeline: { notice } });
const lineage = (name: string, instanceIds: string[], extra: Partial<LineageRecord> = {}): LineageRecord =>
  ({ lineage: name, boxName: name, region: 'us-east-1', launch: {}, checkpointDir: '~/ckpt', workspaceDir: '~/workspace', currentInstanceId: instanceIds[0], instanceIds, ...extra }) as unknown as LineageRecord;

describe('Spotbox: Show Recovery Timeline (which lineage)', () => {
  let directory: string;
  let store: LineageStore;
  let shown: Array<string | undefined>;
  const show = (argument: unknown): Promise<void> => showRecoveryTimelineCommand({ lineages: store, showTimeline: async (record) => void shown.push(record?.lineage) }, argument);

  beforeEach(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-timeline-'));
    store = new LineageStore(directory);
    shown = [];
    // A session that moved to Google Cloud: its record lists only its AWS instances.
    await store.put(lineage('moved-1a2b', ['i-old'], { ended: true, recovery: run(2_000), movedTo: { cloud: 'gcp', region: 'us-central1', zone: 'us-central1-a', instance: 'moved-x1y2', machineType: 'g2-standard-4' } }));
    await store.put(lineage('older-3c4d', ['i-0aaa'], { recovery: run(1_000) }));
  });
  afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

  it("finds a moved session's lineage from its box on the other cloud (the tree row), by the box's lineage tag", async () => {
    const gceBox = { cloud: 'gcp', instanceId: 'moved-x1y2', lineage: 'moved-1a2b', name: 'moved', region: 'us-central1', instanceType: 'g2-standard-4', lifecycle: 'spot', state: 'running' } as unknown as Box;
    await show({ kind: 'box', box: gceBox });
    assert.deepEqual(shown, ['moved-1a2b']);
  });

  it("finds a lineage by one of its instances (the notice's Open Timeline), and from the palette the newest recovery", async () => {
    await show('i-0aaa');
    await show(undefined);
    await show('i-unknown');
    assert.deepEqual(shown, ['older-3c4d', 'moved-1a2b', undefined]);
  });
});
