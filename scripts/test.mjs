// The README's test command: types, bundle, unit tests; lint, the agent's tests, build checks and
// the integration suite inside a real VS Code beside the sandbox cloud suite. Prints one closing
// "total: N passed, N failed" line.
import { spawn } from 'node:child_process';
import { ensureSetup } from './setup.mjs';

const steps = [
  // Compiling the tests type-checks everything under src, test, sandbox, bench and scripts (the
  // same tsconfig `npm run typecheck` uses), so CI does not check those types twice.
  { name: 'compile tests (type-checks the project)', script: 'compile-tests' },
  { name: 'typecheck the webviews', script: 'typecheck:media' },
  { name: 'bundle', script: 'build' },
  // Lint and the agent's tests run beside the rest: the sandbox suite is CI's long pole, so it
  // starts as early as it can. A background step that fails ends the run at once.
  { name: 'lint', script: 'lint', background: true },
  { name: 'unit tests', script: 'test:unit', counts: 'mocha' },
  // The agent's tests mostly wait on their fake servers' timeouts and backoffs.
  { name: 'on-box Python tests (unittest)', script: 'test:python', counts: 'unittest', background: true },
  // In the foreground: `vsce package` rebuilds dist/ (vscode:prepublish), which the suites below load.
  { name: 'build checks', script: 'test:build', counts: 'mocha' },
  // The integration suite and the sandbox tests both mostly wait (boots, notices, evictions) on
  // sandboxes of their own: run side by side they keep CI under its 25 minutes with three clouds.
  { name: 'integration tests (inside VS Code)', script: 'test:integration', counts: 'plain', background: true },
  { name: 'sandbox cloud tests (real SDK, HTTP, sshd)', script: 'test:sandbox', counts: 'mocha' },
];

// Every step runs in its own process group, ended with the run if another step fails.
const children = [];
function stopChildren() {
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // Already ended.
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopChildren();
    process.exit(130);
  });
}

function runStep(step) {
  return new Promise((resolve) => {
    console.log(`\n=== ${step.name}: npm run ${step.script}${step.background ? ' (in the background; its output follows when it ends)' : ''}`);
    // Each step in its own process group, so a failure elsewhere (or Ctrl-C) ends all it started.
    const child = spawn('npm', ['run', '--silent', step.script], { stdio: ['ignore', 'pipe', step.background ? 'pipe' : 'inherit'], detached: true });
    children.push(child);
    let output = '';
    child.stdout.on('data', (chunk) => {
      if (!step.background) process.stdout.write(chunk);
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

function countsOf(kind, output) {
  if (kind === 'mocha') {
    // Mocha's summary lines only ("  12 passing (3s)"): a test title may say "S3 failing" too.
    const passed = Number(/^ {2}(\d+) passing\b/m.exec(output)?.[1] ?? 0);
    const failed = Number(/^ {2}(\d+) failing$/m.exec(output)?.[1] ?? 0);
    return { passed, failed };
  }
  if (kind === 'unittest') {
    // unittest writes its summary to stderr; the npm script sends it to stdout ("Ran 16 tests", "FAILED (failures=1, errors=2)").
    const ran = Number(/^Ran (\d+) tests?/m.exec(output)?.[1] ?? 0);
    const failures = /^FAILED \((.*)\)$/m.exec(output)?.[1] ?? '';
    const failed = [...failures.matchAll(/(?:failures|errors)=(\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
    return { passed: ran - failed, failed };
  }
  const match = /^integration: (\d+) passed, (\d+) failed$/m.exec(output);
  return { passed: Number(match?.[1] ?? 0), failed: Number(match?.[2] ?? 0) };
}

ensureSetup({ forTests: true });
// Node 20 is what code-server 4.100 runs on; the SDK's notice about its future Node 22 floor is known.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let passed = 0;
let failed = 0;
const started = Date.now();
const background = [];
async function finish(step, { code, output }) {
  if (step.background) console.log(`\n=== ${step.name}: ended\n${output}`);
  if (step.counts) {
    const counts = countsOf(step.counts, output);
    passed += counts.passed;
    failed += counts.failed;
  }
  if (code !== 0) {
    console.error(`\n${step.name} failed (exit ${code}).`);
    console.log(`total: ${passed} passed, ${Math.max(failed, 1)} failed`);
    stopChildren();
    process.exit(1);
  }
}
async function joinBackground() {
  for (const { step, running } of background.splice(0)) await finish(step, await running);
}
for (const step of steps) {
  if (step.afterBackground) await joinBackground();
  if (step.background) {
    const running = runStep(step);
    // A failure is reported when it happens, not after the sandbox suite: it ends the run.
    void running.then((result) => (result.code !== 0 ? finish(step, result) : undefined));
    background.push({ step, running });
    continue;
  }
  await finish(step, await runStep(step));
}
await joinBackground();
console.log(`\nAll checks passed in ${Math.round((Date.now() - started) / 1000)} s.`);
console.log(`total: ${passed} passed, ${failed} failed`);
