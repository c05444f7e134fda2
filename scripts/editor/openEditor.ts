import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundledVsCodeVersion, codeServerEntry, ensureCodeServer, which } from './installCodeServer';
import { spawnGroup, stopGroup, waitForHttp } from './processes';
import { SANDBOX_EDITOR_TLS_SETTINGS } from './sandboxTrust';

export interface EditorSession {
  readonly description: string;
  /** Resolves when the editor is closed (desktop) or the server exits. */
  readonly closed: Promise<void>;
  stop(): Promise<void>;
}

export interface OpenEditorOptions {
  readonly repoRoot: string;
  readonly workspacePath: string;
  /** Environment for the extension host (e.g. AWS_CONFIG_FILE and AWS_PROFILE for the sandbox). */
  readonly environment: Record<string, string>;
  readonly port: number;
  readonly log: (line: string) => void;
}

/**
 * Opens a VS Code with Spotbox loaded from this checkout: desktop `code` where installed, otherwise
 * code-server on a printed localhost URL (this machine kind has no desktop VS Code and no internet).
 */
export async function openEditor(options: OpenEditorOptions): Promise<EditorSession> {
  const env = { ...process.env, ...options.environment };
  const desktop = process.env.SPOTBOX_EDITOR !== 'code-server' ? which('code') : undefined;
  if (desktop) {
    const child = spawn(desktop, ['--new-window', '--wait', `--extensionDevelopmentPath=${options.repoRoot}`, options.workspacePath], { env, stdio: 'inherit' });
    return {
      description: `desktop VS Code (${desktop})`,
      closed: exitOf(child),
      stop: async () => void child.kill('SIGTERM'),
    };
  }

  const installDir = ensureCodeServer(options.repoRoot, options.log);
  const dataDir = path.join(options.repoRoot, '.vscode-test', 'demo');
  fs.mkdirSync(path.join(dataDir, 'user-data', 'User'), { recursive: true });
  const settingsFile = path.join(dataDir, 'user-data', 'User', 'settings.json');
  if (!fs.existsSync(settingsFile)) {
    fs.writeFileSync(settingsFile, JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'git.openRepositoryInParentFolders': 'never' }, null, 2));
  }
  keepSandboxTrust(settingsFile, options.log);
  const authority = `127.0.0.1:${options.port}`;
  const server = spawnGroup(
    process.execPath,
    [codeServerEntry(installDir), '--auth', 'none', '--bind-addr', authority, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--user-data-dir', path.join(dataDir, 'user-data'), '--extensions-dir', path.join(dataDir, 'extensions')],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  server.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  try {
    await waitForHttp(`http://${authority}/healthz`, 60_000);
  } catch (error) {
    await stopGroup(server);
    throw error;
  }
  const payload = [['extensionDevelopmentPath', `vscode-remote://${authority}${options.repoRoot}`]];
  const url = `http://${authority}/?folder=${encodeURIComponent(options.workspacePath)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  options.log(`VS Code ${bundledVsCodeVersion(installDir)} (code-server) with Spotbox is ready: open ${url}`);
  if (os.platform() === 'linux' && process.env.DISPLAY && which('xdg-open')) {
    spawnSync('xdg-open', [url], { stdio: 'ignore' });
  }
  return {
    description: `code-server on http://${authority}`,
    closed: exitOf(server),
    stop: () => stopGroup(server),
  };
}

/** Adds the sandbox's TLS settings to the demo editor's settings (kept from earlier runs, perhaps edited since). */
function keepSandboxTrust(settingsFile: string, log: (line: string) => void): void {
  let settings: Record<string, unknown>;
  try {
    settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
  } catch {
    log(`${settingsFile} is not plain JSON: add ${JSON.stringify(SANDBOX_EDITOR_TLS_SETTINGS)} to it yourself, or Azure in the editor will not trust the sandbox's certificate.`);
    return;
  }
  if (Object.entries(SANDBOX_EDITOR_TLS_SETTINGS).every(([key, value]) => settings[key] === value)) return;
  fs.writeFileSync(settingsFile, JSON.stringify({ ...settings, ...SANDBOX_EDITOR_TLS_SETTINGS }, null, 2));
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
