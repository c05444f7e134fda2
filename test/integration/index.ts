import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import { PROGRESS_FILE, RESULTS_DIR_ENV, RESULTS_FILE, type IntegrationResults, type TestOutcome } from '../vscode/resultsProtocol';
import { measurements } from './measurements';
import { canProbeUi, probeUi, skipReasons, uiProbeIsMandatory } from './uiProbe';

/** Entry point VS Code calls in its extension host (extensionTestsPath), under either launcher. */
export async function run(): Promise<void> {
  const resultsDir = process.env[RESULTS_DIR_ENV] ?? path.resolve(__dirname, '../../../test-results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const progress = (line: string): void => fs.appendFileSync(path.join(resultsDir, PROGRESS_FILE), `${line}\n`);

  // Under code-server the launcher sees the workbench: a probe that cannot answer fails the run
  // here, rather than letting every test that looks at the UI skip.
  if (uiProbeIsMandatory()) {
    if (!canProbeUi()) {
      throw new Error('The code-server launcher did not give the suite its UI probe (SPOTBOX_UI_PROBE_DIR): the UI tests cannot run.');
    }
    const ready = await probeUi({ name: 'suite-start', queries: { workbench: '.monaco-workbench' } }, 60_000);
    if (ready.error || !(ready.found.workbench ?? []).some((element) => element.visible)) {
      throw new Error(`The UI probe does not see the workbench: ${ready.error ?? JSON.stringify(ready.found)}`);
    }
  }

  // SPOTBOX_INTEGRATION_GREP runs a subset while working on one feature; CI leaves it unset.
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec', grep: process.env.SPOTBOX_INTEGRATION_GREP });
  for (const file of fs.readdirSync(__dirname).filter((name) => name.endsWith('.test.js')).sort()) {
    mocha.addFile(path.join(__dirname, file));
  }

  const tests: TestOutcome[] = [];
  const failures = await new Promise<number>((resolve) => {
    const runner = mocha.run(resolve);
    runner.on('pass', (test) => {
      tests.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration });
      progress(`  ✔ ${test.fullTitle()} (${test.duration ?? 0} ms)`);
    });
    runner.on('fail', (test, error: Error) => {
      tests.push({ title: test.fullTitle(), state: 'failed', error: error.stack ?? error.message });
      progress(`  ✘ ${test.fullTitle()}\n${error.stack ?? error.message}`);
    });
    runner.on('pending', (test) => {
      const reason = skipReasons.get(test.fullTitle());
      tests.push({ title: test.fullTitle(), state: 'pending', ...(reason ? { reason } : {}) });
      progress(`  - ${test.fullTitle()} (skipped${reason ? `: ${reason}` : ''})`);
    });
  });

  const results: IntegrationResults = {
    vscodeVersion: vscode.version,
    appName: vscode.env.appName,
    appHost: vscode.env.appHost,
    remoteName: vscode.env.remoteName,
    passed: tests.filter((test) => test.state === 'passed').length,
    failed: tests.filter((test) => test.state === 'failed').length,
    pending: tests.filter((test) => test.state === 'pending').length,
    tests,
    measurements: Object.fromEntries(measurements),
  };
  fs.writeFileSync(path.join(resultsDir, RESULTS_FILE), JSON.stringify(results, null, 2));
  if (failures > 0) {
    throw new Error(`${failures} integration test(s) failed`);
  }
}
