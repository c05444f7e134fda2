/**
 * An Azure VM's customData as cloud-init's Azure datasource reads it: a `#!` script (run once per
 * instance, as EC2 user data), or a `#cloud-config` document of which the sandbox honours what a
 * Spotbox launch uses: `ssh_deletekeys` / `ssh_keys` (the host key, pinned before the box exists),
 * `write_files` and `runcmd` (the first-boot script). The YAML is read by PyYAML's safe_load, the
 * parser cloud-init itself uses.
 */
import { execFile } from 'child_process';
import { promisify } from 'util';
import { isUserScript } from './cloudInit';
import type { InjectedHostKey } from './hostKeys';

const execFileAsync = promisify(execFile);

export interface WrittenFile {
  /** Absolute path inside the box. */
  readonly path: string;
  readonly content: Buffer;
  readonly mode: number;
}

export interface AzureCustomData {
  /** What cloud-init's scripts-user runs once per instance: the `#!` customData, or the script cloud-init writes for `runcmd`. */
  readonly script?: Buffer;
  /** From `ssh_keys`: when present these are the box's only host keys (cloud-init then generates none). */
  readonly hostKeys?: readonly InjectedHostKey[];
  /** `ssh_deletekeys` (cloud-init's default: true): the image's keys go before the new ones are written. */
  readonly deleteHostKeys: boolean;
  readonly writeFiles: readonly WrittenFile[];
  /** Keys of the cloud-config the sandbox does not act on (reported in the box's cloud-init log). */
  readonly ignored: readonly string[];
}

const HANDLED = new Set(['ssh_deletekeys', 'ssh_genkeytypes', 'ssh_keys', 'write_files', 'runcmd']);
const KEY_TYPES = ['ed25519', 'ecdsa', 'rsa'] as const;

export async function readAzureCustomData(data: Buffer | undefined): Promise<AzureCustomData> {
  const none: AzureCustomData = { deleteHostKeys: true, writeFiles: [], ignored: [] };
  if (!data) {
    return none;
  }
  const text = data.toString('utf8');
  if (isUserScript(data)) {
    return { ...none, script: data };
  }
  if (!text.startsWith('#cloud-config')) {
    return { ...none, ignored: ['customData that is neither a #! script nor #cloud-config'] };
  }
  const parsed = await parseYaml(text);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || 'yaml_error' in parsed) {
    // cloud-init logs a document it cannot read and boots on with the image's defaults (new host keys).
    const reason = (parsed as { yaml_error?: string } | null)?.yaml_error ?? 'not a YAML mapping';
    return { ...none, ignored: [`the #cloud-config, which does not parse (${reason})`] };
  }
  return cloudConfig(parsed as Record<string, unknown>);
}

/** PyYAML's safe_load, as cloud-init reads user data; a document it cannot read gives `{yaml_error}`. */
async function parseYaml(text: string): Promise<unknown> {
  const program = [
    'import sys, json, yaml',
    'try:',
    '    doc = yaml.safe_load(sys.stdin)',
    'except yaml.YAMLError as err:',
    '    doc = {"yaml_error": str(err).splitlines()[0]}',
    'json.dump(doc, sys.stdout, default=str)',
  ].join('\n');
  const child = execFileAsync('python3', ['-c', program]);
  child.child.stdin?.end(text);
  const { stdout } = await child;
  return JSON.parse(stdout) as unknown;
}

function cloudConfig(doc: Record<string, unknown>): AzureCustomData {
  const sshKeys = doc.ssh_keys as Record<string, unknown> | undefined;
  const hostKeys: InjectedHostKey[] = [];
  if (sshKeys && typeof sshKeys === 'object') {
    for (const type of KEY_TYPES) {
      const privateKey = sshKeys[`${type}_private`];
      if (typeof privateKey === 'string') {
        const publicKey = sshKeys[`${type}_public`];
        hostKeys.push({ type, privateKey, publicKey: typeof publicKey === 'string' ? publicKey : undefined });
      }
    }
  }
  const writeFiles = (Array.isArray(doc.write_files) ? doc.write_files : []).map(writtenFile);
  const runcmd = Array.isArray(doc.runcmd) ? doc.runcmd : [];
  return {
    script: runcmd.length > 0 ? Buffer.from(runcmdScript(runcmd)) : undefined,
    hostKeys: sshKeys ? hostKeys : undefined,
    deleteHostKeys: doc.ssh_deletekeys !== false,
    writeFiles,
    ignored: Object.keys(doc).filter((key) => !HANDLED.has(key)),
  };
}

function writtenFile(entry: unknown): WrittenFile {
  const file = entry as { path?: unknown; content?: unknown; encoding?: unknown; permissions?: unknown };
  if (typeof file?.path !== 'string' || !file.path.startsWith('/')) {
    throw new Error('write_files entry without an absolute path');
  }
  const content = typeof file.content === 'string' ? file.content : '';
  const encoding = typeof file.encoding === 'string' ? file.encoding.toLowerCase() : 'text/plain';
  let bytes: Buffer;
  if (encoding === 'b64' || encoding === 'base64') {
    bytes = Buffer.from(content, 'base64');
  } else if (encoding === 'text/plain') {
    bytes = Buffer.from(content, 'utf8');
  } else {
    throw new Error(`write_files encoding ${encoding} is not emulated`);
  }
  // cloud-init's default is 0644; permissions come as an octal string ('0700') or, unquoted, as the number YAML 1.1 reads (0700 is 448).
  const mode = typeof file.permissions === 'number' ? file.permissions : typeof file.permissions === 'string' && /^0?[0-7]{3,4}$/.test(file.permissions) ? parseInt(file.permissions, 8) : 0o644;
  return { path: file.path, content: bytes, mode };
}

/** What cloud-init writes to scripts/runcmd: a string is a shell line, a list one command with each word quoted. */
function runcmdScript(runcmd: readonly unknown[]): string {
  const lines = runcmd.map((entry) => (Array.isArray(entry) ? entry.map((word) => shellQuote(String(word))).join(' ') : String(entry)));
  return `#!/bin/sh\n${lines.join('\n')}\n`;
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
