import type { LaunchRequest } from '../launch/launchTypes';

type Pool = LaunchRequest['pools'][number];

/**
 * The pools a replacement may use: every type of the original launch in every zone of the region,
 * except the pool that was just reclaimed. Spot interruptions cluster by pool, so launching into
 * the same type and zone again invites a second interruption within minutes.
 */
export function replacementPools(original: readonly Pool[], zones: readonly string[], interrupted: { instanceType: string; availabilityZone?: string }): Pool[] {
  const types = [...new Set(original.map((pool) => pool.instanceType))];
  const pinnedZones = original.filter((pool) => pool.availabilityZone !== undefined);
  const candidates: Pool[] =
    pinnedZones.length === original.length && original.length > 0
      ? original.map((pool) => ({ ...pool }))
      : types.flatMap((instanceType) => zones.map((availabilityZone) => ({ instanceType, availabilityZone })));
  const kept = candidates.filter((pool) => !(pool.instanceType === interrupted.instanceType && (interrupted.availabilityZone === undefined || pool.availabilityZone === interrupted.availabilityZone)));
  // With a single pool there is nowhere else to go: retry it rather than give up on the session.
  return kept.length > 0 ? kept : candidates;
}
