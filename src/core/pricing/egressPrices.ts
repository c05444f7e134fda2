import type { CloudId } from '../cloud/clouds';

/**
 * USD per GB sent from a cloud out to the internet, at the first paid tier of each public list price.
 * A cross-cloud copy leaves the source cloud over the internet (through the machine that runs the
 * editor), and data into the destination is free on all three, so the source's price is the cost.
 * Each cloud's monthly free allowance (AWS and Azure: the first 100 GB) is left out: the figure is
 * what the copy costs once that is spent. Check the sources when they change:
 * - AWS: $0.09/GB, "Data Transfer OUT From Amazon EC2 To Internet", first 10 TB/month (S3 the same),
 *   https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer (list price as published in 2024).
 * - Google Cloud: $0.12/GB, Premium Tier internet egress from North America, 0-1 TiB/month,
 *   https://cloud.google.com/vpc/network-pricing#internet_egress (as published in 2024).
 * - Azure: $0.087/GB, internet egress over Microsoft's network from North America, 100 GB-10 TB/month,
 *   https://azure.microsoft.com/pricing/details/bandwidth/ (as published in 2024).
 */
export const EGRESS_USD_PER_GB: Readonly<Record<CloudId, number>> = { aws: 0.09, gcp: 0.12, azure: 0.087 };

/** What sending `bytes` out of `cloud` to the internet costs at the list price (decimal GB, as the clouds bill). */
export function egressCostUsd(cloud: CloudId, bytes: number): number {
  return (bytes / 1e9) * EGRESS_USD_PER_GB[cloud];
}

/** "$0.0003", "$1.24": enough digits for a small copy to show it is not free. */
export function formatUsd(amount: number): string {
  if (amount >= 0.01 || amount === 0) return `$${amount.toFixed(2)}`;
  return `$${amount.toPrecision(1)}`;
}
