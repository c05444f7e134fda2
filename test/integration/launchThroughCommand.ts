import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Box } from '../../src/core/boxes/box';
import { activeApi, startCommand, waitFor } from './extensionHarness';
import { pickQuickPickRow } from './uiProbe';

/** The pre-flight row for launching `name` in `region`, as the QuickPick renders it (the codicon renders as nothing). */
export function preflightRow(name: string, region: string): RegExp {
  const escapedName = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // The row's text runs the label straight into the description ("… in us-west-2from $0.337/h …").
  return new RegExp(`^Launch "${escapedName}" in ${region.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=from |no spot price|\\s|$)`);
}

/**
 * Runs Spotbox: Launch a Spot Box with `profile` as the workspace's .spotbox/profile.json and
 * answers the pre-flight as a user would: it reads the QuickPick's rows through the UI probe,
 * fails unless the first (cheapest) row is the launch in `region` (the profile's first region by
 * default), and clicks it. Fails when the command fails (unless `failsWith` expects that failure).
 * Resolves to the running box.
 * Needs the UI probe: call requireUiProbe first.
 */
export async function launchThroughCommand(profile: Record<string, unknown>, options: { readonly region?: string; readonly screenshotName?: string; readonly checkPreflight?: (rows: readonly string[]) => void; readonly failsWith?: RegExp } = {}): Promise<Box> {
  const api = await activeApi();
  const folder = vscode.workspace.workspaceFolders![0].uri;
  await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, '.spotbox', 'profile.json'), new TextEncoder().encode(JSON.stringify(profile, null, 2)));
  const name = String(profile.name);
  const region = options.region ?? (profile.regions as string[])[0];
  const launching = startCommand('spotbox.launchBox');
  let settled = false;
  void launching.finally(() => (settled = true));
  try {
    const rows = await pickQuickPickRow(options.screenshotName ?? `launch-preflight-${name}`, preflightRow(name, region), { first: true });
    options.checkPreflight?.(rows);
  } catch (error) {
    // A launch that ended before its pre-flight showed says why in its outcome.
    if (settled) {
      const run = await launching;
      assert.fail(`spotbox.launchBox ended ${run.outcome} before its pre-flight could be answered: ${run.message ?? ''}`);
    }
    // Close the unanswered pre-flight, so the launch ends (cancelled) instead of blocking the next test.
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await launching;
    throw error;
  }
  const run = await launching;
  if (options.failsWith) {
    // A launch that fails after the box exists (the box is kept): the failure must be the expected one.
    assert.equal(run.outcome, 'failed', `spotbox.launchBox was expected to fail with ${options.failsWith}, and ended ${run.outcome}`);
    assert.match(run.message ?? '', options.failsWith);
  } else {
    assert.equal(run.outcome, 'ok', `spotbox.launchBox ended ${run.outcome}: ${run.message ?? ''}`);
  }
  await waitFor(() => api.boxStore.boxes.some((box) => box.name === name), `the launched box ${name} in the tree`, 30_000);
  const deadline = Date.now() + 60_000;
  let box = api.boxStore.boxes.find((candidate) => candidate.name === name)!;
  while (box.state !== 'running' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    box = (await api.boxStore.refresh()).find((candidate) => candidate.instanceId === box.instanceId) ?? box;
  }
  return box;
}
