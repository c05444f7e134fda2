/** The parts of an ARM resource id (`/subscriptions/{s}/resourceGroups/{g}/providers/{ns}/{type}/{name}`). */
export interface ResourceIdParts {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

export function parseResourceId(id: string): ResourceIdParts | undefined {
  const match = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/[^/]+\/[^/]+\/([^/]+)$/i.exec(id);
  return match ? { subscriptionId: match[1], resourceGroup: decodeURIComponent(match[2]), name: decodeURIComponent(match[3]) } : undefined;
}
