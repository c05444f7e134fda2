import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { instanceTypeSpec } from './instanceTypes';
import { regionUtcOffset, zones } from './regions';

/** Schema of resources/prices/aws-ec2-gpu-on-demand.json (also read by the estimator). */
export interface PriceCatalog {
  readonly schemaVersion: number;
  readonly asOf: string;
  readonly source: string;
  readonly notes: string;
  readonly regions: Record<string, { name: string }>;
  readonly instanceTypes: Record<string, { family: string; prices: Record<string, { usdPerHour: number; estimate: boolean }> }>;
}

const CATALOG_FILE = path.join('resources', 'prices', 'aws-ec2-gpu-on-demand.json');

let cached: PriceCatalog | undefined;

/** Walks up from this file so the catalog is found both from sources and from compiled out/. */
export function loadPriceCatalog(): PriceCatalog {
  if (cached) return cached;
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, CATALOG_FILE);
    if (fs.existsSync(candidate)) {
      cached = JSON.parse(fs.readFileSync(candidate, 'utf8')) as PriceCatalog;
      return cached;
    }
    dir = path.dirname(dir);
  }
  throw new Error(`price catalog ${CATALOG_FILE} not found above ${__dirname}`);
}

export function onDemandPrice(region: string, instanceType: string): number | undefined {
  return loadPriceCatalog().instanceTypes[instanceType]?.prices[region]?.usdPerHour;
}

/** A value in [0, 1) fixed by its inputs, so every run of the sandbox tells the same story. */
export function unitHash(...parts: Array<string | number>): number {
  const digest = createHash('sha256').update(parts.join('|')).digest();
  return digest.readUInt32BE(0) / 0x100000000;
}

/** The largest types sit in a few AZs only, like on AWS. */
export function offeredInZone(region: string, zoneName: string, instanceType: string): boolean {
  if (onDemandPrice(region, instanceType) === undefined) return false;
  const spec = instanceTypeSpec(instanceType);
  if (!spec || !['p4d', 'p5', 'p5e'].includes(spec.family)) return true;
  const all = zones(region);
  const ranked = [...all].sort((a, b) => unitHash('az', instanceType, a.zoneName) - unitHash('az', instanceType, b.zoneName));
  return ranked.slice(0, Math.min(2, all.length)).some((z) => z.zoneName === zoneName);
}

const SPOT_DISCOUNT: Record<string, number> = { g4dn: 0.74, p3: 0.76, g5: 0.66, g6: 0.62, g6e: 0.58, p4d: 0.62, p5: 0.58, p5e: 0.52 };

export const HOUR_MS = 3_600_000;

/**
 * Spot price of a pool for the hour containing `timeMs`: a family discount off on-demand,
 * a small per-AZ offset, a daily cycle with the dip at the region's night, cheaper weekends and
 * a little hourly noise. Changes only at hour boundaries.
 */
export function seriesSpotPrice(seed: number, region: string, zoneName: string, instanceType: string, timeMs: number): number | undefined {
  const od = onDemandPrice(region, instanceType);
  const spec = instanceTypeSpec(instanceType);
  if (od === undefined || !spec) return undefined;
  const hour = Math.floor(timeMs / HOUR_MS);
  const discount = (SPOT_DISCOUNT[spec.family] ?? 0.6) + (unitHash(seed, 'pool', region, zoneName, instanceType) - 0.5) * 0.08;
  const local = new Date(hour * HOUR_MS + regionUtcOffset(region) * HOUR_MS);
  const hourOfDay = local.getUTCHours();
  const daily = 1 + 0.06 * Math.sin(((hourOfDay - 9) / 24) * 2 * Math.PI);
  const weekend = local.getUTCDay() === 0 || local.getUTCDay() === 6 ? 0.95 : 1;
  const noise = 1 + (unitHash(seed, 'hour', region, zoneName, instanceType, hour) - 0.5) * 0.04;
  const price = od * (1 - discount) * daily * weekend * noise;
  return Math.round(Math.min(od, Math.max(od * 0.1, price)) * 10000) / 10000;
}

export function formatPrice(usd: number): string {
  return usd.toFixed(6);
}
