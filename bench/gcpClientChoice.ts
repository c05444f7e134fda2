import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { argument, runBench } from './benchCli';
import { percentile } from './stats';

/**
 * Which Compute client Spotbox should ship, measured: Google's `@google-cloud/compute` (the newest
 * release that runs on Node 20, installed in a temp folder, never in the repo) against Spotbox's
 * REST client (src/core/gcp) with google-auth-library. For each: the size on disk, the size of an
 * esbuild bundle (minified, node, cjs) of a file that creates a client, and the time to require
 * that bundle in fresh Node processes (median of --runs, default 5).
 *
 *   npx tsc -p . && node out/bench/gcpClientChoice.js [--runs 5] [--keep]
 */

const ROOT = path.resolve(__dirname, '../..');
const SDK = '@google-cloud/compute';
const AUTH = 'google-auth-library';

interface Side {
  readonly name: string;
  readonly installedBytes?: number;
  readonly packageBytes?: number;
  readonly bundleBytes?: number;
  readonly requireMs?: number[];
  readonly problem?: string;
}

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Bytes of every file under a folder (as `du --apparent-size` counts them). */
function folderBytes(folder: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) total += folderBytes(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}

/** The newest version whose `engines.node` admits this Node (7.x declares >=22). `@*` would answer for the latest only; `@>=0` lists every release.. */
function newestForThisNode(cwd: string): { version: string; engines: string } {
  const engines = JSON.parse(npm(['view', `${SDK}@>=0`, 'version', 'engines', '--json'], cwd)) as Array<{ version: string; engines?: { node?: string } }> | { version: string; engines?: { node?: string } };
  const candidates = (Array.isArray(engines) ? engines : [engines]).filter((entry) => /^\d+\.\d+\.\d+$/.test(entry.version) && admits(entry.engines?.node, process.versions.node));
  const newest = candidates.sort((a, b) => compareVersions(b.version, a.version))[0];
  if (!newest) throw new Error(`no ${SDK} release declares support for Node ${process.versions.node}`);
  return { version: newest.version, engines: newest.engines?.node ?? '*' };
}

/** Numeric comparison of `x.y.z` versions. */
function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((version) => version.split('.').map(Number));
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** Whether an engines range admits `node`. Only the forms Google's packages use (`>=X[.Y.Z]`, `*`, absent); anything else counts as not admitted. */
function admits(range: string | undefined, node: string): boolean {
  if (range === undefined || range.trim() === '*') return true;
  const floor = /^>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  return floor ? compareVersions(node, `${floor[1]}.${floor[2] ?? 0}.${floor[3] ?? 0}`) >= 0 : false;
}

function install(dir: string, spec: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true }));
  // --ignore-scripts: nothing of it runs at install; protobufjs's postinstall only prints a notice.
  npm(['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', spec], dir);
}

async function bundle(contents: string, resolveDir: string, outfile: string): Promise<number> {
  await build({ stdin: { contents, resolveDir, loader: 'ts', sourcefile: 'entry.ts' }, bundle: true, minify: true, platform: 'node', format: 'cjs', target: 'node20', outfile, logLevel: 'error' });
  return fs.statSync(outfile).size;
}

