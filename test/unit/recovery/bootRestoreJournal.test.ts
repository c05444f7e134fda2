import * as assert from 'node:assert/strict';
import { bootRestoreEvents, bootRestoreOutcome } from '../../../src/core/recovery/bootRestoreJournal';

const line = (time: string, fields: Record<string, unknown>): string => JSON.stringify({ time, type: 'boot-restore', ...fields });

describe('the box\'s own restore at boot, read from its journal', () => {
  it('is not over until a final phase: started and waiting-handoff say nothing yet', () => {
    const text = [line('2026-12-07T01:00:00.000Z', { phase: 'started' }), '{"time":"2026-12-07T01:00:00.100Z","type":"progress","step":3}', line('2026-12-07T01:00:01.000Z', { phase: 'waiting-handoff', from: 'i-old', noticeTime: '2026-12-07T00:58:00Z', actionTime: '2026-12-07T01:00:00Z' })].join('\n');
    assert.equal(bootRestoreEvents(text).length, 2, 'only boot-restore lines');
    assert.equal(bootRestoreOutcome(bootRestoreEvents(text)), undefined);
  });

  it('resumed: the checkpoint and step, when it restored and resumed, and the predecessor\'s notice it waited for', () => {
    const text = [
      line('2026-12-07T01:00:00.000Z', { phase: 'started' }),
      line('2026-12-07T01:00:01.000Z', { phase: 'waiting-handoff', from: 'i-old', noticeTime: '2026-12-07T00:58:00Z', actionTime: '2026-12-07T01:00:00Z' }),
      line('2026-12-07T01:00:03.000Z', { phase: 'restored', seq: 4, step: 420 }),
      line('2026-12-07T01:00:03.500Z', { phase: 'resumed', seq: 4, step: 420, session: 'started', handoff: { from: 'i-old', noticeTime: '2026-12-07T00:58:00Z', actionTime: '2026-12-07T01:00:00Z', step: 415, arrived: true } }),
      'torn {"time"',
    ].join('\n');
    assert.deepEqual(bootRestoreOutcome(bootRestoreEvents(text)), {
      phase: 'resumed',
      restoredAt: Date.parse('2026-12-07T01:00:03.000Z'),
      resumedAt: Date.parse('2026-12-07T01:00:03.500Z'),
      seq: 4,
      step: 420,
      handoff: { from: 'i-old', noticeTime: Date.parse('2026-12-07T00:58:00Z'), actionTime: Date.parse('2026-12-07T01:00:00Z'), step: 415 },
    });
  });

  it('failed and no-checkpoint are final too, with the reason', () => {
    const failed = bootRestoreOutcome(bootRestoreEvents(line('2026-12-07T01:00:00Z', { phase: 'failed', stage: 'restore', error: 'Fail: sha256 differs' })));
    assert.deepEqual(failed, { phase: 'failed', error: 'Fail: sha256 differs' });
    assert.equal(bootRestoreOutcome(bootRestoreEvents(line('2026-12-07T01:00:00Z', { phase: 'no-checkpoint' })))?.phase, 'no-checkpoint');
  });
});
