import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { LAUNCHER_ENV, UI_PROBE_DIR_ENV, type UiProbeRequest, type UiProbeResponse } from '../vscode/resultsProtocol';

let sequence = 0;

/** Why each skipped test was skipped, by full title: index.ts prints and reports it. */
export const skipReasons = new Map<string, string>();

export function canProbeUi(): boolean {
  return Boolean(process.env[UI_PROBE_DIR_ENV]);
}

/** Under code-server the launcher sees the workbench, so a missing probe is a broken launcher, not a reason to skip. */
export function uiProbeIsMandatory(): boolean {
  return process.env[LAUNCHER_ENV] === 'code-server';
}

/**
 * For a test (or a hook) that needs to see the rendered workbench: without the probe it is skipped
 * with `why` printed next to its name, never passed; under code-server the probe must be there.
 */
export function requireUiProbe(context: Mocha.Context, why: string): void {
  if (canProbeUi()) {
    return;
  }
  if (uiProbeIsMandatory()) {
    throw new Error(`The UI probe is missing under code-server (${UI_PROBE_DIR_ENV} is not set): ${why}`);
  }
  // In a hook (`before`), every test of its suite is skipped; in a test, that test.
  const inHook = context.currentTest === undefined && context.test !== undefined && !(context.test instanceof Mocha.Test);
  const titles = inHook ? (context.test?.parent?.tests ?? []).map((test) => test.fullTitle()) : [(context.currentTest ?? context.test)?.fullTitle() ?? 'a test'];
  const reason = `needs the UI probe (code-server launcher) to ${why}`;
  for (const title of titles) {
    skipReasons.set(title, reason);
  }
  context.skip();
}

/**
 * Asks the launcher to query the rendered workbench and take a screenshot, and waits for its answer.
 * The extension host must stay alive meanwhile: once run() returns, views lose their providers.
 */
export async function probeUi(request: UiProbeRequest, timeoutMs = 30_000): Promise<UiProbeResponse> {
  const dir = process.env[UI_PROBE_DIR_ENV];
  if (!dir) {
    throw new Error('No UI probe: this launcher cannot see the rendered workbench.');
  }
  const base = path.join(dir, `${String(++sequence).padStart(3, '0')}-${request.name}`);
  fs.writeFileSync(`${base}.request.tmp`, JSON.stringify(request));
  fs.renameSync(`${base}.request.tmp`, `${base}.request.json`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (fs.existsSync(`${base}.response.json`)) {
      return JSON.parse(fs.readFileSync(`${base}.response.json`, 'utf8')) as UiProbeResponse;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`The launcher did not answer UI probe "${request.name}" within ${timeoutMs} ms`);
}

/** Polls the UI until `accept` holds (rendering is asynchronous), returning the last snapshot. */
export async function probeUiUntil(request: UiProbeRequest, accept: (response: UiProbeResponse) => boolean, attempts = 10): Promise<UiProbeResponse> {
  let response = await probeUi(request);
  for (let attempt = 1; attempt < attempts && !accept(response); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    response = await probeUi(request);
  }
  return response;
}

/** Like probeUiUntil, but fails (with what was shown) when `accept` never holds. */
export async function expectUi(request: UiProbeRequest, accept: (response: UiProbeResponse) => boolean, attempts = 10): Promise<UiProbeResponse> {
  const response = await probeUiUntil(request, accept, attempts);
  assert.ok(accept(response), `${request.name}: the workbench never showed what was expected; it showed ${JSON.stringify(response.found)} (screenshot ${response.screenshot})`);
  return response;
}

export const QUICK_PICK_ROWS = '.quick-input-widget .monaco-list-row';
const QUICK_PICK_INPUT = '.quick-input-widget .quick-input-box input';

/** The rows of the open QuickPick as the user sees them (label, description and detail on one line). */
export function visibleRows(response: UiProbeResponse, key = 'rows'): string[] {
  return (response.found[key] ?? []).filter((row) => row.visible).map((row) => row.text.replace(/\s+/g, ' ').trim());
}

/**
 * Answers the open QuickPick as a user would: reads its rows, fails unless one matches `row` (and,
 * with `first`, unless it is the first, i.e. the one Enter would take), then clicks that row.
 * Resolves to the rows that were shown.
 */
export async function pickQuickPickRow(name: string, row: RegExp, options: { readonly first?: boolean; readonly attempts?: number } = {}): Promise<string[]> {
  const shown = await probeUiUntil({ name, queries: { rows: QUICK_PICK_ROWS } }, (response) => visibleRows(response).some((text) => row.test(text)), options.attempts ?? 40);
  const rows = visibleRows(shown);
  assert.ok(rows.some((text) => row.test(text)), `${name}: no row of the open QuickPick matches ${row}; it shows ${rows.length === 0 ? 'nothing' : rows.join(' | ')}`);
  if (options.first) {
    assert.match(rows[0], row, `${name}: the first row (the one Enter would take) is not the expected one; rows: ${rows.join(' | ')}`);
  }
  // Clicked by its position among the rows the probe listed (the list keeps its order while open).
  const index = (shown.found.rows ?? []).findIndex((element) => element.visible && row.test(element.text.replace(/\s+/g, ' ').trim()));
  const clicked = await probeUi({ name: `${name}-picked`, queries: { rows: QUICK_PICK_ROWS }, actions: [{ selector: QUICK_PICK_ROWS, nth: index, click: true }] });
  assert.equal(clicked.error, undefined, `${name}: ${clicked.error}`);
  return rows;
}

/** Runs a command from the Command Palette as a user would: F1, type its title, click its row. */
export async function runFromPalette(title: string): Promise<void> {
  const typed = await probeUi({ name: `palette-${title}`, queries: { rows: QUICK_PICK_ROWS }, actions: [{ selector: 'body', press: 'F1' }, { selector: QUICK_PICK_INPUT, fill: `>${title}` }] });
  assert.equal(typed.error, undefined, typed.error);
  const escaped = title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await pickQuickPickRow(`palette-${title}-row`, new RegExp(`^${escaped}`), { first: true, attempts: 10 });
}
