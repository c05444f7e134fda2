import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { runTests } from '@vscode/test-electron';
import type { LaunchOptions } from './runWithCodeServer';
import { LAUNCHER_ENV, RESULTS_DIR_ENV } from './resultsProtocol';

/** Runs the integration suite in desktop VS Code downloaded by @vscode/test-electron. */
export async function runWithElectron(options: LaunchOptions): Promise<void> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-vscode-'));
  try {
    await runTests({
      version: process.env.SPOTBOX_VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: options.extensionDevelopmentPath,
      extensionTestsPath: options.extensionTestsPath,
      extensionTestsEnv: { ...options.environment, [RESULTS_DIR_ENV]: options.resultsDir, [LAUNCHER_ENV]: 'electron' },
      launchArgs: [options.workspacePath, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', userDataDir],
    });
  } finally {
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}
