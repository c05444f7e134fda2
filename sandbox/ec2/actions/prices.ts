import type { ActionHandler } from './common';
import { matchesFilters, paginate } from './common';
import { instanceTypeSpec, scarcity } from '../catalog/instanceTypes';
import { formatPrice, offeredInZone, unitHash, HOUR_MS } from '../catalog/prices';
import { isRegion, regionNames, zones, findZone } from '../catalog/regions';
import { Ec2Error } from '../protocol/errors';
import { parseFilters } from '../protocol/queryParams';
import type { XmlValue } from '../protocol/xmlWriter';
import { loadPriceCatalog } from '../catalog/prices';

const PRODUCTS = ['Linux/UNIX', 'Linux/UNIX (Amazon VPC)'];

const describeSpotPriceHistory: ActionHandler = (ctx, p) => {
  const now = ctx.clock();
  const end = Math.min(p.date('EndTime') ?? now, now);
  const start = p.date('StartTime') ?? end - 3 * HOUR_MS;
  if (start > end) throw Ec2Error.invalidValue('StartTime', new Date(start).toISOString(), 'StartTime must be before EndTime.');
  const types = p.strList('InstanceType');
  for (const t of types) if (!instanceTypeSpec(t)) throw Ec2Error.invalidValue('InstanceType', t);
  const products = p.strList('ProductDescription');
  for (const d of products) if (!PRODUCTS.includes(d) && !/^(SUSE Linux|Red Hat|Windows)/.test(d)) throw Ec2Error.invalidValue('ProductDescription', d);
  const azArg = p.str('AvailabilityZone');
  const zoneList = azArg ? [findZone(ctx.region, azArg)].filter((z) => z !== undefined) : zones(ctx.region);
  if (azArg && !zoneList.length) throw new Ec2Error('InvalidParameterValue', `Invalid availability zone: [${azArg}]`);
  const filters = parseFilters(p);
  const typeList = types.length ? types : Object.keys(loadPriceCatalog().instanceTypes);
  const items: Array<{ time: number; xml: XmlValue }> = [];
  for (const product of (products.length ? products : ['Linux/UNIX']).filter((d) => PRODUCTS.includes(d))) {
    for (const zone of zoneList) {
      for (const type of typeList) {
        if (!offeredInZone(ctx.region, zone.zoneName, type)) continue;
        for (const point of ctx.market.history(ctx.region, zone.zoneName, type, start, end)) {
          const price = formatPrice(point.price);
          const ok = matchesFilters(filters, (n) => {
            switch (n) {
              case 'availability-zone': return [zone.zoneName];
              case 'instance-type': return [type];
              case 'product-description': return [product];
              case 'spot-price': return [price];
              case 'timestamp': return [new Date(point.time).toISOString()];
              default: return undefined;
            }
          });
          if (!ok) continue;
          items.push({
            time: point.time,
            xml: { availabilityZone: zone.zoneName, availabilityZoneId: zone.zoneId, instanceType: type, productDescription: product, spotPrice: price, timestamp: new Date(point.time) },
          });
        }
      }
    }
  }
  items.sort((a, b) => b.time - a.time);
  const { page, nextToken } = paginate(items, p, { min: 5, max: 1000 });
  return { spotPriceHistorySet: page.map((i) => i.xml), nextToken };
};

/** 1..10: plentiful small/old types score high, big new GPUs low; dry pools score 1. */
function score(seed: number, region: string, zone: string | undefined, types: string[], target: number, dry: (t: string) => boolean): number {
  let best = 0;
  for (const t of types) {
    const spec = instanceTypeSpec(t);
    if (!spec) continue;
    if (dry(t)) {
      best = Math.max(best, 1);
      continue;
    }
    const perTarget = Math.log2(Math.max(1, target)) * (0.5 + spec.gpuCount / 8);
    const jitter = (unitHash(seed, 'score', region, zone ?? '', t) - 0.5) * 2;
    best = Math.max(best, Math.round(Math.min(10, Math.max(1, 9.5 - scarcity(spec) - perTarget + jitter))));
  }
  return best;
}

const getSpotPlacementScores: ActionHandler = (ctx, p) => {
  const types = p.strList('InstanceType');
  if (!types.length) throw Ec2Error.missing('InstanceType');
  for (const t of types) if (!instanceTypeSpec(t)) throw Ec2Error.invalidValue('InstanceType', t);
  const target = p.int('TargetCapacity');
  if (target === undefined) throw Ec2Error.missing('TargetCapacity');
  if (target < 1 || target > 2_000_000_000) throw Ec2Error.invalidValue('TargetCapacity', String(target));
  const regions = p.strList('RegionName');
  for (const r of regions) if (!isRegion(r)) throw Ec2Error.invalidValue('RegionName', r);
  const single = p.bool('SingleAvailabilityZone') ?? false;
  const seed = ctx.seed;
  const out: Array<{ score: number; xml: XmlValue }> = [];
  for (const region of regions.length ? regions : regionNames()) {
    const offered = types.filter((t) => loadPriceCatalog().instanceTypes[t]?.prices[region]);
    if (!offered.length) continue;
    if (single) {
      for (const z of zones(region)) {
        const inZone = offered.filter((t) => offeredInZone(region, z.zoneName, t));
        if (!inZone.length) continue;
        const s = score(seed, region, z.zoneName, inZone, target, (t) => ctx.faults.isDry(region, t, z.zoneName));
        out.push({ score: s, xml: { region, availabilityZoneId: z.zoneId, score: s } });
      }
    } else {
      const s = score(seed, region, undefined, offered, target, (t) => zones(region).every((z) => ctx.faults.isDry(region, t, z.zoneName)));
      out.push({ score: s, xml: { region, score: s } });
    }
  }
  out.sort((a, b) => b.score - a.score);
  const max = p.int('MaxResults');
  return { spotPlacementScoreSet: out.slice(0, max ?? out.length).map((o) => o.xml) };
};

export const priceActions: Record<string, ActionHandler> = {
  DescribeSpotPriceHistory: describeSpotPriceHistory,
  GetSpotPlacementScores: getSpotPlacementScores,
};
