/**
 * What an Azure box's first boot does before sshd starts, as cloud-init's Azure datasource and the
 * Linux agent do it: the host keys (injected through `ssh_keys`, or made), the customData saved at
 * /var/lib/waagent/CustomData, the `write_files` of a #cloud-config, and the script scripts-user
 * runs. The box shares this machine's file system, so every folder cloud-init writes into becomes
 * the box's own: a folder under the box's state, bound over that path in the box's mount namespace.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { BoxSpec } from '../contract';
import { readAzureCustomData, type WrittenFile } from './azureCustomData';
import { decodeUserData } from './cloudInit';
import { ensureHostKeys, HostKey, installHostKeys } from './hostKeys';

export interface AzureFirstBoot {
  readonly keys: readonly HostKey[];
  /** Run once per instance after sshd is up (the `#!` customData, or runcmd's script). */
  readonly script?: Buffer;
  /** Shell lines for the box's mount script: the box's own folders over this machine's. */
  readonly mounts: readonly string[];
}

/** Folders a box may not take over: it shares them with this machine and every other box. */
const SHARED_FOLDERS = new Set(['/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib64', '/opt', '/proc', '/root', '/run', '/sbin', '/srv', '/sys', '/tmp', '/usr', '/var', '/var/lib', '/var/log', '/var/tmp']);

export async function prepareAzureFirstBoot(dir: string, disk: string, spec: BoxSpec, hostname: string): Promise<AzureFirstBoot> {
  const customData = decodeUserData(spec.azure?.customDataBase64);
  const config = await readAzureCustomData(customData);
  const sshDir = path.join(dir, 'ssh');
  const keys = config.hostKeys
    ? await installHostKeys(sshDir, config.hostKeys, config.deleteHostKeys)
    : await ensureHostKeys(sshDir, `root@${hostname.split('.')[0]}`);
  const files: WrittenFile[] = [...config.writeFiles];
  if (customData) {
    // The Linux agent keeps the customData, readable by root only.
    files.push({ path: '/var/lib/waagent/CustomData', content: customData, mode: 0o600 });
  }
  const home = `/home/${spec.loginUser}/`;
  const rootfs = path.join(dir, 'rootfs');
  const marker = path.join(dir, 'write-files.done');
  const firstBoot = !fs.existsSync(marker);
  const folders = new Set<string>();
  for (const file of files) {
    assertBoxPath(file.path);
    const inHome = file.path.startsWith(home);
    const target = inHome ? path.join(disk, file.path.slice(home.length)) : path.join(rootfs, file.path);
    if (!inHome) {
      const folder = path.posix.dirname(file.path);
      if (SHARED_FOLDERS.has(folder)) {
        throw new Error(`the sandbox cannot give a box its own ${folder} (write_files ${file.path})`);
      }
      folders.add(folder);
    }
    // write_files runs once per instance: a rebooted box keeps what its scripts made of them.
    if (firstBoot) {
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      await fs.promises.writeFile(target, file.content, { mode: file.mode });
      await fs.promises.chmod(target, file.mode);
    }
  }
  await fs.promises.writeFile(marker, new Date().toISOString() + '\n');
  if (config.ignored.length > 0) {
    await fs.promises.appendFile(path.join(dir, 'cloud-init-output.log'), `cloud-config keys the sandbox does not act on: ${config.ignored.join(', ')}\n`);
  }
  // Outer folders first, so a folder inside another is bound inside the box's copy of it.
  const mounts = [...folders].sort((a, b) => a.length - b.length).map((folder) => `mkdir -p ${folder} && mkdir -p ${path.join(rootfs, folder)} && mount --bind ${path.join(rootfs, folder)} ${folder}`);
  return { keys, script: config.script, mounts };
}

function assertBoxPath(p: string): void {
  // It goes into the mount script unquoted.
  if (!/^\/[A-Za-z0-9._@+/-]+$/.test(p) || p.split('/').includes('..')) {
    throw new Error(`write_files path the sandbox cannot place: ${p}`);
  }
}
