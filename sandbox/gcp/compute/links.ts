/** Resource URLs as Compute Engine writes them in selfLink, zone, machineType, targetLink, ... */
export const COMPUTE_BASE = 'https://www.googleapis.com/compute/v1';

export const projectLink = (project: string): string => `${COMPUTE_BASE}/projects/${project}`;
export const zoneLink = (project: string, zone: string): string => `${projectLink(project)}/zones/${zone}`;
export const regionLink = (project: string, region: string): string => `${projectLink(project)}/regions/${region}`;
export const instanceLink = (project: string, zone: string, name: string): string => `${zoneLink(project, zone)}/instances/${name}`;
export const machineTypeLink = (project: string, zone: string, name: string): string => `${zoneLink(project, zone)}/machineTypes/${name}`;
export const acceleratorTypeLink = (project: string, zone: string, name: string): string => `${zoneLink(project, zone)}/acceleratorTypes/${name}`;
export const firewallLink = (project: string, name: string): string => `${projectLink(project)}/global/firewalls/${name}`;
export const diskTypeLink = (project: string, zone: string, name: string): string => `${zoneLink(project, zone)}/diskTypes/${name}`;
export const instanceTemplateLink = (project: string, name: string): string => `${projectLink(project)}/global/instanceTemplates/${name}`;
export const instanceGroupManagerLink = (project: string, region: string, name: string): string => `${regionLink(project, region)}/instanceGroupManagers/${name}`;
export const instanceGroupLink = (project: string, region: string, name: string): string => `${regionLink(project, region)}/instanceGroups/${name}`;
export const networkLink = (project: string, name = 'default'): string => `${projectLink(project)}/global/networks/${name}`;

/** Compute's timestamps: RFC 3339 with the offset written out (Google writes Pacific time; UTC is as valid). */
export function computeTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}

/** The last path segment of a URL or partial URL (`zones/z/machineTypes/t` -> `t`). */
export function lastSegment(link: string): string {
  return link.split('/').filter(Boolean).pop() ?? '';
}
