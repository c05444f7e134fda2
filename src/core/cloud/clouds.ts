/**
 * The clouds Spotbox knows, and the facts about each that the rest of the core must agree on
 * (how long a spot notice is, what the cloud calls a machine). One list, so adding a cloud is a
 * compile error everywhere a cloud-specific choice is still missing.
 */
export const CLOUDS = ['aws', 'gcp', 'azure'] as const;
export type CloudId = (typeof CLOUDS)[number];

export interface CloudFacts {
  /** As the cloud's own documentation names it. */
  readonly label: string;
  /**
   * Seconds between the notice a box can see and the moment it is reclaimed: AWS's two-minute
   * warning; GCE's ACPI soft off gives Spot VMs 30 s; Azure's Scheduled Events give at least 30 s.
   */
  readonly noticeSeconds: number;
  /** What the cloud calls an instance type: shown in messages and the profile's help. */
  readonly machineWord: string;
  /** Where a profile's `instanceTypes` come from, as an example. */
  readonly machineExample: string;
  readonly regionExample: string;
  /** Where a user looks at an instance by hand: named in next steps. */
  readonly consoleName: string;
  /** Where a box's checkpoints go, as messages name it. */
  readonly objectStore: string;
}

export const CLOUD_FACTS: Readonly<Record<CloudId, CloudFacts>> = {
  aws: { label: 'AWS', noticeSeconds: 120, machineWord: 'EC2 instance type', machineExample: 'g5.xlarge', regionExample: 'us-east-1', consoleName: 'the EC2 console', objectStore: 'S3' },
  gcp: { label: 'Google Cloud', noticeSeconds: 30, machineWord: 'Compute Engine machine type', machineExample: 'g2-standard-4', regionExample: 'us-central1', consoleName: 'the Google Cloud console (Compute Engine → VM instances)', objectStore: 'Cloud Storage' },
  azure: { label: 'Azure', noticeSeconds: 30, machineWord: 'Azure VM size', machineExample: 'Standard_NC4as_T4_v3', regionExample: 'eastus', consoleName: 'the Azure portal (Virtual machines)', objectStore: 'Blob storage' },
};

export function isCloudId(value: unknown): value is CloudId {
  return typeof value === 'string' && (CLOUDS as readonly string[]).includes(value);
}
