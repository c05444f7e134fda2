/** Inputs of one spot-vs-on-demand estimate. Times in the unit their name says. */
export interface EstimateInput {
  /** Compute hours the job needs when nothing goes wrong (W). */
  readonly computeHours: number;
  readonly spotPricePerHour: number;
  readonly onDemandPricePerHour: number;
  /** Interruptions per hour of the spot pool (lambda), a Poisson rate. */
  readonly interruptionsPerHour: number;
  /** Time to write one checkpoint (C). */
  readonly checkpointMinutes: number;
  /** Time from an interruption to training again: boot + restore + warm-up (R). */
  readonly restartMinutes: number;
  /** Whether a checkpoint is taken on the 2-minute notice (then interrupted work is not lost). */
  readonly noticeCheckpoint: boolean;
  /**
   * The notice checkpoint as measured on earlier boxes: its upload time at the measured throughput
   * and the part of the notice the upload can use. When given, the notice checkpoint counts only
   * if it fits; one that does not leaves the job to its periodic checkpoints.
   */
  readonly measuredNoticeCheckpoint?: { readonly uploadSeconds: number; readonly usableSeconds: number };
  /** Periodic checkpoint interval (tau); Daly's optimum when absent. */
  readonly checkpointIntervalMinutes?: number;
}

export type EstimateWarningCode =
  | 'no-checkpointing-long-job'
  | 'hard-deadline'
  | 'gcp-24h-cap'
  | 'latency-sensitive-serving'
  | 'spot-costs-more'
  | 'high-interruption-rate'
  | 'notice-checkpoint-too-slow';

export interface EstimateWarning {
  readonly code: EstimateWarningCode;
  readonly message: string;
}

/** What the estimate is for; each only adds warnings, none changes the figures. */
export interface EstimateOptions {
  /** A hard deadline for the job, in hours of wall time from launch. */
  readonly deadlineHours?: number;
  /** Defaults to 'aws'. Decides the notice length and GCP's 24 h cap. */
  readonly cloud?: 'aws' | 'gcp' | 'azure';
  /** Defaults to 'training'. */
  readonly workload?: 'training' | 'serving';
}

export interface EstimateResult {
  readonly expectedWallHours: number;
  readonly expectedInterruptions: number;
  /**
   * Expected wall hours on boxes EC2 interrupts in their first hour (AWS only): not charged, so
   * left out of spotCost. The break-even rate is found without this refund (see breakEven.ts).
   */
  readonly expectedFreeHours: number;
  /**
   * The periodic checkpoint interval (tau) the estimate assumed; computeHours * 60 when no
   * periodic checkpoint is taken (one segment: the whole job).
   */
  readonly checkpointIntervalMinutes: number;
  readonly spotCost: number;
  readonly onDemandCost: number;
  /** (onDemandCost - spotCost) / onDemandCost * 100; negative when spot costs more. */
  readonly savingsPercent: number;
  /** The interruption rate at which spot would cost as much as on-demand (Infinity if never). */
  readonly breakEvenInterruptionsPerHour: number;
  readonly warnings: readonly EstimateWarning[];
}

/** A bad input, naming the field so a CLI can name its flag and a form its field. */
export class EstimateInputError extends Error {
  constructor(
    readonly field: keyof EstimateInput | keyof EstimateOptions,
    message: string,
  ) {
    super(message);
    this.name = 'EstimateInputError';
  }
}
