import { hostKeysFromConsole, parseConsoleHostKeyLines, type ConsoleHostKey } from '../ssh/consoleHostKeys';
import type { ComputeClient } from './computeClient';
import type { GuestAttribute } from './computeTypes';

/**
 * A box's SSH host keys as Google publishes them, to pin before the first connection (as
 * `gcloud compute ssh --strict-host-key-checking=yes` does). The guest agent writes one guest
 * attribute per key, `hostkeys/<type>` = the base64 blob (it splits the `.pub` line at spaces and
 * keeps the second field). Each blob must name the same type as its attribute, as for console keys.
 */
export function hostKeysFromGuestAttributes(items: readonly GuestAttribute[]): ConsoleHostKey[] {
  const lines = items.filter((item) => (item.namespace ?? 'hostkeys') === 'hostkeys' && item.key && item.value).map((item) => `${item.key} ${(item.value ?? '').trim()}`);
  if (lines.length === 0) return [];
  return parseConsoleHostKeyLines(`-----BEGIN SSH HOST KEY KEYS-----\n${lines.join('\n')}\n-----END SSH HOST KEY KEYS-----`);
}

export interface BoxHostKeys {
  readonly keys: ConsoleHostKey[];
  readonly source: 'guest-attributes' | 'serial-port';
}

/**
 * Guest attributes first; else the serial port's cloud-init blocks (keys and fingerprints must
 * agree, see hostKeysFromConsole). Undefined while neither has any yet: ask again later.
 */
export async function readBoxHostKeys(compute: ComputeClient, zone: string, name: string, signal?: AbortSignal): Promise<BoxHostKeys | undefined> {
  const attributes = await compute.getGuestAttributes(zone, name, 'hostkeys/', signal ? { signal } : {});
  const fromAttributes = hostKeysFromGuestAttributes(attributes ?? []);
  if (fromAttributes.length > 0) return { keys: fromAttributes, source: 'guest-attributes' };
  const serial = await compute.getSerialPortOutput(zone, name, { port: 1, ...(signal ? { signal } : {}) });
  const fromSerial = hostKeysFromConsole(serial.contents ?? '');
  return fromSerial.length > 0 ? { keys: fromSerial, source: 'serial-port' } : undefined;
}
