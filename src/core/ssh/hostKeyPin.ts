import { fingerprintOfKeyBlob } from './hostKeyFingerprints';

/** The server presented a host key that is not one of the box's pinned keys. Never retried. */
export class HostKeyMismatchError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly presentedFingerprint: string,
    readonly pinnedFingerprints: readonly string[],
  ) {
    super(
      `SECURITY WARNING: the host key of ${host}:${port} (${presentedFingerprint}) does not match the key the box ` +
        `printed to its console (${pinnedFingerprints.join(', ') || 'none pinned'}). Someone may be intercepting the ` +
        `connection, or the address now belongs to another machine. Spotbox did not connect and sent no credentials.`,
    );
    this.name = 'HostKeyMismatchError';
  }
}

/**
 * A host key check that accepts only pinned keys, and remembers the last refused key so the caller
 * can turn ssh2's generic "verification failed" error into a HostKeyMismatchError.
 */
export class HostKeyPin {
  refusedFingerprint: string | undefined;

  constructor(private readonly pinnedFingerprints: readonly string[]) {}

  /** Usable as ssh2's synchronous `hostVerifier`. An empty pin list accepts nothing. */
  readonly verify = (keyBlob: Buffer): boolean => {
    const fingerprint = fingerprintOfKeyBlob(keyBlob);
    if (this.pinnedFingerprints.includes(fingerprint)) {
      return true;
    }
    this.refusedFingerprint = fingerprint;
    return false;
  };
}
