/**
 * The cloud-init `#cloud-config` an Azure box gets as customData: the SSH host key Spotbox made for
 * it (so the key is pinned before the box exists, never trusted on first use; cloud-init's `ssh_keys`
 * replaces the image's keys), and optionally a script run once at first boot (`write_files` +
 * `runcmd`, since customData holds one document). ARM never returns customData on a read; on the
 * box only root can read it.
 */
export interface AzureCloudConfig {
  readonly hostKey: { readonly privateKeyOpenSsh: string; readonly publicKeyLine: string };
  /** A `#!` script run as root once, after the network is up (the agent's bootstrap). */
  readonly firstBootScript?: string;
}

const SCRIPT_PATH = '/var/lib/spotbox/first-boot.sh';

export function buildAzureCloudConfig(config: AzureCloudConfig): string {
  const lines = ['#cloud-config', 'ssh_deletekeys: true', 'ssh_genkeytypes: []', 'ssh_keys:', '  ed25519_private: |', ...indent(config.hostKey.privateKeyOpenSsh, 4), `  ed25519_public: ${yamlString(config.hostKey.publicKeyLine.trim())}`];
  if (config.firstBootScript !== undefined) {
    lines.push('write_files:', `  - path: ${SCRIPT_PATH}`, "    permissions: '0700'", '    owner: root:root', '    encoding: b64', `    content: ${Buffer.from(config.firstBootScript, 'utf8').toString('base64')}`, 'runcmd:', `  - [ ${SCRIPT_PATH} ]`);
  }
  return `${lines.join('\n')}\n`;
}

function indent(text: string, spaces: number): string[] {
  return text.trimEnd().split('\n').map((line) => `${' '.repeat(spaces)}${line}`);
}

/** A YAML double-quoted string (a public key line has spaces and may have a `#` in its comment). */
function yamlString(value: string): string {
  return JSON.stringify(value);
}
