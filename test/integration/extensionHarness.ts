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
