import { CLOUD_FACTS } from '../cloud/clouds';
import { uploadBytesPerSecond, type CheckpointUploads } from './checkpointUploads';

/** The notice and what the agent keeps of it; AWS gives 120 s, the agent's noticeMarginSeconds defaults to 10. */
export interface NoticeBudget {
  readonly noticeSeconds: number;
  readonly noticeMarginSeconds: number;
}

export const AWS_NOTICE_BUDGET: NoticeBudget = { noticeSeconds: CLOUD_FACTS.aws.noticeSeconds, noticeMarginSeconds: 10 };

/**
 * The seconds a notice checkpoint can count on for its upload. The agent must be done
 * noticeMarginSeconds before the action time and gives the first half of what is left to the
 * trainer's save, the second half to the upload (resources/agent/README.md, "What happens on a
 * notice"): (120 − 10) / 2 = 55 s on AWS. A trainer that saves sooner leaves the upload more, but
 * only this much is sure.
 */
export function usableNoticeUploadSeconds(budget: NoticeBudget = AWS_NOTICE_BUDGET): number {
  return Math.max(0, (budget.noticeSeconds - budget.noticeMarginSeconds) / 2);
}

export interface NoticeFit {
  readonly checkpointBytes: number;
  readonly bytesPerSecond: number;
  readonly sampleCount: number;
  /** The last checkpoint's whole size over the measured throughput. */
  readonly uploadSeconds: number;
  readonly usableSeconds: number;
  readonly fits: boolean;
}

/**
 * Whether the last checkpoint, sent whole, fits in the notice's upload half at the measured
 * throughput. Whole, because a notice checkpoint follows the trainer's newest save, which
 * rewrites its files: the server-side copies that make periodic checkpoints cheap do not help it.
 * Undefined until both a size and a throughput are known.
 */
export function noticeFitOf(uploads: CheckpointUploads | undefined, budget: NoticeBudget = AWS_NOTICE_BUDGET): NoticeFit | undefined {
  const bytesPerSecond = uploadBytesPerSecond(uploads);
  const checkpointBytes = uploads?.last?.bytes;
  if (bytesPerSecond === undefined || checkpointBytes === undefined || bytesPerSecond <= 0) {
    return undefined;
  }
  const uploadSeconds = checkpointBytes / bytesPerSecond;
  const usableSeconds = usableNoticeUploadSeconds(budget);
  return { checkpointBytes, bytesPerSecond, sampleCount: uploads?.samples.length ?? 0, uploadSeconds, usableSeconds, fits: uploadSeconds <= usableSeconds };
}
