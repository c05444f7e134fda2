/**
 * What cloud-init would do and print on the box: run the user data script once per instance and
 * write the host keys to the serial console, where a careful client reads them before trusting
 * the box (GetConsoleOutput).
 */
import { createHash } from 'crypto';
import type { AzureGuest, GceGuest } from '../contract';
import { HostKey } from './hostKeys';

const CLOUD_INIT_VERSION = '23.1.2-0ubuntu0~22.04.1';

export function decodeUserData(userDataBase64: string | undefined): Buffer | undefined {
  if (!userDataBase64) {
    return undefined;
  }
  const data = Buffer.from(userDataBase64, 'base64');
  return data.length > 0 ? data : undefined;
}

/** cloud-init runs user data that starts with '#!' as a script; other formats are not emulated. */
export function isUserScript(userData: Buffer | undefined): userData is Buffer {
  return userData !== undefined && userData.subarray(0, 2).toString('latin1') === '#!';
}

/** EC2's internal host name for a private IP, e.g. ip-127-0-0-5.ec2.internal. */
export function ec2Hostname(ip: string, region: string): string {
  const base = 'ip-' + ip.replace(/\./g, '-');
  return region === 'us-east-1' ? `${base}.ec2.internal` : `${base}.${region}.compute.internal`;
}

/** A Compute Engine VM's fully qualified internal name; its short name (the hostname) is the instance name. */
export function gceHostname(gce: GceGuest): string {
  return `${gce.instanceName}.${gce.zone}.c.${gce.project}.internal`;
}

/**
 * An Azure VM's fully qualified name: the VM name under the virtual network's internal DNS suffix
 * (`<random>.<x>.internal.cloudapp.net`, made here from the resource group, where the sandbox puts
 * one network per group); its short name (the hostname) is the computer name (the VM name unless
 * osProfile says otherwise, as for a scale set's instance).
 */
export function azureHostname(azure: AzureGuest): string {
  const digest = createHash('sha256').update(`${azure.subscriptionId}/${azure.resourceGroup}`).digest();
  const suffix = [...digest.subarray(0, 26)].map((byte) => String.fromCharCode(97 + (byte % 26))).join('');
  return `${azure.computerName ?? azure.vmName}.${suffix}.bx.internal.cloudapp.net`;
}

/** The kernel, NIC and cloud-init datasource differ per cloud's images. */
const CLOUD_FLAVOURS = {
  ec2: { kernel: '6.8.0-1021-aws', rootDevice: 'nvme0n1p1', nic: 'ens5', datasource: 'DataSourceEc2Local' },
  gce: { kernel: '6.8.0-1019-gcp', rootDevice: 'sda1', nic: 'ens4', datasource: 'DataSourceGCELocal' },
  azure: { kernel: '6.8.0-1020-azure', rootDevice: 'sda1', nic: 'eth0', datasource: 'DataSourceAzure [seed=/dev/sr0]' },
} as const;

export type ConsoleCloud = keyof typeof CLOUD_FLAVOURS;

function cloudInitTime(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

function uptime(bootStartedMs: number, now: number): string {
  return ((now - bootStartedMs) / 1000 + 4.2).toFixed(2);
}

/** Boot messages up to and including the host key blocks, as printed once sshd is up. */
export function consoleBootText(opts: {
  readonly hostname: string;
  readonly ip: string;
  readonly keys: readonly HostKey[];
  readonly bootStartedMs: number;
  readonly now: number;
  readonly cloud?: ConsoleCloud;
}): string {
  const flavour = CLOUD_FLAVOURS[opts.cloud ?? 'ec2'];
  const short = opts.hostname.split('.')[0];
  const at = cloudInitTime(new Date(opts.now));
  const up = uptime(opts.bootStartedMs, opts.now);
  const lines = [
    `[    0.000000] Linux version ${flavour.kernel} (buildd@lcy02-amd64-043) (x86_64-linux-gnu-gcc-12) #23~22.04.1-Ubuntu SMP`,
    `[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz-${flavour.kernel} root=PARTUUID=spotbox-sandbox ro console=tty1 console=ttyS0 nvme_core.io_timeout=4294967295 panic=-1`,
    `[    2.104417] EXT4-fs (${flavour.rootDevice}): mounted filesystem with ordered data mode. Quota mode: none.`,
    `[  OK  ] Started OpenBSD Secure Shell server.`,
    `Cloud-init v. ${CLOUD_INIT_VERSION} running 'init' at ${at}. Up ${up} seconds.`,
    `ci-info: ++++++++++++++++++++++++++++++++++++++Net device info++++++++++++++++++++++++++++++++++++++`,
    `ci-info: | Device |  Up  |   Address   |    Mask     | Scope  |     Hw-Address    |`,
    `ci-info: |  ${flavour.nic}  | True | ${opts.ip} | 255.0.0.0 | global | 0a:5b:c3:00:00:01 |`,
    `Cloud-init v. ${CLOUD_INIT_VERSION} running 'modules:config' at ${at}. Up ${up} seconds.`,
    `Cloud-init v. ${CLOUD_INIT_VERSION} running 'modules:final' at ${at}. Up ${up} seconds.`,
    '#############################################################',
    '-----BEGIN SSH HOST KEY FINGERPRINTS-----',
    ...opts.keys.map((k) => `${k.bits} ${k.fingerprint} root@${short} (${k.label})`),
    '-----END SSH HOST KEY FINGERPRINTS-----',
    '#############################################################',
    `${short} login: `,
    '-----BEGIN SSH HOST KEY KEYS-----',
    ...opts.keys.map((k) => `${k.algorithm} ${k.blobBase64} root@${short}`),
    '-----END SSH HOST KEY KEYS-----',
  ];
  return lines.join('\n') + '\n';
}

/** The line cloud-init prints once user data has run. */
export function consoleFinishedText(bootStartedMs: number, now: number, cloud: ConsoleCloud = 'ec2'): string {
  return (
    `Cloud-init v. ${CLOUD_INIT_VERSION} finished at ${cloudInitTime(new Date(now))}. ` +
    `Datasource ${CLOUD_FLAVOURS[cloud].datasource}.  Up ${uptime(bootStartedMs, now)} seconds\n`
  );
}

/** Parses the fingerprint block back out of console text (what a client does to pin the key). */
export function fingerprintsFromConsole(text: string): Array<{ fingerprint: string; label: string }> {
  const block = /-----BEGIN SSH HOST KEY FINGERPRINTS-----\n([\s\S]*?)-----END SSH HOST KEY FINGERPRINTS-----/.exec(text);
  if (!block) {
    return [];
  }
  return block[1]
    .split('\n')
    .map((line) => /^\d+ (SHA256:\S+) \S+ \((\w+)\)$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ fingerprint: m[1], label: m[2] }));
}
