/** A new instance record from a validated insert: its id, its ssh-keys user, the flags the guest reads. */
import type { InstanceRecord } from './instanceRecord';
import type { ValidatedInsert } from './insertValidation';
import { fingerprintOf } from './renderInstance';
import { parseSshKeys, type MetadataSshKey } from './sshKeys';
import { newResourceId } from './resourceId';

export function newInstanceRecord(
  insert: ValidatedInsert,
  context: { project: string; projectNumber: string; zone: string; nowMs: number; projectAttributes: Readonly<Record<string, string>> },
): { record: InstanceRecord; sshKeys: MetadataSshKey[] } {
  const item = (key: string): string | undefined => insert.metadataItems.find((candidate) => candidate.key === key)?.value;
  const blockProjectKeys = /^true$/i.test(item('block-project-ssh-keys') ?? '');
  const sshKeys = parseSshKeys([item('ssh-keys'), blockProjectKeys ? undefined : context.projectAttributes['ssh-keys']].filter(Boolean).join('\n'), context.nowMs);
  const guestAttributesFlag = item('enable-guest-attributes') ?? context.projectAttributes['enable-guest-attributes'];
  const record: InstanceRecord = {
    id: newResourceId(),
    project: context.project,
    zone: context.zone,
    name: insert.name,
    machineType: insert.machineType.name,
    creationMs: context.nowMs,
    description: insert.description,
    labels: insert.labels,
    tags: insert.tags,
    metadataItems: insert.metadataItems,
    metadataFingerprint: fingerprintOf(insert.metadataItems),
    scheduling: insert.scheduling,
    guestAccelerators: insert.guestAccelerators,
    disks: insert.disks,
    sourceImage: insert.sourceImage,
    // As on GCE, 'default' names the project's Compute Engine default service account.
    serviceAccount: insert.serviceAccount && {
      ...insert.serviceAccount,
      email: insert.serviceAccount.email === 'default' ? `${context.projectNumber}-compute@developer.gserviceaccount.com` : insert.serviceAccount.email,
    },
    loginUser: sshKeys[0]?.user,
    enableGuestAttributes: /^true$/i.test(guestAttributesFlag ?? ''),
    status: 'PROVISIONING',
    preempted: false,
  };
  return { record, sshKeys };
}
