import type { EstimateInput } from '../../../src/core/estimate/estimateTypes';

/** The seed article's headline pool: p5.48xlarge (8x H100), Dec 2025, at H100's 4.1 %/h. */
export const p5Job: EstimateInput = {
  computeHours: 100,
  spotPricePerHour: 19.66,
  onDemandPricePerHour: 98.32,
  interruptionsPerHour: 0.041,
  checkpointMinutes: 10,
  restartMinutes: 15,
  noticeCheckpoint: false,
};

export function withInput(overrides: Partial<EstimateInput>): EstimateInput {
  return { ...p5Job, ...overrides };
}