/** require() time of a bundle in a fresh process, in ms (the module's own top-level work included). */
function requireMs(file: string): number {
  const probe = `const t = performance.now(); require(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t)); process.exit(0);`;
  return Number(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8', timeout: 120_000 }));
}

const mb = (bytes: number | undefined): string => (bytes === undefined ? 'n/a' : `${(bytes / 1e6).toFixed(2)} MB`);
const kb = (bytes: number | undefined): string => (bytes === undefined ? 'n/a' : `${(bytes / 1e3).toFixed(0)} kB`);
const ms = (samples: number[] | undefined): string => (samples && samples.length > 0 ? `${percentile(samples, 50).toFixed(0)} ms (${samples.map((s) => s.toFixed(0)).join(', ')})` : 'n/a');

async function main(): Promise<void> {
  const runs = Number(argument('--runs') ?? 5);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-gcp-client-choice-'));
  console.log(`Node ${process.versions.node}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; work folder ${work}`);

  // Spotbox's REST client with google-auth-library, created as the extension would create it.
  const restDir = path.join(work, 'rest');
  fs.mkdirSync(restDir, { recursive: true });
  const authVersion = (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', AUTH, 'package.json'), 'utf8')) as { version: string }).version;
  let rest: Side;
  try {
    install(path.join(restDir, 'install'), `${AUTH}@${authVersion}`);
    const src = (file: string) => JSON.stringify(path.join(ROOT, 'src', 'core', 'gcp', file));
    const restBundle = path.join(restDir, 'rest.js');
    const bytes = await bundle(
      `import { GoogleAuth } from '${AUTH}';
       import { readGcloudConfig } from ${src('gcloudConfig')};
       import { GcpAuth } from ${src('gcpAuth')};
       import { GcpHttp } from ${src('gcpHttp')};
       import { ComputeClient } from ${src('computeClient')};
       const config = readGcloudConfig();
       // Static import: google-auth-library's own start-up counts, as the SDK's does on its side.
       const auth = new GcpAuth({ config, loadLibrary: async () => ({ GoogleAuth }) as never });
       new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
       module.exports = new ComputeClient({ http: new GcpHttp({ auth }), endpoint: config.endpoints.compute, project: 'bench' });`,
      ROOT,
      restBundle,
    );
    rest = {
      name: `REST client (src/core/gcp) + ${AUTH}@${authVersion}`,
      installedBytes: folderBytes(path.join(restDir, 'install', 'node_modules')),
      packageBytes: folderBytes(path.join(restDir, 'install', 'node_modules', AUTH)) + folderBytes(path.join(ROOT, 'src', 'core', 'gcp')), bundleBytes: bytes, requireMs: [] };
  } catch (error) {
    rest = { name: `REST client + ${AUTH}@${authVersion}`, problem: (error as Error).message.split('\n')[0] };
  }

  // Google's SDK, newest release for this Node, in its own folder.
  let sdk: Side;
  const sdkDir = path.join(work, 'sdk');
  try {
    fs.mkdirSync(sdkDir, { recursive: true });
    const { version, engines } = newestForThisNode(sdkDir);
    const latest = npm(['view', SDK, 'version'], sdkDir).trim();
    const latestEngines = npm(['view', `${SDK}@${latest}`, 'engines.node'], sdkDir).trim();
    console.log(`${SDK}: newest for Node ${process.versions.node} is ${version} (engines.node ${engines}); latest is ${latest} (engines.node ${latestEngines})`);
    install(sdkDir, `${SDK}@${version}`);
    // The registry lists no dist.unpackedSize for 6.x: the installed package folder is the unpacked size.
    const packageBytes = folderBytes(path.join(sdkDir, 'node_modules', ...SDK.split('/')));
    const sdkBundle = path.join(sdkDir, 'sdk.js');
    const bytes = await bundle(`const { InstancesClient } = require('${SDK}');\nmodule.exports = new InstancesClient();`, sdkDir, sdkBundle);
    sdk = { name: `${SDK}@${version} (InstancesClient)`, installedBytes: folderBytes(path.join(sdkDir, 'node_modules')), packageBytes, bundleBytes: bytes, requireMs: [] };
  } catch (error) {
    sdk = { name: SDK, problem: `could not be installed or bundled here: ${(error as Error).message.split('\n')[0]}` };
  }

  // Alternate the two, so that load on the machine falls on both alike.
  for (let run = 0; run < runs; run++) {
    if (!rest.problem) rest.requireMs?.push(requireMs(path.join(restDir, 'rest.js')));
    if (!sdk.problem) sdk.requireMs?.push(requireMs(path.join(sdkDir, 'sdk.js')));
  }

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
  console.log(`¹ ${SDK}'s own folder; ${AUTH}'s folder plus the TypeScript of src/core/gcp on the other side. Installed: the package with all its dependencies.`);
  console.log(`\nload average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (!process.argv.includes('--keep')) fs.rmSync(work, { recursive: true, force: true });
}

runBench(main);
