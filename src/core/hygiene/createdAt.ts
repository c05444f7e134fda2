/**
 * A resource's creation time as the sweep's grace period reads it: `{ createdAt }` from the
 * timestamp a cloud lists (Compute Engine's creationTimestamp, ARM's timeCreated), or nothing when
 * the cloud gave none or one that does not parse (the resource is then judged without an age).
 */
export function createdAtOf(timestamp: string | undefined): { createdAt?: number } {
  const at = timestamp ? Date.parse(timestamp) : NaN;
  return Number.isFinite(at) ? { createdAt: at } : {};
}
