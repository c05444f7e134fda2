/**
 * AWS, "Billing for interrupted Spot Instances": a Linux spot instance that EC2 interrupts in its
 * first instance hour is not charged at all; one the user stops or terminates is charged for every
 * second it ran. The recovery leaves such a box for EC2 to reclaim, and every cost figure
 * (ticker, usage ledger, dashboard, estimator) bills it at $0 through this one rule.
 */
export const FIRST_INSTANCE_HOUR_MS = 3_600_000;

/** AWS's notice lead: EC2 acts two minutes after the notice. Used where only the notice time is known. */
export const SPOT_NOTICE_LEAD_MS = 120_000;

/** The words the ticker's tooltip and the dashboard show next to a $0 box. */
export const FIRST_HOUR_NOT_CHARGED = 'interrupted by EC2 in its first hour: not charged';

/** True when EC2 reclaims the box (`reclaimMs`, the notice's action time) before it is one hour old. */
export function reclaimedInFirstHour(launchMs: number | undefined, reclaimMs: number | undefined): boolean {
  if (launchMs === undefined || reclaimMs === undefined || !Number.isFinite(launchMs) || !Number.isFinite(reclaimMs)) {
    return false;
  }
  return reclaimMs - launchMs < FIRST_INSTANCE_HOUR_MS;
}

/** What AWS waives for a box EC2 reclaimed in its first hour: `usd` is what its seconds would have cost. */
export interface FirstHourWaiver {
  readonly reason: 'ec2-interrupted-in-first-hour';
  readonly usd: number;
}

export function firstHourWaiver(usd: number): FirstHourWaiver {
  return { reason: 'ec2-interrupted-in-first-hour', usd };
}
