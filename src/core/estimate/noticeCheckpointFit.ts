import type { EstimateInput } from './estimateTypes';

/** Whether a measured notice checkpoint is too slow for the notice (false when nothing was measured). */
export function measuredNoticeCheckpointTooSlow(input: EstimateInput): boolean {
  const measured = input.measuredNoticeCheckpoint;
  return measured !== undefined && measured.uploadSeconds > measured.usableSeconds;
}

/** The notice checkpoint saves the interrupted work only when one is taken and, if measured, fits in the notice. */
export function noticeCheckpointCounts(input: EstimateInput): boolean {
  return input.noticeCheckpoint && !measuredNoticeCheckpointTooSlow(input);
}
