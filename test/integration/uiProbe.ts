import * as fs from 'node:fs';
import * as path from 'node:path';
import { UI_PROBE_DIR_ENV, type UiProbeRequest, type UiProbeResponse } from '../vscode/resultsProtocol';

let sequence = 0;

export function canProbeUi(): boolean {
  return Boolean(process.env[UI_PROBE_DIR_ENV]);
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
