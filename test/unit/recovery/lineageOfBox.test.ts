import * as assert from 'node:assert/strict';
import { isEarlierFleetBox, lineageOfBox } from '../../../src/core/recovery/lineageOfBox';
import type { LineageRecord } from '../../../src/core/recovery/recoveryTypes';

const record = (overrides: Partial<LineageRecord> = {}): LineageRecord => ({ lineage: 'lin-1', fleetId: 'fleet-1', currentInstanceId: 'i-new', instanceIds: ['i-old', 'i-new'], ...overrides }) as unknown as LineageRecord;

describe('which lineage a box is of, and whether it is a fleet lineage\'s earlier box', () => {
  it('finds the lineage by its recorded instances, else by the box\'s lineage tag', async () => {
    const store = { findByInstance: async (id: string) => (id === 'i-old' ? record() : undefined), get: async (lineage: string) => (lineage === 'lin-1' ? record() : undefined) };
    assert.equal((await lineageOfBox(store, { instanceId: 'i-old' }))?.lineage, 'lin-1');
    assert.equal((await lineageOfBox(store, { instanceId: 'i-unseen', lineage: 'lin-1' }))?.lineage, 'lin-1', 'a fleet box no window recorded yet');
    assert.equal(await lineageOfBox(store, { instanceId: 'i-other' }), undefined);
  });

  it('an earlier box of a live fleet lineage goes alone; the current one, an unrecorded one, an ended or editor lineage\'s go with the fleet', () => {
    assert.equal(isEarlierFleetBox(record(), 'i-old'), true);
    assert.equal(isEarlierFleetBox(record(), 'i-new'), false);
    assert.equal(isEarlierFleetBox(record(), 'i-unseen'), false);
    assert.equal(isEarlierFleetBox(record({ ended: true }), 'i-old'), false);
    assert.equal(isEarlierFleetBox(record({ fleetId: undefined }), 'i-old'), false);
  });
});
