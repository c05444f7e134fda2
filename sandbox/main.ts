import * as path from 'node:path';
import { openEditor, type EditorSession } from '../scripts/editor/openEditor';
import { startSandbox, type RunningSandbox } from './sandbox';

interface MainOptions {
  readonly editor: boolean;
  readonly directory: string;
  readonly bootDelayMs: { min: number; max: number };
  readonly editorPort: number;
}

const USAGE = `Usage: npm run sandbox [-- --no-editor] [--dir DIR] [--boot-delay MIN-MAX] [--port EDITOR_PORT]
  --no-editor         run headless in the foreground; prints one SPOTBOX_SANDBOX {...} line
  --dir DIR           state folder (default .sandbox): EC2 state, boxes' disks, S3 and GCS data, events,
                      the AWS profile and the gcloud configuration (<dir>/gcloud)
  --boot-delay A-B    seconds from launch to sshd up, uniform in [A, B] (default 5-20)
  --port N            port of the code-server editor (default 8080)`;

function parseArguments(argv: string[], repoRoot: string): MainOptions {
  let editor = true;
  let directory = path.join(repoRoot, '.sandbox');
  let bootDelayMs = { min: 5000, max: 20000 };
  let editorPort = Number(process.env.SPOTBOX_PORT ?? 8080);
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const value = (): string => {
      const next = argv[++index];
      if (next === undefined) {
        throw new Error(`${argument} needs a value\n${USAGE}`);
      }
      return next;
    };
    if (argument === '--no-editor') {
      editor = false;
    } else if (argument === '--dir') {
      directory = path.resolve(value());
    } else if (argument === '--boot-delay') {
      const match = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(value());
      if (!match || Number(match[1]) > Number(match[2])) {
        throw new Error(`--boot-delay takes MIN-MAX seconds, e.g. 5-20\n${USAGE}`);
      }
      bootDelayMs = { min: Number(match[1]) * 1000, max: Number(match[2]) * 1000 };
    } else if (argument === '--port') {
      editorPort = Number(value());
      if (!Number.isInteger(editorPort) || editorPort <= 0 || editorPort > 65535) {
        throw new Error(`--port takes a TCP port\n${USAGE}`);
      }
    } else if (argument === '--help' || argument === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else {
      throw new Error(`Unknown option ${argument}\n${USAGE}`);
    }
  }
  return { editor, directory, bootDelayMs, editorPort };
}

/** `npm run sandbox`: the sandbox cloud, and VS Code with Spotbox pointed at it; Ctrl-C stops all. */
async function main(): Promise<void> {
  const repoRoot = path.resolve(__dirname, '../..');
  const options = parseArguments(process.argv.slice(2), repoRoot);
  const log = (line: string): void => console.error(line);
  let sandbox: RunningSandbox | undefined;
  let editor: EditorSession | undefined;
  let stopped: Promise<void> | undefined;
  const shutdown = async (code: number): Promise<void> => {
    stopped ??= (async () => {
      log('Stopping the sandbox...');
      await editor?.stop().catch(() => undefined);
      await sandbox?.stop();
      log('Sandbox stopped: no box, sshd or server of it is left running.');
      process.exit(code);
    })();
    return stopped;
  };
  // `on`, not `once`: Ctrl-C reaches both npm's wrapper (which forwards it) and this process, and a
  // second signal must not kill the shutdown half-way.
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  // Orphaned (the wrapper or the shell that started it died without a signal for us): stop too.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) {
      void shutdown(0);
    }
  }, 1000).unref();

  try {
    sandbox = await startSandbox({ directory: options.directory, bootDelayMs: options.bootDelayMs, log });
  } catch (error) {
    log(`The sandbox could not start: ${error instanceof Error ? error.message : String(error)}`);
    return shutdown(1);
  }
  const { endpoints } = sandbox;
  console.log(`SPOTBOX_SANDBOX ${JSON.stringify({
    ec2: endpoints.ec2, s3: endpoints.s3, control: endpoints.control, awsConfigFile: endpoints.awsConfigFile, profile: endpoints.profile, sshMode: endpoints.sshMode,
    gcpCompute: endpoints.gcpCompute, gcpStorage: endpoints.gcpStorage, gcpBilling: endpoints.gcpBilling, gcpTokenUri: endpoints.gcpTokenUri, gcpProject: endpoints.gcpProject,
    gcpBucket: endpoints.gcpBucket, gcpKeyFile: endpoints.gcpKeyFile, gcpConfigDir: endpoints.gcpConfigDir, gcpConfiguration: endpoints.gcpConfiguration,
    azureArm: endpoints.azureArm, azureAuthority: endpoints.azureAuthority, azureTenantId: endpoints.azureTenantId, azureSubscriptionId: endpoints.azureSubscriptionId,
    azureBlob: endpoints.azureBlob, azureStorageAccount: endpoints.azureStorageAccount, azureContainer: endpoints.azureContainer, azureCaFile: endpoints.azureCaFile, azureConfigDir: endpoints.azureConfigDir,
    azureRetailPrices: endpoints.azureRetailPrices,
  })}`);
  log(`Sandbox cloud running (state in ${options.directory}). Use it from a shell with:`);
  log(`  export AWS_CONFIG_FILE=${endpoints.awsConfigFile} AWS_PROFILE=${endpoints.profile}`);
  log(`  export AZURE_CONFIG_DIR=${endpoints.azureConfigDir} NODE_EXTRA_CA_CERTS=${endpoints.azureCaFile}   (service principal: AZURE_* in the editor's environment)`);
  log(`  export SPOTBOX_AZURE_RETAIL_PRICES_URL=${endpoints.azureRetailPrices}   (Azure's Retail Prices API, served by the sandbox)`);
  log(`  export CLOUDSDK_CONFIG=${endpoints.gcpConfigDir} CLOUDSDK_ACTIVE_CONFIG_NAME=${endpoints.gcpConfiguration} STORAGE_EMULATOR_HOST=${endpoints.gcpStorage}`);
  log(`Inject faults with: npm run sandbox:ctl -- help`);
  if (options.editor) {
    try {
      editor = await openEditor({
        repoRoot,
        workspacePath: path.join(repoRoot, 'test', 'fixtures', 'workspace'),
        environment: sandbox.environment,
        port: options.editorPort,
        log,
      });
      log(`Spotbox is running in ${editor.description}, pointed at the sandbox. Press Ctrl-C to stop everything.`);
      void editor.closed.then(() => shutdown(0));
    } catch (error) {
      log(`The editor could not start (${error instanceof Error ? error.message : String(error)}); the sandbox keeps running. Ctrl-C stops it.`);
    }
  } else {
    log('Headless: press Ctrl-C (or send SIGTERM) to stop.');
  }
}

void main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
