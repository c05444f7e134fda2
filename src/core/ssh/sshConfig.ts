import * as os from 'node:os';
import { writeFileAtomic } from './knownHosts';

export interface SshConfigBox {
  /** The box's Spotbox name; becomes the alias `spotbox-<sanitized name>`. */
  readonly name: string;
  readonly hostName: string;
  readonly port: number;
  readonly user: string;
  readonly identityFile: string;
}

/**
 * `spotbox-<name>` with everything OpenSSH or a `vscode-remote://ssh-remote+<alias>` URI could
 * misread (spaces, `*`, `?`, `!`, `,`, `+`, `/`, quotes) replaced, so a box name can never turn
 * into a pattern that matches other hosts.
 */
export function hostAliasOf(name: string): string {
  const safe = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return `spotbox-${safe || 'box'}`;
}

/** Renders the Spotbox-owned SSH config: one Host block per box, nothing global. */
export function renderSshConfig(boxes: readonly SshConfigBox[], knownHostsFile: string): string {
  const header = ['# Written by Spotbox; rewritten whenever boxes change. Edits here are lost.', ''];
  const blocks = boxes.flatMap((box) => [
    `Host ${hostAliasOf(box.name)}`,
    `  HostName ${value(box.hostName)}`,
    `  Port ${Math.trunc(box.port)}`,
    `  User ${value(box.user)}`,
    `  IdentityFile ${value(box.identityFile)}`,
    // Only the box's own key: an agent full of keys can exhaust MaxAuthTries before it is tried.
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${value(knownHostsFile)}`,
    // Keys are pinned from the console, so an unknown key is an attack, never a prompt.
    '  StrictHostKeyChecking yes',
    // A dead spot box is noticed within ~30 s instead of hanging until TCP gives up.
    '  ServerAliveInterval 15',
    '  ServerAliveCountMax 2',
    '',
  ]);
  return [...header, ...blocks].join('\n');
}

export async function writeSshConfig(file: string, boxes: readonly SshConfigBox[], knownHostsFile: string): Promise<void> {
  await writeFileAtomic(file, renderSshConfig(boxes, knownHostsFile));
}

export type IncludeStatus = 'present' | 'absent';

/**
 * Whether the user's config already includes the Spotbox file where it applies to every host: an
 * `Include` after a `Host`/`Match` line belongs to that block only, so it does not count.
 */
export function includeLineStatus(userConfigText: string, spotboxConfigPath: string): IncludeStatus {
  const wanted = normalise(spotboxConfigPath);
  for (const line of userConfigText.split(/\r?\n/)) {
    const [keyword, ...args] = words(line);
    const lower = keyword?.toLowerCase();
    if (lower === 'host' || lower === 'match') {
      return 'absent';
    }
    if (lower === 'include' && args.some((arg) => normalise(arg) === wanted)) {
      return 'present';
    }
  }
  return 'absent';
}

/**
 * The user's config with one `Include` line prepended (before any Host block, so it applies
 * globally), every other byte unchanged. Returns the text as is when the line is already there.
 * The caller asks the user's consent before writing it.
 */
export function withIncludeLine(userConfigText: string, spotboxConfigPath: string): string {
  if (includeLineStatus(userConfigText, spotboxConfigPath) === 'present') {
    return userConfigText;
  }
  const newline = userConfigText.includes('\r\n') ? '\r\n' : '\n';
  return `Include ${value(spotboxConfigPath)}${newline}${userConfigText}`;
}

/** Splits a config line into words, honouring double quotes, dropping comments and `key=value`'s `=`. */
function words(line: string): string[] {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#')) {
    return [];
  }
  const result: string[] = [];
  for (const match of trimmed.replace(/^(\S+?)\s*=\s*/, '$1 ').matchAll(/"([^"]*)"|(\S+)/g)) {
    result.push(match[1] ?? match[2] ?? '');
  }
  return result;
}

function normalise(file: string): string {
  return file.startsWith('~/') ? `${os.homedir()}/${file.slice(2)}` : file;
}

/** Quotes a value with spaces; refuses what could inject another directive. */
function value(text: string): string {
  if (/[\r\n"]/.test(text) || text === '') {
    throw new Error(`Refusing an SSH config value with a quote, a newline or nothing in it: ${JSON.stringify(text)}`);
  }
  return /\s/.test(text) ? `"${text}"` : text;
}
