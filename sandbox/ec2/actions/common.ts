import { createHash } from 'node:crypto';
import type { BoxHost, EventSink } from '../../contract';
import type { Faults } from '../faults';
import type { FleetEngine } from '../fleets/engine';
import type { InstanceManager } from '../instances/manager';
import { Ec2Error } from '../protocol/errors';
import type { Filter, Params } from '../protocol/queryParams';
import type { XmlValue } from '../protocol/xmlWriter';
import type { SpotMarket } from '../spotMarket';
import type { Store } from '../state/store';

/** Everything an action may touch; one per request, region from the credential scope. */
export interface ActionContext {
  readonly region: string;
  readonly store: Store;
  readonly manager: InstanceManager;
  /** The maintain loop of EC2 Fleets. */
  readonly fleets: FleetEngine;
  readonly market: SpotMarket;
  readonly faults: Faults;
  readonly events: EventSink;
  readonly boxHost: BoxHost;
  readonly clock: () => number;
  /** GetConsoleOutput stays empty this long after the box is running, like cloud-init's lag. */
  readonly consoleDelayMs: number;
  /** Seed of the deterministic market (prices, placement scores). */
  readonly seed: number;
}

export type ActionResult = Record<string, XmlValue>;
export type ActionHandler = (ctx: ActionContext, p: Params) => ActionResult | Promise<ActionResult>;

export const ACCOUNT_ID = '123456789012';

function wildcard(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

/**
 * EC2 filter semantics: AND across filters, OR across a filter's values, `*`/`?` wildcards.
 * `resolve` returns the resource's values for a filter name, or undefined for unknown names.
 */
export function matchesFilters(filters: Filter[], resolve: (name: string) => string[] | undefined): boolean {
  for (const f of filters) {
    const values = resolve(f.name);
    if (values === undefined) throw new Ec2Error('InvalidParameterValue', `The filter '${f.name}' is invalid`);
    const patterns = f.values.map(wildcard);
    if (!values.some((v) => patterns.some((p) => p.test(v)))) return false;
  }
  return true;
}

export function tagFilterValues(tags: Record<string, string>, name: string): string[] | undefined {
  if (name.startsWith('tag:')) {
    const key = name.slice(4);
    return key in tags ? [tags[key]] : [];
  }
  if (name === 'tag-key') return Object.keys(tags);
  if (name === 'tag-value') return Object.values(tags);
  return undefined;
}

export function tagSet(tags: Record<string, string>): XmlValue[] | undefined {
  const entries = Object.entries(tags);
  return entries.length ? entries.map(([key, value]) => ({ key, value })) : undefined;
}

/** NextToken is an opaque offset; MaxResults is validated against the action's bounds. */
export function paginate<T>(items: T[], p: Params, bounds: { min: number; max: number }): { page: T[]; nextToken?: string } {
  const max = p.int('MaxResults');
  if (max !== undefined && (max < bounds.min || max > bounds.max)) {
    throw Ec2Error.invalidValue('MaxResults', String(max), `Expecting a value between ${bounds.min} and ${bounds.max}.`);
  }
  let offset = 0;
  const token = p.str('NextToken');
  if (token) {
    const m = /^o(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!m) throw Ec2Error.invalidValue('NextToken', token);
    offset = Number(m[1]);
  }
  const size = max ?? bounds.max;
  const page = items.slice(offset, offset + size);
  const next = offset + size < items.length ? Buffer.from(`o${offset + size}`).toString('base64url') : undefined;
  return next ? { page, nextToken: next } : { page };
}

export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function hexOf(...parts: string[]): string {
  return createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 17);
}

/** Every region has one default VPC with one default subnet per AZ, as in a fresh account. */
export function defaultVpcId(region: string): string {
  return 'vpc-' + hexOf('vpc', region);
}

export function subnetIdFor(zoneName: string): string {
  return 'subnet-' + hexOf('subnet', zoneName);
}
