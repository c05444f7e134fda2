import type { OnDemandCatalog, OtherCloudCatalog, SpotAdvisorCatalog } from './catalogTypes';

/**
 * Shape checks for the price catalogs. They are hand-edited JSON, so a mistake should name the
 * file and the exact field (e.g. `instanceTypes["p5.48xlarge"].prices["us-east-1"].usdPerHour`)
 * instead of surfacing later as NaN in an estimate.
 */
export class CatalogError extends Error {
  constructor(readonly file: string, readonly field: string, problem: string) {
    super(`Price catalog ${file}: ${field} ${problem}`);
    this.name = 'CatalogError';
  }
}

type Json = Record<string, unknown>;

class Checker {
  constructor(private readonly file: string) {}

  fail(field: string, problem: string): never {
    throw new CatalogError(this.file, field, problem);
  }

  object(value: unknown, field: string): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(field, `must be an object, got ${describe(value)}`);
    return value as Json;
  }

  nonEmptyObject(value: unknown, field: string): Json {
    const result = this.object(value, field);
    if (Object.keys(result).length === 0) this.fail(field, 'must not be empty');
    return result;
  }

  string(value: unknown, field: string): string {
    if (typeof value !== 'string' || value.trim() === '') this.fail(field, `must be a non-empty string, got ${describe(value)}`);
    return value;
  }

  date(value: unknown, field: string): string {
    const text = this.string(value, field);
    if (!/^\d{4}-\d{2}(-\d{2})?$/.test(text) || Number.isNaN(Date.parse(text))) this.fail(field, `must be a date like 2025-05-31, got "${text}"`);
    return text;
  }

  number(value: unknown, field: string, min: number, max = Infinity): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      this.fail(field, `must be a number in [${min}, ${max}], got ${describe(value)}`);
    }
    return value;
  }

  boolean(value: unknown, field: string): boolean {
    if (typeof value !== 'boolean') this.fail(field, `must be true or false, got ${describe(value)}`);
    return value;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  return Array.isArray(value) ? 'an array' : `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}

const at = (parent: string, key: string): string => `${parent}[${JSON.stringify(key)}]`;

export function validateOnDemand(file: string, raw: unknown): OnDemandCatalog {
  const c = new Checker(file);
  const root = c.object(raw, '(root)');
  c.date(root.asOf, 'asOf');
  c.string(root.source, 'source');
  const regions = c.nonEmptyObject(root.regions, 'regions');
  for (const [name, region] of Object.entries(regions)) c.string(c.object(region, at('regions', name)).name, `${at('regions', name)}.name`);
  const types = c.nonEmptyObject(root.instanceTypes, 'instanceTypes');
  for (const [type, entry] of Object.entries(types)) {
    const field = at('instanceTypes', type);
    const body = c.object(entry, field);
    c.string(body.family, `${field}.family`);
    for (const [region, price] of Object.entries(c.nonEmptyObject(body.prices, `${field}.prices`))) {
      const priceField = at(`${field}.prices`, region);
      if (!(region in regions)) c.fail(priceField, 'names a region missing from "regions"');
      const p = c.object(price, priceField);
      c.number(p.usdPerHour, `${priceField}.usdPerHour`, Number.MIN_VALUE);
      c.boolean(p.estimate, `${priceField}.estimate`);
    }
  }
  return raw as OnDemandCatalog;
}

export function validateAdvisor(file: string, raw: unknown): SpotAdvisorCatalog {
  const c = new Checker(file);
  const root = c.object(raw, '(root)');
  c.date(root.asOf, 'asOf');
  c.string(root.source, 'source');
  c.boolean(root.estimate, 'estimate');
  for (const [region, byOs] of Object.entries(c.nonEmptyObject(root.spot_advisor, 'spot_advisor'))) {
    const field = `${at('spot_advisor', region)}.Linux`;
    for (const [type, entry] of Object.entries(c.object(c.object(byOs, at('spot_advisor', region)).Linux, field))) {
      const e = c.object(entry, at(field, type));
      c.number(e.s, `${at(field, type)}.s`, 0, 100);
      const r = c.number(e.r, `${at(field, type)}.r`, 0, 4);
      if (!Number.isInteger(r)) c.fail(`${at(field, type)}.r`, `must be a whole range index 0..4, got ${r}`);
    }
  }
  return raw as SpotAdvisorCatalog;
}

export function validateOtherCloud(file: string, raw: unknown, cloud: 'gcp' | 'azure'): OtherCloudCatalog {
  const c = new Checker(file);
  const root = c.object(raw, '(root)');
  if (root.cloud !== cloud) c.fail('cloud', `must be "${cloud}", got ${describe(root.cloud)}`);
  c.date(root.asOf, 'asOf');
  c.string(root.source, 'source');
  c.number(root.noticeSeconds, 'noticeSeconds', 0, 3600);
  for (const [type, entry] of Object.entries(c.nonEmptyObject(root.instanceTypes, 'instanceTypes'))) {
    const field = at('instanceTypes', type);
    const body = c.object(entry, field);
    const gpu = c.object(body.gpu, `${field}.gpu`);
    c.string(gpu.model, `${field}.gpu.model`);
    c.number(gpu.count, `${field}.gpu.count`, 1);
    c.number(gpu.memoryGiB, `${field}.gpu.memoryGiB`, 1);
    for (const [region, price] of Object.entries(c.nonEmptyObject(body.prices, `${field}.prices`))) {
      const priceField = at(`${field}.prices`, region);
      const p = c.object(price, priceField);
      c.number(p.onDemandUsdPerHour, `${priceField}.onDemandUsdPerHour`, Number.MIN_VALUE);
      c.number(p.spotUsdPerHour, `${priceField}.spotUsdPerHour`, Number.MIN_VALUE);
      c.boolean(p.estimate, `${priceField}.estimate`);
    }
  }
  return raw as OtherCloudCatalog;
}
