import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import { percentile } from './stats';

/**
 * What the client-choice benches (gcpClientChoice, azureClientChoice) share: installing a cloud's
 * SDK in a temp folder (never in the repo), the newest release that runs on this Node, sizes on
 * disk, an esbuild bundle of a file that creates a client, and the time to require that bundle in
 * fresh Node processes.
 */

export interface Side {
  readonly name: string;
  readonly installedBytes?: number;
  readonly packageBytes?: number;
  readonly bundleBytes?: number;
  readonly requireMs?: number[];
  readonly problem?: string;
}

export function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Bytes of every file under a folder (as `du --apparent-size` counts them). */
export function folderBytes(folder: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) total += folderBytes(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}

/** The newest version of `pkg` whose `engines.node` admits this Node. `@*` would answer for the latest only; `@>=0` lists every release. */
export function newestForThisNode(pkg: string, cwd: string): { version: string; engines: string } {
  const listed = JSON.parse(npm(['view', `${pkg}@>=0`, 'version', 'engines', '--json'], cwd)) as Array<{ version: string; engines?: { node?: string } } | string> | { version: string; engines?: { node?: string } };
  const entries = Array.isArray(listed) ? listed : [listed];
  // When no release names its engines, npm lists bare version strings: then ask release by release, newest first.
  if (entries.every((entry) => typeof entry === 'string')) {
    for (const version of (entries).filter((v) => /^\d+\.\d+\.\d+$/.test(v)).sort((a, b) => compareVersions(b, a))) {
      const engines = npm(['view', `${pkg}@${version}`, 'engines.node'], cwd).trim();
      if (admits(engines || undefined, process.versions.node)) return { version, engines: engines || '*' };
    }
    throw new Error(`no ${pkg} release declares support for Node ${process.versions.node}`);
  }
  const candidates = entries.filter((entry): entry is { version: string; engines?: { node?: string } } => typeof entry !== 'string' && /^\d+\.\d+\.\d+$/.test(entry.version) && admits(entry.engines?.node, process.versions.node));
  const newest = candidates.sort((a, b) => compareVersions(b.version, a.version))[0];
  if (!newest) throw new Error(`no ${pkg} release declares support for Node ${process.versions.node}`);
  return { version: newest.version, engines: newest.engines?.node ?? '*' };
}

/** The registry's latest release and the Node it asks for, to say why it is not the one measured. */
export function latestOf(pkg: string, cwd: string): { version: string; engines: string } {
  const version = npm(['view', pkg, 'version'], cwd).trim();
  return { version, engines: npm(['view', `${pkg}@${version}`, 'engines.node'], cwd).trim() || '*' };
}

/** Numeric comparison of `x.y.z` versions. */
function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((version) => version.split('.').map(Number));
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** Whether an engines range admits `node`. Only the forms the cloud SDKs use (`>=X[.Y.Z]`, `*`, absent); anything else counts as not admitted. */
function admits(range: string | undefined, node: string): boolean {
  if (range === undefined || range.trim() === '*') return true;
  const floor = /^>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  return floor ? compareVersions(node, `${floor[1]}.${floor[2] ?? 0}.${floor[3] ?? 0}`) >= 0 : false;
}

export function install(dir: string, ...specs: string[]): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true }));
  // --ignore-scripts: nothing of it runs at install (protobufjs's postinstall only prints a notice).
  npm(['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', ...specs], dir);
}

export async function bundle(contents: string, resolveDir: string, outfile: string): Promise<number> {
  await build({ stdin: { contents, resolveDir, loader: 'ts', sourcefile: 'entry.ts' }, bundle: true, minify: true, platform: 'node', format: 'cjs', target: 'node20', outfile, logLevel: 'error' });
  return fs.statSync(outfile).size;
}

/** require() time of a bundle in a fresh process, in ms (the module's own top-level work included). */
export function requireMs(file: string): number {
  const probe = `const t = performance.now(); require(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t)); process.exit(0);`;
  return Number(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8', timeout: 120_000 }));
}

/** Requires each side's bundle `runs` times, alternating, so that load on the machine falls on both alike. */
export function measureRequires(sides: ReadonlyArray<{ side: Side; bundle: string }>, runs: number): void {
  for (let run = 0; run < runs; run++) for (const { side, bundle: file } of sides) if (!side.problem) side.requireMs?.push(requireMs(file));
}

const mb = (bytes: number | undefined): string => (bytes === undefined ? 'n/a' : `${(bytes / 1e6).toFixed(2)} MB`);
const kb = (bytes: number | undefined): string => (bytes === undefined ? 'n/a' : `${(bytes / 1e3).toFixed(0)} kB`);
const ms = (samples: number[] | undefined): string => (samples && samples.length > 0 ? `${percentile(samples, 50).toFixed(0)} ms (${samples.map((s) => s.toFixed(0)).join(', ')})` : 'n/a');

/** The comparison table: the SDK's side against the REST client's, one row per measure. */
export function printComparison(sdk: Side, rest: Side, runs: number, footnote: string): void {
  console.log('');
  const rows: Array<[string, (side: Side) => string]> = [
    ['installed (node_modules)', (side) => mb(side.installedBytes)],
    ['package unpacked¹', (side) => mb(side.packageBytes)],
    ['bundle (minified, cjs)', (side) => kb(side.bundleBytes)],
    [`require, median of ${runs}`, (side) => ms(side.requireMs)],
  ];
  const width = 28;
  console.log(`${''.padEnd(width)}| ${sdk.name}\n${''.padEnd(width)}| vs ${rest.name}`);
  for (const side of [sdk, rest]) if (side.problem) console.log(`${side.name}: ${side.problem}`);
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}| ${value(sdk).padEnd(40)} | ${value(rest)}`);
  console.log(`¹ ${footnote}`);
}
