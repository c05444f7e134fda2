import type { ArmHttp } from './armHttp';
import { listAll } from './armPaging';
import type { ResourceGroup, Tags } from './armTypes';

export const RESOURCES_API_VERSION = '2021-04-01';

/** Resource groups of one subscription: each Spotbox box lives in its own, so deleting the group releases everything. */
export class ResourceGroupClient {
  constructor(private readonly http: ArmHttp, private readonly subscriptionId: string) {}

  private path(name?: string): string {
    return `subscriptions/${this.subscriptionId}/resourcegroups${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  async createOrUpdate(name: string, location: string, tags: Tags, signal?: AbortSignal): Promise<ResourceGroup> {
    return (await this.http.call<ResourceGroup>({ method: 'PUT', path: this.path(name), apiVersion: RESOURCES_API_VERSION, json: { location, tags }, ...(signal ? { signal } : {}) })).body;
  }

  async get(name: string, signal?: AbortSignal): Promise<ResourceGroup | undefined> {
    const response = await this.http.call<ResourceGroup>({ method: 'GET', path: this.path(name), apiVersion: RESOURCES_API_VERSION, accept: [404], ...(signal ? { signal } : {}) });
    return response.status === 404 ? undefined : response.body;
  }

  /** Deletes the group and everything in it, waiting until ARM says it is gone; a group already gone is fine. */
  async delete(name: string, signal?: AbortSignal): Promise<void> {
    await this.http.longRunning({ method: 'DELETE', path: this.path(name), apiVersion: RESOURCES_API_VERSION, accept: [404], ...(signal ? { signal } : {}) });
  }

  /** Groups carrying `tagName` = `tagValue` (ARM filters groups by one tag). */
  listByTag(tagName: string, tagValue: string, signal?: AbortSignal): Promise<ResourceGroup[]> {
    return listAll<ResourceGroup>(this.http, { path: this.path(), apiVersion: RESOURCES_API_VERSION, query: { $filter: `tagName eq '${odataQuote(tagName)}' and tagValue eq '${odataQuote(tagValue)}'` } }, signal);
  }
}

/** OData string literal: a quote is doubled. */
export function odataQuote(value: string): string {
  return value.replace(/'/g, "''");
}
