/**
 * The image's login user, as cloud-init makes it on a real instance: `ubuntu` (or `ec2-user`) with
 * uid 1000, home /home/<user>, passwordless sudo through /etc/sudoers.d/90-cloud-init-users, the
 * launch key in ~/.ssh/authorized_keys; root's key only says to log in as that user and exits 142.
 *
 * The box sees its own /etc/passwd, group, shadow and sudoers.d (bind-mounted in its mount
 * namespace, so this machine's files are never changed), and a /home of its own in which the
 * box's disk folder is the user's home.
 */
import * as fs from 'fs';
import * as path from 'path';

/** The uid and gid cloud-init gives the first user on the Ubuntu and Amazon Linux images. */
export const LOGIN_UID = 1000;

/** What the box's mount script binds over this machine's files, and the files it binds. */
export interface LoginUserFiles {
  readonly passwd: string;
  readonly group: string;
  readonly shadow: string;
  readonly sudoersDir: string;
  /** The authorized keys sshd uses for root (Match User root): the key, with cloud-init's refusal. */
  readonly rootAuthorizedKeys: string;
}

export function assertLoginUserName(user: string): void {
  // It goes into passwd lines, sshd_config and the mount script.
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user) || user === 'root') {
    throw new Error(`invalid login user for a box image: ${user}`);
  }
}

/** This machine's lines of a colon file without any entry for the user's name or the login uid/gid. */
function hostLinesWithout(file: string, user: string, idField: number | undefined): string[] {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  return text.split('\n').filter((line) => {
    if (!line.trim()) return false;
    const fields = line.split(':');
    return fields[0] !== user && (idField === undefined || fields[idField] !== String(LOGIN_UID));
  });
}

/** cloud-init's disable_root: the key works, but only to print where to log in instead. */
export function rootKeyLine(user: string, authorizedKey: string): string {
  const message = `Please login as the user \\"${user}\\" rather than the user \\"root\\".`;
  return `no-port-forwarding,no-agent-forwarding,no-X11-forwarding,command="echo '${message}';echo;sleep 10;exit 142" ${authorizedKey.trim()}`;
}

/** Writes the box's own account files into <boxDir>/etc/. */
export async function writeLoginUserFiles(boxDir: string, user: string, authorizedKey: string | undefined): Promise<LoginUserFiles> {
  assertLoginUserName(user);
  const etc = path.join(boxDir, 'etc');
  const sudoersDir = path.join(etc, 'sudoers.d');
  await fs.promises.mkdir(sudoersDir, { recursive: true, mode: 0o755 });
  const home = `/home/${user}`;
  const passwd = [...hostLinesWithout('/etc/passwd', user, 2), `${user}:x:${LOGIN_UID}:${LOGIN_UID}:${user}:${home}:/bin/bash`];
  const group = [...hostLinesWithout('/etc/group', user, 2), `${user}:x:${LOGIN_UID}:`];
  // '*': no password can log in, keys still can (a '!' would lock the account for sshd too).
  const shadow = [...hostLinesWithout('/etc/shadow', user, undefined), `${user}:*:20000:0:99999:7:::`];
  const files: LoginUserFiles = {
    passwd: path.join(etc, 'passwd'),
    group: path.join(etc, 'group'),
    shadow: path.join(etc, 'shadow'),
    sudoersDir,
    rootAuthorizedKeys: path.join(boxDir, 'root_authorized_keys'),
  };
  await fs.promises.writeFile(files.passwd, passwd.join('\n') + '\n', { mode: 0o644 });
  await fs.promises.writeFile(files.group, group.join('\n') + '\n', { mode: 0o644 });
  await fs.promises.writeFile(files.shadow, shadow.join('\n') + '\n', { mode: 0o640 });
  // The host's own drop-ins stay in force inside the box, as the image's would.
  if (fs.existsSync('/etc/sudoers.d')) {
    for (const name of await fs.promises.readdir('/etc/sudoers.d')) {
      await fs.promises.copyFile(path.join('/etc/sudoers.d', name), path.join(sudoersDir, name));
    }
  }
  const sudoers = path.join(sudoersDir, '90-cloud-init-users');
  await fs.promises.writeFile(sudoers, `# Created by cloud-init v. 24.1 on the first boot\n${user} ALL=(ALL) NOPASSWD:ALL\n`, { mode: 0o440 });
  await fs.promises.chmod(sudoers, 0o440);
  await fs.promises.writeFile(files.rootAuthorizedKeys, authorizedKey ? rootKeyLine(user, authorizedKey) + '\n' : '', { mode: 0o600 });
  return files;
}

/** Puts the launch key in the user's ~/.ssh/authorized_keys on the box's disk, owned by the user. */
export async function installAuthorizedKey(disk: string, authorizedKey: string | undefined): Promise<void> {
  const sshDir = path.join(disk, '.ssh');
  await fs.promises.mkdir(sshDir, { recursive: true, mode: 0o700 });
  const keys = path.join(sshDir, 'authorized_keys');
  // A restarted box keeps its disk; cloud-init writes the key again, which is what this does.
  await fs.promises.writeFile(keys, authorizedKey ? authorizedKey.trim() + '\n' : '', { mode: 0o600 });
  await fs.promises.chown(disk, LOGIN_UID, LOGIN_UID);
  await fs.promises.chown(sshDir, LOGIN_UID, LOGIN_UID);
  await fs.promises.chown(keys, LOGIN_UID, LOGIN_UID);
}

/**
 * Shell lines run inside the box's mount namespace before sshd starts: the account files over
 * this machine's, and a /home of the box's own where the disk is /home/<user>. This machine's
 * other home folders are bound back in, so a sandbox kept under /home still finds its own files.
 */
export function mountScript(user: string, files: LoginUserFiles, disk: string): string {
  assertLoginUserName(user);
  return [
    `mount --bind ${files.passwd} /etc/passwd`,
    `mount --bind ${files.group} /etc/group`,
    `mount --bind ${files.shadow} /etc/shadow`,
    `mkdir -p /etc/sudoers.d && mount --bind ${files.sudoersDir} /etc/sudoers.d`,
    // Covered by the tmpfs, the old /home stays reachable through the working directory.
    'mkdir -p /home && cd /home && mount -t tmpfs -o mode=755 spotbox-home /home',
    `for entry in * .[!.]*; do [ -d "$entry" ] && [ "$entry" != ${user} ] || continue; mkdir -p "/home/$entry" && mount --rbind "$entry" "/home/$entry"; done`,
    `cd / && mkdir -p /home/${user} && mount --bind ${disk} /home/${user}`,
  ].join(' && ');
}
