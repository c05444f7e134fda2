import type { Orphan, ResourceKind, SweepResult } from './orphanTypes';
import { isLegacyOwnerTag } from './ownership';

export const KIND_LABELS: Readonly<Record<ResourceKind, string>> = {
  fleet: 'EC2 Fleet',
  instance: 'instance',
  'launch-template': 'launch template',
  'key-pair': 'key pair',
  'security-group': 'security group',
};

/** The same kinds in Compute Engine's words (gceHygieneCloud.ts maps them). */
export const GCE_KIND_LABELS: Readonly<Record<ResourceKind, string>> = {
  fleet: 'managed instance group',
  instance: 'VM',
  'launch-template': 'instance template',
  'key-pair': 'SSH key',
  'security-group': 'firewall rule',
};

/** The same kinds in Azure's words (azureHygieneCloud.ts maps them): a box's resource group stands where its security group would. */
export const AZURE_KIND_LABELS: Readonly<Record<ResourceKind, string>> = {
  fleet: 'scale set',
  instance: 'VM',
  'launch-template': 'VM model',
  'key-pair': 'SSH key',
  'security-group': 'resource group',
};

function kindLabel(orphan: Pick<Orphan, 'kind' | 'cloud'>): string {
  return (orphan.cloud === 'gcp' ? GCE_KIND_LABELS : orphan.cloud === 'azure' ? AZURE_KIND_LABELS : KIND_LABELS)[orphan.kind];
}

/**
 * "security group sg-0abc (spotbox-llama-1a2b3c4d)": the id EC2 knows it by, and its name when that
 * differs; "EC2 Fleet fleet-0abc (maintain, box llama)": a fleet has no name, its box tells whose.
 */
export function describeOrphan(orphan: Pick<Orphan, 'kind' | 'id' | 'name' | 'boxName' | 'cloud'>): string {
  if (orphan.kind === 'fleet') return `${kindLabel(orphan)} ${orphan.id} (${orphan.cloud === 'gcp' ? 'keeps one VM' : 'maintain'}${orphan.boxName ? `, box ${orphan.boxName}` : ''})`;
  return `${kindLabel(orphan)} ${orphan.id}${orphan.name && orphan.name !== orphan.id ? ` (${orphan.name})` : ''}`;
}

/** The sweep pick's label: kind and id (the name goes in the description), or for a fleet what it is. */
export function pickLabel(orphan: Pick<Orphan, 'kind' | 'id' | 'boxName' | 'cloud'>): string {
  return orphan.kind === 'fleet' ? describeOrphan(orphan) : `${kindLabel(orphan)} ${orphan.id}`;
}

/** "5 min old", "3 h old", "2 days old"; EC2 gives security groups no creation time. */
export function ageLabel(createdAt: number | undefined, now: number): string {
  if (createdAt === undefined) return 'age unknown';
  const minutes = Math.max(0, Math.floor((now - createdAt) / 60_000));
  if (minutes < 1) return 'just created';
  if (minutes < 60) return `${minutes} min old`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h old`;
  return `${Math.floor(hours / 24)} days old`;
}

/** "2 instances, 1 key pair": counts by kind, in deletion order. */
export function countByKind(orphans: readonly Pick<Orphan, 'kind'>[]): string {
  const counts = new Map<ResourceKind, number>();
  for (const orphan of orphans) counts.set(orphan.kind, (counts.get(orphan.kind) ?? 0) + 1);
  return (Object.keys(KIND_LABELS) as ResourceKind[])
    .filter((kind) => counts.has(kind))
    .map((kind) => `${counts.get(kind)} ${KIND_LABELS[kind]}${counts.get(kind) === 1 ? '' : 's'}`)
    .join(', ');
}

/** One line for the notification after a sweep; the details of each failure are in the log. */
export function sweepSummary(result: SweepResult): string {
  const parts = [result.deleted.length > 0 ? `Swept ${countByKind(result.deleted)}.` : 'Nothing was deleted.'];
  if (result.failed.length > 0) {
    parts.push(`${result.failed.length} could not be deleted: ${result.failed.map((failure) => failure.message).join(' ')}`);
  }
  if (result.skipped.length > 0) {
    const reasons = [...new Set(result.skipped.map((skip) => skip.reason))];
    parts.push(`${result.skipped.length} left alone (${reasons.join('; ')}).`);
  }
  return parts.join(' ');
}

/**
 * Whose another owner's resource is, as far as its tag tells: an older Spotbox's owner tag was the
 * OS user name, which a colleague can share; a newer one's is an installation's random id.
 */
export function otherOwnerLabel(owner: string | undefined, osUserName?: string): string {
  if (owner === undefined || owner === '') return 'no spotbox:owner tag';
  if (isLegacyOwnerTag(owner)) {
    const same = osUserName !== undefined && owner === osUserName;
    return `owner "${owner}": an older Spotbox tagged the OS user name${same ? ', the same as yours here: likely yours from before the upgrade, but a colleague of that name looks alike' : ''}`;
  }
  return `owner ${owner}: another Spotbox installation (a colleague, or your other machine)`;
}
