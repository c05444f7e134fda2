/**
 * The `$filter` ARM's list calls take: `tagName eq 'k' and tagValue eq 'v'`, `tagName eq 'k'`,
 * `resourceType eq 'Microsoft.Compute/virtualMachines'`, `name eq 'x'`, `location eq 'eastus'`,
 * joined with `and`. Anything else is 400 `InvalidFilterInQueryString`, as ARM answers it.
 */
import { ArmError } from './armError';

export interface ListFilter {
  readonly tagName?: string;
  readonly tagValue?: string;
  readonly resourceType?: string;
  readonly name?: string;
  readonly location?: string;
}

export function parseFilter(text: string | null): ListFilter {
  if (!text?.trim()) {
    return {};
  }
  const filter: Record<string, string> = {};
  for (const clause of text.split(/\s+and\s+/i)) {
    const match = /^\s*(tagName|tagValue|resourceType|name|location)\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(clause);
    if (!match) {
      throw new ArmError(400, 'InvalidFilterInQueryString', `Invalid $filter '${text}' specified in the query string.`);
    }
    const key = Object.keys({ tagName: 1, tagValue: 1, resourceType: 1, name: 1, location: 1 }).find((item) => item.toLowerCase() === match[1].toLowerCase())!;
    filter[key] = match[2].replace(/''/g, "'");
  }
  if (filter.tagValue !== undefined && filter.tagName === undefined) {
    throw new ArmError(400, 'InvalidFilterInQueryString', `Invalid $filter '${text}': tagValue needs tagName.`);
  }
  return filter;
}

export function matchesFilter(item: { name: string; type?: string; location: string; tags: Record<string, string> }, filter: ListFilter): boolean {
  if (filter.tagName !== undefined) {
    const key = Object.keys(item.tags).find((tag) => tag.toLowerCase() === filter.tagName!.toLowerCase());
    if (key === undefined || (filter.tagValue !== undefined && item.tags[key] !== filter.tagValue)) {
      return false;
    }
  }
  return (filter.resourceType === undefined || (item.type ?? '').toLowerCase() === filter.resourceType.toLowerCase())
    && (filter.name === undefined || item.name.toLowerCase() === filter.name.toLowerCase())
    && (filter.location === undefined || item.location.toLowerCase() === filter.location.toLowerCase());
}
