import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { bundledVsCodeVersion, codeServerEntry, ensureCodeServer, which } from '../../scripts/editor/installCodeServer';
import { freePort, spawnGroup, stopGroup, waitForHttp } from '../../scripts/editor/processes';
import { SANDBOX_EDITOR_TLS_SETTINGS } from '../../scripts/editor/sandboxTrust';
import { LAUNCHER_ENV, PROGRESS_FILE, RESULTS_DIR_ENV, RESULTS_FILE, UI_PROBE_DIR_ENV } from './resultsProtocol';
import { UiProbeServer } from './uiProbeServer';
import type { ChildProcess } from 'node:child_process';

export interface LaunchOptions {
  readonly repoRoot: string;
  readonly extensionDevelopmentPath: string;
  readonly extensionTestsPath: string;
  readonly workspacePath: string;
  readonly resultsDir: string;
  /** Extra environment for VS Code's extension host (the sandbox's AWS profile). */
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
}

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * Runs the integration suite in code-server (a real VS Code build from npm) driven by headless
 * Chromium, for machines that cannot download VS Code.
 */
export async function runWithCodeServer(options: LaunchOptions): Promise<void> {
  const installDir = ensureCodeServer(options.repoRoot, options.log);
  const chromiumPath = process.env.SPOTBOX_CHROMIUM ?? which('chromium') ?? which('chromium-browser');
  if (!chromiumPath) {
    throw new Error('Chromium is missing: install it with `apt-get install -y chromium` (or set SPOTBOX_CHROMIUM).');
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-code-server-'));
  const userDataDir = path.join(scratch, 'user-data');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'workbench.tips.enabled': false, 'update.mode': 'none', 'git.openRepositoryInParentFolders': 'never',
      // The DOM renderer keeps the terminal's text in the page, where the UI probe can read it.
      'terminal.integrated.gpuAcceleration': 'off',
      ...SANDBOX_EDITOR_TLS_SETTINGS }),
  );
  const probeDir = path.join(scratch, 'ui-probe');
  const port = await freePort();
  const authority = `127.0.0.1:${port}`;

  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  try {
    server = spawnGroup(
      process.execPath,
      [codeServerEntry(installDir), '--auth', 'none', '--bind-addr', authority, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--user-data-dir', userDataDir, '--extensions-dir', path.join(scratch, 'extensions')],
      { env: { ...process.env, ...options.environment, [RESULTS_DIR_ENV]: options.resultsDir, [UI_PROBE_DIR_ENV]: probeDir, [LAUNCHER_ENV]: 'code-server' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const serverLog = fs.createWriteStream(path.join(options.resultsDir, 'code-server.log'));
    server.stdout?.pipe(serverLog);
    server.stderr?.pipe(serverLog);
    await waitForHttp(`http://${authority}/healthz`, 60_000);

    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1280, height: 960 } });
    const consoleLog = fs.createWriteStream(path.join(options.resultsDir, 'workbench-console.log'));
    page.on('console', (message) => consoleLog.write(`[${message.type()}] ${message.text()}\n`));

    // The workbench only runs tests from vscode-remote URIs carrying the server's authority.
    const remote = (absolutePath: string): string => `vscode-remote://${authority}${absolutePath}`;
    const payload = [
      ['extensionDevelopmentPath', remote(options.extensionDevelopmentPath)],
      ['extensionTestsPath', remote(options.extensionTestsPath)],
      ['skipWelcome', 'true'],
    ];
    await page.goto(`http://${authority}/?folder=${encodeURIComponent(options.workspacePath)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);

    const probes = new UiProbeServer(probeDir, path.join(options.resultsDir, 'screenshots'), page, options.log);
    await waitForResults(options, probes, () => server?.exitCode !== null && server?.exitCode !== undefined);
    options.log(`code-server carries VS Code ${bundledVsCodeVersion(installDir)}`);
  } finally {
    await browser?.close().catch(() => undefined);
    await stopGroup(server);
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function waitForResults(options: LaunchOptions, probes: UiProbeServer, serverDied: () => boolean): Promise<void> {
  const resultsFile = path.join(options.resultsDir, RESULTS_FILE);
  const progressFile = path.join(options.resultsDir, PROGRESS_FILE);
  let printed = 0;
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    await probes.answerPending();
    printed = relayProgress(progressFile, printed, options.log);
    if (fs.existsSync(resultsFile)) {
      return;
    }
    if (serverDied()) {
      throw new Error('code-server exited before the suite finished; see test-results/integration/code-server.log');
    }
    if (Date.now() > deadline) {
      throw new Error(`The integration suite did not finish within ${options.timeoutMs / 1000} s; see test-results/integration/workbench-console.log`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function relayProgress(progressFile: string, alreadyPrinted: number, log: (line: string) => void): number {
  if (!fs.existsSync(progressFile)) {
    return alreadyPrinted;
  }
  const content = fs.readFileSync(progressFile, 'utf8');
  if (content.length > alreadyPrinted) {
    content
      .slice(alreadyPrinted)
      .split('\n')
      .filter(Boolean)
      .forEach((line) => log(line));
  }
  return content.length;
}
