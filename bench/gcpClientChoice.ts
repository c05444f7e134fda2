import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { argument, runBench } from './benchCli';
import { bundle, folderBytes, install, latestOf, measureRequires, newestForThisNode, printComparison, type Side } from './clientChoice';

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
    const { version, engines } = newestForThisNode(SDK, sdkDir);
    const latest = latestOf(SDK, sdkDir);
    console.log(`${SDK}: newest for Node ${process.versions.node} is ${version} (engines.node ${engines}); latest is ${latest.version} (engines.node ${latest.engines})`);
    install(sdkDir, `${SDK}@${version}`);
    // The registry lists no dist.unpackedSize for 6.x: the installed package folder is the unpacked size.
    const packageBytes = folderBytes(path.join(sdkDir, 'node_modules', ...SDK.split('/')));
    const sdkBundle = path.join(sdkDir, 'sdk.js');
    const bytes = await bundle(`const { InstancesClient } = require('${SDK}');\nmodule.exports = new InstancesClient();`, sdkDir, sdkBundle);
    sdk = { name: `${SDK}@${version} (InstancesClient)`, installedBytes: folderBytes(path.join(sdkDir, 'node_modules')), packageBytes, bundleBytes: bytes, requireMs: [] };
  } catch (error) {
    sdk = { name: SDK, problem: `could not be installed or bundled here: ${(error as Error).message.split('\n')[0]}` };
  }

  measureRequires([{ side: rest, bundle: path.join(restDir, 'rest.js') }, { side: sdk, bundle: path.join(sdkDir, 'sdk.js') }], runs);
  printComparison(sdk, rest, runs, `${SDK}'s own folder; ${AUTH}'s folder plus the TypeScript of src/core/gcp on the other side. Installed: the package with all its dependencies.`);
  console.log(`\nload average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (!process.argv.includes('--keep')) fs.rmSync(work, { recursive: true, force: true });
}

runBench(main);
