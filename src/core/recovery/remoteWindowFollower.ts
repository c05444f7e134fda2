import { hostAliasOf } from '../ssh/sshConfig';
import type { LineageRecord } from './recoveryTypes';

const SSH_REMOTE = 'ssh-remote+';

/**
 * The Spotbox alias a Remote-SSH window is attached to, from its folder URI's authority: either
 * `ssh-remote+spotbox-gpu` or Remote-SSH's hex-encoded JSON form (`ssh-remote+7b22…`, used when a
 * host name needs escaping). Undefined for any other window.
 */
export function spotboxAliasOfRemoteAuthority(authority: string): string | undefined {
  if (!authority.startsWith(SSH_REMOTE)) {
    return undefined;
  }
  let host = decodeURIComponent(authority.slice(SSH_REMOTE.length));
  if (/^(?:[0-9a-f]{2})+$/i.test(host) && host.startsWith('7b')) {
    try {
      const parsed = JSON.parse(Buffer.from(host, 'hex').toString('utf8')) as { hostName?: unknown };
      host = typeof parsed.hostName === 'string' ? parsed.hostName : '';
    } catch {
      return undefined;
    }
  }
  return host.startsWith('spotbox-') ? host : undefined;
}

/**
 * Decides when a Remote-SSH window on a Spotbox alias must reopen: once the box it was opened on
 * has been replaced by a finished recovery. The alias already points at the replacement by then,
 * so reopening the same folder lands on it; the old connection cannot come back (its server died
 * with the box).
 */
export class RemoteWindowFollower {
  private openedOn: string | undefined;
  private reopenedFor: string | undefined;

  constructor(private readonly alias: string) {}

  /** Feed every read of the lineages; returns the replacement to reopen on, once per replacement. */
  observe(records: readonly LineageRecord[]): { readonly boxName: string; readonly instanceId: string } | undefined {
    const record = records.find((candidate) => !candidate.ended && hostAliasOf(candidate.boxName) === this.alias);
    if (!record) {
      return undefined;
    }
    // The first read tells which box this window opened on (mid-recovery, that is still the old one).
    this.openedOn ??= record.recovery && record.recovery.phase !== 'resumed' ? record.recovery.interruptedInstanceId : record.currentInstanceId;
    const moved = record.recovery?.phase === 'resumed' && record.currentInstanceId !== this.openedOn && record.currentInstanceId !== this.reopenedFor;
    if (!moved) {
      return undefined;
    }
    this.reopenedFor = record.currentInstanceId;
    return { boxName: record.boxName, instanceId: record.currentInstanceId };
  }
}
