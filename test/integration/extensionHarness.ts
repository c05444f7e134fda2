import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import { DeleteFleetsCommand, EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import type { SpotboxApi } from '../../src/api';
import type { CommandRun } from '../../src/commands/registerCommand';

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

/**
 * Runs a Spotbox command the way a keybinding or menu would, and resolves to how it ended. Spotbox's
 * commands never reject (a failure becomes a notification), so the outcome comes from the
 * extension's command run log. Fails the test when the command failed: a test that expects a
 * refusal uses runCommandExpecting.
 */
export async function runCommand<T = unknown>(id: string, ...args: unknown[]): Promise<CommandRun & { readonly value?: T }> {
  const run = await commandRun<T>(id, args);
  assert.notEqual(run.outcome, 'failed', `${id} failed: ${run.message ?? ''}`);
  return run;
}

/** Runs a command that must end with `outcome` (a refusal, a cancellation) and resolves to the run: assert its message. */
export async function runCommandExpecting(outcome: CommandRun['outcome'], id: string, ...args: unknown[]): Promise<CommandRun> {
  const run = await commandRun(id, args);
  assert.equal(run.outcome, outcome, `${id} was expected to end ${outcome}, and ended ${run.outcome}${run.message ? `: ${run.message}` : ''}`);
  return run;
}

/**
 * Starts a command without waiting (a prompt of it is answered meanwhile) and resolves to how it
 * ended; `.then(check)` on the result keeps the assertion with the test.
 */
export function startCommand<T = unknown>(id: string, ...args: unknown[]): Promise<CommandRun & { readonly value?: T }> {
  return commandRun<T>(id, args);
}

async function commandRun<T>(id: string, args: readonly unknown[]): Promise<CommandRun & { readonly value?: T }> {
  const log = (await activeApi()).commandRuns;
  const from = log.next;
  const value = await vscode.commands.executeCommand<T>(id, ...args);
  // The wrapper records the run before its promise resolves; the earliest one started since `from` is ours.
  const run = log.runs.find((candidate) => candidate.sequence >= from && candidate.command === id);
  assert.ok(run, `${id} left no record in the command run log: is it registered through registerSpotboxCommand?`);
  return { ...run, value: value ?? (run.value as T | undefined) };
}

/**
 * The next run of `id` that starts from now on, for a command the test reaches through the UI
 * (a click on a tree menu, a welcome button, the palette): call before the click, await after.
 */
export function nextCommandRun(api: SpotboxApi, id: string, timeoutMs = 60_000): Promise<CommandRun> {
  const from = api.commandRuns.next;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`${id} did not run within ${timeoutMs} ms of the click (runs seen: ${api.commandRuns.runs.filter((run) => run.sequence >= from).map((run) => `${run.command} ${run.outcome}`).join(', ') || 'none'})`));
    }, timeoutMs);
    const subscription = api.commandRuns.onDidRecord((run) => {
      if (run.sequence >= from && run.command === id) {
        clearTimeout(timer);
        subscription.dispose();
        resolve(run);
      }
    });
  });
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

/** The modal question a test answered, as the user would have read it. */
export interface AnsweredModal {
  readonly message: string;
  readonly detail?: string;
  readonly buttons: readonly string[];
}

/**
 * Answers the next modal warning (Terminate Box's confirmation) with `button`, after reading it as
 * a user would: VS Code's test host refuses to render modal dialogs (its DialogService throws
 * "refused to show dialog in tests"), so no click can reach one. This stands in for that one dialog
 * and nothing else: the extension and this test share one `vscode` API object (same extension
 * folder), a non-modal message passes through untouched, the stand-in is removed at the first modal,
 * and a question that does not match `question` or lacks `button` is dismissed (the command then
 * ends cancelled, and the returned promise rejects with what was asked; so it does when no modal
 * comes within `timeoutMs`).
 */
export function answerNextModal(question: RegExp, button: string, timeoutMs = 30_000): Promise<AnsweredModal> {
  const window = vscode.window as unknown as { showWarningMessage: (message: string, ...rest: unknown[]) => Thenable<unknown> };
  const original = window.showWarningMessage;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      window.showWarningMessage = original;
      reject(new Error(`no modal question within ${timeoutMs} ms`));
    }, timeoutMs);
    window.showWarningMessage = function (message: string, ...rest: unknown[]): Thenable<unknown> {
      const options = rest[0] as vscode.MessageOptions | undefined;
      if (typeof options !== 'object' || options === null || options.modal !== true) return original.call(this, message, ...rest);
      window.showWarningMessage = original;
      clearTimeout(timer);
      const buttons = rest.slice(1).map((item) => (typeof item === 'string' ? item : String((item as vscode.MessageItem).title)));
      const asked: AnsweredModal = { message, ...(options.detail ? { detail: options.detail } : {}), buttons };
      if (!question.test(message) || !buttons.includes(button)) {
        reject(new Error(`the modal asked ${JSON.stringify(asked)}, not ${question} with "${button}"`));
        return Promise.resolve(undefined);
      }
      resolve(asked);
      return Promise.resolve(rest.slice(1).find((item) => item === button || (item as vscode.MessageItem | undefined)?.title === button));
    };
  });
}

/**
 * What a failed recovery test left of an AWS lineage, ended as Terminate Box would: the lineage is
 * marked ended first (or the editor would rightly recover it), then its fleet goes with its boxes
 * (or it would replace them), then every instance it recorded (`launched` when it recorded none).
 */
export async function endLineageLeftBehind(region: string, lineage: string | undefined, launched?: string): Promise<void> {
  const api = await activeApi();
  if (lineage) await api.lineages.update(lineage, (current) => ({ ...current, ended: true }));
  const current = lineage ? await api.lineages.get(lineage) : undefined;
  const ec2 = new EC2Client({ region });
  try {
    if (current?.fleetId) await ec2.send(new DeleteFleetsCommand({ FleetIds: [current.fleetId], TerminateInstances: true })).catch(() => undefined);
    for (const instanceId of current?.instanceIds ?? (launched ? [launched] : [])) {
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] })).catch(() => undefined);
    }
  } finally {
    ec2.destroy();
  }
}
