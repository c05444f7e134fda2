import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RESULTS_FILE, type IntegrationResults } from './resultsProtocol';
import { runWithCodeServer, type LaunchOptions } from './runWithCodeServer';
import { runWithElectron } from './runWithElectron';
import { startSandbox } from '../../sandbox/sandbox';
import { processesMentioning } from '../sandbox/e2e/sandboxHarness';

type Launcher = 'electron' | 'code-server';

/** Desktop VS Code when it can be downloaded, else the offline code-server launcher. */
async function chooseLauncher(log: (line: string) => void): Promise<Launcher> {
  const requested = process.env.SPOTBOX_VSCODE_LAUNCHER;
  if (requested === 'electron' || requested === 'code-server') {
    return requested;
  }
  try {
    const response = await fetch('https://update.code.visualstudio.com/api/releases/stable', { signal: AbortSignal.timeout(4000) });
    if (response.ok) {
      return 'electron';
    }
  } catch {
    // Unreachable: fall through to the offline launcher.
  }
  log('VS Code cannot be downloaded from this machine: using the offline code-server launcher.');
  return 'code-server';
}

async function main(): Promise<number> {
  const log = (line: string): void => console.log(line);
  const repoRoot = path.resolve(__dirname, '../../..');
  const resultsDir = path.join(repoRoot, 'test-results', 'integration');
  fs.rmSync(resultsDir, { recursive: true, force: true });
  fs.mkdirSync(resultsDir, { recursive: true });

  const options: LaunchOptions = {
    repoRoot,
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: path.join(repoRoot, 'out', 'test', 'integration', 'index.js'),
    workspacePath: path.join(repoRoot, 'test', 'fixtures', 'workspace'),
    resultsDir,
    environment: {},
    timeoutMs: Number(process.env.SPOTBOX_INTEGRATION_TIMEOUT_MS ?? 10 * 60_000),
    log,
  };
  const launcher = await chooseLauncher(log);
  // The suite runs against the sandbox cloud, as a user's editor would run against AWS: the
  // extension host inherits the sandbox's AWS profile through its environment.
  const sandboxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-integration-sandbox-'));
  // An Azure box's login user reads the sandbox's CA bundle under it (a real VM trusts Azure's public CAs), as in scaleSetResume.test.ts.
  fs.chmodSync(sandboxDir, 0o711);
  const sandbox = await startSandbox({ directory: sandboxDir, bootDelayMs: { min: 500, max: 1500 }, consoleDelayMs: 500 });
  log(`Sandbox cloud for the suite: EC2 ${sandbox.endpoints.ec2}, S3 ${sandbox.endpoints.s3} (profile ${sandbox.endpoints.profile})`);
  log(`Integration suite: launching VS Code with ${launcher}...`);
  let launchError: unknown;
  let leftover: string[] = [];
  try {
    const environment = { ...sandbox.environment, SPOTBOX_TEST_CHECKIP_URL: `${sandbox.endpoints.control}/checkip`, SPOTBOX_SSH_HOME: path.join(sandboxDir, 'dot-ssh') };
    await (launcher === 'electron' ? runWithElectron({ ...options, environment }) : runWithCodeServer({ ...options, environment }));
  } catch (error) {
    launchError = error;
  } finally {
    await sandbox.stop();
    leftover = processesMentioning(sandboxDir);
    fs.rmSync(sandboxDir, { recursive: true, force: true });
  }
  if (leftover.length > 0) {
    console.error(`Box processes left after the suite: ${leftover.join(' | ')}`);
    return 1;
  }

  const resultsFile = path.join(resultsDir, RESULTS_FILE);
  if (!fs.existsSync(resultsFile)) {
    console.error('Integration suite did not report results:', launchError);
    return 1;
  }
  const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as IntegrationResults;
  for (const failure of results.tests.filter((test) => test.state === 'failed')) {
    console.error(`\nFAILED ${failure.title}\n${failure.error ?? ''}`);
  }
  for (const skipped of results.tests.filter((test) => test.state === 'pending')) {
    log(`SKIPPED ${skipped.title}${skipped.reason ? ` (${skipped.reason})` : ''}`);
  }
  for (const [name, value] of Object.entries(results.measurements)) {
    log(`  measured ${name}: ${value.toFixed(1)}`);
  }
  log(
    `Integration suite ran inside VS Code ${results.vscodeVersion} (${results.appName}, ${launcher}${results.remoteName ? `, remote ${results.remoteName}` : ''}): ` +
      `${results.tests.length} tests, ${results.passed} passed, ${results.failed} failed, ${results.pending} skipped`,
  );
  log(`integration: ${results.passed} passed, ${results.failed} failed`);
  if (launchError && results.failed === 0) {
    console.error('Launcher error after the suite reported:', launchError);
    return 1;
  }
  return results.failed === 0 && results.passed > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
