import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { argument, runBench } from './benchCli';
import { bundle, folderBytes, install, latestOf, measureRequires, newestForThisNode, printComparison, type Side } from './clientChoice';

/**
 * Which ARM client Spotbox should ship, measured: Microsoft's SDKs (`@azure/arm-compute`,
 * `@azure/arm-network`, `@azure/arm-resources`, each the newest release that runs on this Node,
 * installed in a temp folder, never in the repo) against Spotbox's ARM REST client (src/core/azure).
 * Both sides take their credentials from `@azure/identity` (the version Spotbox ships), so the
 * difference is the ARM layer. For each: size on disk, an esbuild bundle of a file that creates the
 * clients, and the time to require that bundle in fresh Node processes (median of --runs).
 *
 *   npx tsc -p . && node out/bench/azureClientChoice.js [--runs 5] [--keep]
 */

const ROOT = path.resolve(__dirname, '../..');
const SDKS = ['@azure/arm-compute', '@azure/arm-network', '@azure/arm-resources'];
const IDENTITY = '@azure/identity';

async function main(): Promise<void> {
  const runs = Number(argument('--runs') ?? 5);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-azure-client-choice-'));
  console.log(`Node ${process.versions.node}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; work folder ${work}`);
  const identityVersion = (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', ...IDENTITY.split('/'), 'package.json'), 'utf8')) as { version: string }).version;

  // Spotbox's REST client, created as the extension creates it, with @azure/identity loaded (statically, so its start-up counts as on the SDK side).
  const restDir = path.join(work, 'rest');
  let rest: Side;
  try {
    install(path.join(restDir, 'install'), `${IDENTITY}@${identityVersion}`);
    const src = (file: string) => JSON.stringify(path.join(ROOT, 'src', 'core', 'azure', file));
    const bytes = await bundle(
      `import * as identity from '${IDENTITY}';
       import { AzureIdentityTokens } from ${src('azureAuth')};
       import { ArmHttp } from ${src('armHttp')};
       import { NetworkClient } from ${src('armNetwork')};
       import { ResourceGroupClient } from ${src('armResourceGroups')};
       import { VirtualMachineClient } from ${src('armVirtualMachines')};
       const config = { configDir: '', cloudName: 'AzureCloud', endpoints: { resourceManager: 'https://management.azure.com/', activeDirectory: 'https://login.microsoftonline.com', resourceManagerAudience: 'https://management.core.windows.net/', knownAuthority: true, storageSuffix: 'core.windows.net' } };
       new identity.DefaultAzureCredential();
       const http = new ArmHttp({ endpoint: config.endpoints.resourceManager, credential: new AzureIdentityTokens({ config, loadLibrary: async () => identity }) });
       module.exports = [new ResourceGroupClient(http, 'bench'), new NetworkClient(http, 'bench'), new VirtualMachineClient(http, 'bench')];`,
      path.join(restDir, 'install'),
      path.join(restDir, 'rest.js'),
    );
    rest = {
      name: `REST client (src/core/azure) + ${IDENTITY}@${identityVersion}`,
      installedBytes: folderBytes(path.join(restDir, 'install', 'node_modules')),
      packageBytes: folderBytes(path.join(ROOT, 'src', 'core', 'azure')),
      bundleBytes: bytes,
      requireMs: [],
    };
  } catch (error) {
    rest = { name: `REST client + ${IDENTITY}@${identityVersion}`, problem: (error as Error).message.split('\n')[0] };
  }

  // Microsoft's three management SDKs, the newest releases for this Node, with the same @azure/identity.
  const sdkDir = path.join(work, 'sdk');
  let sdk: Side;
  try {
    fs.mkdirSync(sdkDir, { recursive: true });
    const versions = SDKS.map((pkg) => {
      const { version, engines } = newestForThisNode(pkg, sdkDir);
      const latest = latestOf(pkg, sdkDir);
      console.log(`${pkg}: newest for Node ${process.versions.node} is ${version} (engines.node ${engines}); latest is ${latest.version} (engines.node ${latest.engines})`);
      return `${pkg}@${version}`;
    });
    install(sdkDir, ...versions, `${IDENTITY}@${identityVersion}`);
    const bytes = await bundle(
      `const { DefaultAzureCredential } = require('${IDENTITY}');
       const { ComputeManagementClient } = require('@azure/arm-compute');
       const { NetworkManagementClient } = require('@azure/arm-network');
       const { ResourceManagementClient } = require('@azure/arm-resources');
       const credential = new DefaultAzureCredential();
       module.exports = [new ResourceManagementClient(credential, 'bench'), new NetworkManagementClient(credential, 'bench'), new ComputeManagementClient(credential, 'bench')];`,
      sdkDir,
      path.join(sdkDir, 'sdk.js'),
    );
    sdk = {
      name: versions.join(' + '),
      installedBytes: folderBytes(path.join(sdkDir, 'node_modules')),
      packageBytes: SDKS.reduce((sum, pkg) => sum + folderBytes(path.join(sdkDir, 'node_modules', ...pkg.split('/'))), 0),
      bundleBytes: bytes,
      requireMs: [],
    };
  } catch (error) {
    sdk = { name: SDKS.join(' + '), problem: `could not be installed or bundled here: ${(error as Error).message.split('\n')[0]}` };
  }

  measureRequires([{ side: rest, bundle: path.join(restDir, 'rest.js') }, { side: sdk, bundle: path.join(sdkDir, 'sdk.js') }], runs);
  printComparison(sdk, rest, runs, `the three SDK packages' own folders; the TypeScript of src/core/azure on the other side. Installed: everything with ${IDENTITY} and all dependencies, on both sides.`);
  console.log(`\nload average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (!process.argv.includes('--keep')) fs.rmSync(work, { recursive: true, force: true });
}

runBench(main);
