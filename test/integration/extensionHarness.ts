import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import type { SpotboxApi } from '../../src/api';

export const EXTENSION_ID = 'spotbox.spotbox';

export function spotboxExtension(): vscode.Extension<SpotboxApi> {
  const extension = vscode.extensions.getExtension<SpotboxApi>(EXTENSION_ID);
  if (!extension) {
    throw new Error(`${EXTENSION_ID} is not installed in this VS Code`);
  }
  return extension;
}

export async function activeApi(): Promise<SpotboxApi> {
  return spotboxExtension().activate();
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls `check` until it returns a value (boxes, terminals and the tree all settle asynchronously). */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) {
        return value;
      }
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`Timed out waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
}

/** Runs a shell command (e.g. the real OpenSSH client) and resolves to its output. */
export function shell(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', command], { timeout: 30_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)));
  });
}

/** The sandbox's control API (fault injection): the launcher passes its check-IP URL, on the same server. */
export async function sandboxControl(route: string, body: Record<string, unknown>): Promise<unknown> {
  const base = (process.env.SPOTBOX_TEST_CHECKIP_URL ?? '').replace(/\/checkip$/, '');
  const response = await fetch(`${base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  assert.ok(response.ok, `${route}: HTTP ${response.status} ${text}`);
  return JSON.parse(text) as unknown;
}

/** Points Spotbox at the sandbox for a suite that launches: its check-IP URL and these regions. */
export async function useSandboxForLaunches(regions: readonly string[]): Promise<void> {
  const checkIpUrl = process.env.SPOTBOX_TEST_CHECKIP_URL;
  assert.ok(checkIpUrl, 'the launcher passes the sandbox check-IP URL');
  await vscode.workspace.getConfiguration('spotbox').update('checkIpUrl', checkIpUrl, vscode.ConfigurationTarget.Global);
  await vscode.workspace.getConfiguration('spotbox').update('regions', regions, vscode.ConfigurationTarget.Global);
}

/** Undoes useSandboxForLaunches and removes the profile the suite wrote into the workspace. */
export async function leaveSandboxLaunches(): Promise<void> {
  await vscode.workspace.fs.delete(vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, '.spotbox'), { recursive: true }).then(undefined, () => undefined);
  await vscode.workspace.getConfiguration('spotbox').update('checkIpUrl', undefined, vscode.ConfigurationTarget.Global);
  await vscode.workspace.getConfiguration('spotbox').update('regions', undefined, vscode.ConfigurationTarget.Global);
}
