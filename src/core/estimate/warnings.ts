import { CLOUD_FACTS } from '../cloud/clouds';
import type { EstimateInput, EstimateOptions, EstimateWarning } from './estimateTypes';
import { measuredNoticeCheckpointTooSlow, noticeCheckpointCounts } from './noticeCheckpointFit';

/** Longer than this, losing all progress to one interruption is a real loss. */
const LONG_JOB_HOURS = 4;
/** One interruption per 10 h: about 2.5x the H100 rate the article reports (4.1 %/h). */
const HIGH_INTERRUPTIONS_PER_HOUR = 0.1;
const GCP_PREEMPTIBLE_CAP_HOURS = 24;
/** Polling (AWS advises every 5 s) and a margin eat into the notice. */
const NOTICE_OVERHEAD_SECONDS = 20;

export interface WarningFacts {
  readonly input: EstimateInput;
  readonly options: EstimateOptions;
  readonly expectedWallHours: number;
  readonly savingsPercent: number;
  /** A pessimistic wall time (p90); only needed, and only computed, when there is a deadline. */
  readonly pessimisticWallHours?: number;
}

const hours = (value: number): string => `${value.toFixed(1)} h`;

/** The caveats of the seed article, each only when it applies to this job. */
export function warningsFor(facts: WarningFacts): EstimateWarning[] {
  const { input, options } = facts;
  const cloud = options.cloud ?? 'aws';
  const warnings: EstimateWarning[] = [];
  if (input.checkpointMinutes === 0 && input.checkpointIntervalMinutes === undefined && !noticeCheckpointCounts(input) && input.computeHours > LONG_JOB_HOURS) {
    warnings.push({
      code: 'no-checkpointing-long-job',
      message: `A ${hours(input.computeHours)} job without checkpoints restarts from scratch on every interruption: checkpoint periodically or on the notice.`,
    });
  }
  if (options.deadlineHours !== undefined && facts.pessimisticWallHours !== undefined && facts.pessimisticWallHours > options.deadlineHours) {
    warnings.push({
      code: 'hard-deadline',
      message: `1 run in 10 takes over ${hours(facts.pessimisticWallHours)} on spot (expected ${hours(facts.expectedWallHours)}), past the ${hours(options.deadlineHours)} deadline: use on-demand or start earlier.`,
    });
  }
  if (cloud === 'gcp' && facts.expectedWallHours > GCP_PREEMPTIBLE_CAP_HOURS) {
    warnings.push({
      code: 'gcp-24h-cap',
      message: `GCP stops preemptible VMs after 24 h and this job runs about ${hours(facts.expectedWallHours)}: expect forced restarts, or use Spot VMs, which have no cap.`,
    });
  }
  if (options.workload === 'serving') {
    warnings.push({
      code: 'latency-sensitive-serving',
      message: 'Latency-sensitive serving on spot drops requests at each interruption: keep on-demand capacity behind it.',
    });
  }
  if (facts.savingsPercent < 0) {
    warnings.push({
      code: 'spot-costs-more',
      message: `Spot costs ${(-facts.savingsPercent).toFixed(0)} % more than on-demand for this job once interruptions are paid for.`,
    });
  }
  if (input.interruptionsPerHour >= HIGH_INTERRUPTIONS_PER_HOUR) {
    warnings.push({
      code: 'high-interruption-rate',
      message: `${(input.interruptionsPerHour * 100).toFixed(1)} % interruptions per hour is very high (H100 pools average 4.1 %): try another region or zone.`,
    });
  }
  const usableNoticeMinutes = (CLOUD_FACTS[cloud].noticeSeconds - NOTICE_OVERHEAD_SECONDS) / 60;
  const measured = input.measuredNoticeCheckpoint;
  if (input.noticeCheckpoint && measured && measuredNoticeCheckpointTooSlow(input)) {
    warnings.push({
      code: 'notice-checkpoint-too-slow',
      message: `The measured notice checkpoint takes about ${Math.ceil(measured.uploadSeconds)} s to upload, more than the ${Math.floor(measured.usableSeconds)} s the notice leaves it: the estimate does not count it and relies on periodic checkpoints.`,
    });
  } else if (input.noticeCheckpoint && !measured && input.checkpointMinutes > usableNoticeMinutes) {
    warnings.push({
      code: 'notice-checkpoint-too-slow',
      message: `A ${input.checkpointMinutes} min checkpoint does not fit in ${cloud.toUpperCase()}'s notice (about ${Math.round(usableNoticeMinutes * 60)} s usable): the estimate assumes it does, so treat it as optimistic.`,
    });
  }
  return warnings;
}
