import { execFileSync, execSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { transformSync } from 'esbuild';
import { percentile } from './stats';
import { argument, runBench } from './benchCli';

const ROOT = path.resolve(__dirname, '../..');

/**
 * What one fresh Node process measures: require() of the entry bundle plus activate(), with a
 * stand-in `vscode` module that answers every call with another stand-in. Printed as JSON.
 */
const PROBE = `
const Module = require('module');
const stand = (label) => {
  const target = function () {};
  return new Proxy(target, {
    get: (_t, key) => {
      if (key === Symbol.toPrimitive) return () => label;
      if (key === Symbol.iterator) return function* () {};
      if (key === 'then') return undefined;
      if (key === 'fsPath' || key === 'path') return label;
      return stand(label);
    },
    set: () => true,
    apply: () => stand(label),
    construct: () => stand(label),
  });
};
// The bundle reads the module through esbuild's __toESM, which copies its own property names.
const NAMESPACES = ['window', 'workspace', 'commands', 'languages', 'env', 'extensions', 'authentication', 'Uri', 'EventEmitter', 'Disposable', 'ThemeIcon', 'ThemeColor', 'TreeItem', 'TreeItemCollapsibleState', 'MarkdownString', 'StatusBarAlignment', 'ProgressLocation', 'ViewColumn', 'Range', 'Position', 'Diagnostic', 'DiagnosticSeverity', 'CancellationError', 'ConfigurationTarget', 'QuickPickItemKind', 'l10n'];
const vscodeModule = new Proxy({}, {
  get: (_t, key) => (key === '__esModule' ? undefined : stand(process.env.BENCH_STORAGE)),
  ownKeys: () => NAMESPACES,
  getOwnPropertyDescriptor: (_t, key) => ({ configurable: true, enumerable: true, writable: true, value: stand(process.env.BENCH_STORAGE) }),
});
const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'vscode' ? vscodeModule : load.call(this, request, ...rest);
};
const memento = new Map();
const context = {
  subscriptions: [],
  globalStorageUri: { fsPath: process.env.BENCH_STORAGE, path: process.env.BENCH_STORAGE },
  extensionUri: { fsPath: process.env.BENCH_ROOT, path: process.env.BENCH_ROOT },
  globalState: { get: (key, fallback) => (memento.has(key) ? memento.get(key) : fallback), update: async (key, value) => void memento.set(key, value), keys: () => [...memento.keys()], setKeysForSync: () => {} },
  extension: { packageJSON: { version: '0.0.0-bench' } },
};
const started = performance.now();
const extension = require(process.env.BENCH_BUNDLE);
const loaded = performance.now();
const api = extension.activate(context);
const activated = performance.now();
console.log(JSON.stringify({ loadMs: loaded - started, totalMs: activated - started, activationMs: api.activationMs }));
process.exit(0);
`;

interface Sample {
  loadMs: number;
  totalMs: number;
  activationMs: number;
}

function timeActivation(bundle: string, runs: number): Sample[] {
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-bench-activation-'));
  try {
    return Array.from({ length: runs }, () =>
      JSON.parse(
        execFileSync(process.execPath, ['-e', PROBE], { encoding: 'utf8', env: { ...process.env, BENCH_BUNDLE: bundle, BENCH_STORAGE: storage, BENCH_ROOT: ROOT } }).trim().split('\n').pop()!,
      ) as Sample,
    );
  } finally {
    fs.rmSync(storage, { recursive: true, force: true });
  }
}

const kB = (bytes: number): string => `${(bytes / 1000).toFixed(1)} kB`;
const minifiedSize = (file: string): number =>
  Buffer.byteLength(transformSync(fs.readFileSync(file, 'utf8'), { minify: true, format: 'cjs', target: 'node20', platform: 'node' }).code);

/** Builds `commit`'s src with its own esbuild.mjs in a temporary directory (git archive: the working tree is not touched). */
function buildBaseline(commit: string): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), `spotbox-baseline-${commit}-`));
  execSync(`git archive ${commit} src media esbuild.mjs package.json tsconfig.json | tar -x -C ${JSON.stringify(directory)}`, { cwd: ROOT });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(directory, 'node_modules'));
  // esbuild.mjs lists sources with git ls-files: give the copy a repository of its own.
  execSync('git init -q && git add -A src', { cwd: directory });
  execSync('node esbuild.mjs', { cwd: directory, stdio: 'ignore' });
  return directory;
}

function report(label: string, dist: string, runs: number): void {
  const entry = path.join(dist, 'extension.js');
  const samples = timeActivation(entry, runs);
  const median = (pick: (sample: Sample) => number): string => percentile(samples.map(pick), 50).toFixed(1);
  console.log(`${label}`);
  console.log(`  dist/extension.js: ${kB(fs.statSync(entry).size)} as built, ${kB(minifiedSize(entry))} minified`);
  console.log(
    `  require + activate(): p50 ${median((sample) => sample.totalMs)} ms (require ${median((sample) => sample.loadMs)} ms, activate() itself ${median((sample) => sample.activationMs)} ms), max ${Math.max(...samples.map((sample) => sample.totalMs)).toFixed(1)} ms over ${runs} fresh processes`,
  );
  for (const folder of ['features', 'vendor']) {
    const directory = path.join(dist, folder);
    const files = fs.existsSync(directory) ? fs.readdirSync(directory).filter((file) => file.endsWith('.js')).sort() : [];
    for (const file of files) {
      const full = path.join(directory, file);
      // shared-*.js: the one copy of a module every bundle uses, required with the entry (esbuild.mjs).
      const when = file.startsWith('shared-') ? 'required at load' : 'lazy';
      // The vendor bundles' minified sizes take long to compute and do not change with this extension's code.
      console.log(`  ${when} ${folder}/${file}: ${kB(fs.statSync(full).size)} as built${folder === 'features' ? `, ${kB(minifiedSize(full))} minified` : ''}`);
    }
  }
}

/**
 * `npm run bench:activation [-- --runs 15] [-- --baseline <commit>]` (after `npm run build` and
 * `npm run compile-tests`): the entry bundle's size as built and minified, each lazily loaded
 * bundle's size, and the time to require the entry and run activate() with a stand-in vscode, in
 * fresh Node processes. With --baseline, the same figures for that commit's src, built apart.
 */
async function main(): Promise<void> {
  const runs = Number(argument('--runs') ?? 15);
  const baseline = argument('--baseline');
  report('this checkout (dist/)', path.join(ROOT, 'dist'), runs);
  if (baseline) {
    const directory = buildBaseline(baseline);
    try {
      report(`baseline ${baseline}`, path.join(directory, 'dist'), runs);
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  }
}

runBench(main);
