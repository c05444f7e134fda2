import * as assert from 'node:assert/strict';
import { estimate } from '../../../src/core/estimate/estimator';
import { EstimateInputError, type EstimateInput, type EstimateOptions } from '../../../src/core/estimate/estimateTypes';
import { simulateJob } from '../../../src/core/estimate/monteCarlo';
import { withInput } from './fixtures';

function assertRejects(input: EstimateInput, field: string, options: EstimateOptions = {}): EstimateInputError {
  let caught: unknown;
  try {
    estimate(input, options);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof EstimateInputError, `expected an EstimateInputError for ${field}, got ${String(caught)}`);
  assert.equal(caught.field, field);
  assert.ok(caught.message.includes(field), caught.message);
  assert.ok(!caught.message.includes('\n'), 'one line');
  return caught;
}

describe('estimate input validation', () => {
  const numericFields = ['computeHours', 'spotPricePerHour', 'onDemandPricePerHour', 'interruptionsPerHour', 'checkpointMinutes', 'restartMinutes'] as const;
  for (const field of numericFields) {
    for (const bad of [-1, NaN, Infinity]) {
      it(`rejects ${field} = ${bad}`, () => {
        assertRejects(withInput({ [field]: bad }), field);
      });
    }
  }

  it('rejects zero compute hours, a zero interval and a free on-demand price', () => {
    assertRejects(withInput({ computeHours: 0 }), 'computeHours');
    assertRejects(withInput({ checkpointIntervalMinutes: 0 }), 'checkpointIntervalMinutes');
    assertRejects(withInput({ checkpointIntervalMinutes: -5 }), 'checkpointIntervalMinutes');
    assertRejects(withInput({ onDemandPricePerHour: 0 }), 'onDemandPricePerHour');
  });

  it('rejects a non-boolean notice flag from untyped callers and a bad deadline', () => {
    assertRejects({ ...withInput({}), noticeCheckpoint: 'yes' as unknown as boolean }, 'noticeCheckpoint');
    assertRejects(withInput({}), 'deadlineHours', { deadlineHours: 0 });
    assertRejects(withInput({}), 'deadlineHours', { deadlineHours: NaN });
  });

  it('accepts a zero spot price, checkpoint cost, restart time and rate', () => {
    const result = estimate(withInput({ spotPricePerHour: 0, checkpointMinutes: 0, restartMinutes: 0, interruptionsPerHour: 0 }));
    assert.equal(result.savingsPercent, 100);
  });

  it('rejects a rate so high the job never finishes, with or without a notice checkpoint', () => {
    const error = assertRejects(withInput({ interruptionsPerHour: 50 }), 'interruptionsPerHour');
    assert.match(error.message, /never finishes/);
    assertRejects(withInput({ interruptionsPerHour: 30, noticeCheckpoint: true }), 'interruptionsPerHour');
    // Without checkpoints, 100 h at 0.2/h would take ~e^20 hours.
    assert.match(assertRejects(withInput({ checkpointMinutes: 0, interruptionsPerHour: 0.2 }), 'interruptionsPerHour').message, /checkpoint the job/);
    assert.throws(() => simulateJob(withInput({ interruptionsPerHour: 50 }), { runs: 10, seed: 1 }), EstimateInputError);
  });
});
