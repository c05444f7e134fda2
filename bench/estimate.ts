import { estimate } from '../src/core/estimate/estimator';
import type { EstimateInput } from '../src/core/estimate/estimateTypes';
import { simulateJob } from '../src/core/estimate/monteCarlo';
import { p5Job } from '../test/unit/estimate/fixtures';
import { percentile } from './stats';

/**
 * `node out/bench/estimate.js`: how long one estimate takes (the calculator calls it per pool on
 * each keystroke, so the goal is < 5 ms) and how long 10k Monte-Carlo runs take. Figures only.
 */
const CALLS = 10_000;

function timeMs(work: () => unknown): number {
  const started = process.hrtime.bigint();
  work();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function benchEstimate(label: string, input: (call: number) => EstimateInput, options = {}, calls = CALLS): void {
  const samples: number[] = [];
  for (let call = 0; call < calls; call++) {
    samples.push(timeMs(() => estimate(input(call), options)));
  }
  samples.sort((a, b) => a - b);
  const mean = samples.reduce((sum, sample) => sum + sample, 0) / samples.length;
  console.log(`estimate (${label}): mean ${(mean * 1000).toFixed(1)} us, p99 ${(percentile(samples, 99) * 1000).toFixed(1)} us over ${calls} calls`);
}

// Varying the rate keeps the JIT from specialising on one input.
benchEstimate('p5, 4.1 %/h, no notice', (call) => ({ ...p5Job, interruptionsPerHour: 0.03 + (call % 100) * 1e-4 }));
benchEstimate('p5, 4.1 %/h, notice checkpoint', (call) => ({ ...p5Job, noticeCheckpoint: true, interruptionsPerHour: 0.03 + (call % 100) * 1e-4 }));
benchEstimate('p5, 4.1 %/h, with a deadline (runs a p90 simulation)', (call) => ({ ...p5Job, interruptionsPerHour: 0.03 + (call % 100) * 1e-4 }), { deadlineHours: 120 }, 1_000);

for (const [label, input] of [
  ['p5, W 100 h, 4.1 %/h, no notice', p5Job],
  ['p5, W 100 h, 20 %/h, C 1 min, no notice', { ...p5Job, interruptionsPerHour: 0.2, checkpointMinutes: 1 }],
  ['p5, W 100 h, 4.1 %/h, notice checkpoint', { ...p5Job, noticeCheckpoint: true }],
] as const) {
  let meanWallHours = 0;
  const ms = timeMs(() => (meanWallHours = simulateJob(input, { runs: 10_000, seed: 1 }).meanWallHours));
  console.log(`simulateJob 10k runs (${label}): ${ms.toFixed(0)} ms, mean wall ${meanWallHours.toFixed(2)} h vs closed form ${estimate(input).expectedWallHours.toFixed(2)} h`);
}
