/**
 * Spotbox's Azure pipeline run as a user's editor runs it: a separate Node process started with the
 * sandbox's environment (the Azure CLI configuration naming the sandbox's cloud, the service
 * principal @azure/identity reads, NODE_EXTRA_CA_CERTS for the sandbox's CA, which Node reads only
 * at start-up). One command per run, its result as one JSON line on stdout:
 *
 *   node spotboxAzureClient.js launch '<profile json>' <keyDirectory> <owner> [<local workspace>]
 *   node spotboxAzureClient.js list
 *   node spotboxAzureClient.js evict-and-watch '<box json>' <keyDirectory> <control url> <blob endpoint> <container> <checkpoint prefix>
 *   node spotboxAzureClient.js terminate '<box json>' <keyDirectory> <owner>
 *   node spotboxAzureClient.js sweep <keyDirectory> <owner>
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assembleAgentForTests } from '../../assembledAgent';
import { evictAndWatch } from './azureScaleSetWatch';
import { AzureBoxSource } from '../../../src/core/azure/azureBoxSource';
import { createAzureClients } from '../../../src/core/azure/azureClients';
import { terminateAzureBox } from '../../../src/core/azure/azureTerminate';
import type { Box } from '../../../src/core/boxes/box';
import { azureHygieneCloud, AZURE_SWEEP_SCOPE } from '../../../src/core/hygiene/azureHygieneCloud';
import { deleteOrphans } from '../../../src/core/hygiene/deleteOrphans';
import { findOrphans } from '../../../src/core/hygiene/findOrphans';
import { silentLogger } from '../../../src/core/logging/logger';
import { parseProfile } from '../../../src/core/profile/parseProfile';
import { launchAzureProfile } from '../../../src/core/profileLaunch/launchAzureProfile';
import type { BoxEndpoint } from '../../../src/core/attach/boxEndpoint';
import { connectEndpoint } from '../../../src/core/attach/connectEndpoint';
import { resolveAzureEndpoint } from '../../../src/core/azure/azureEndpoint';
import { parseAgentEvent } from '../../../src/core/recovery/agentEvents';
import { checkpointNowOnBox } from '../../../src/core/recovery/boxSessionOps';
import { BlobClient } from '../../../src/core/azure/blobClient';
import { LineageStore } from '../../../src/core/recovery/lineageStore';
import { NoticeBoard } from '../../../src/core/recovery/noticeBoard';
import { RecoveryHub } from '../../../src/core/recovery/recoveryHub';
import { stepsLost } from '../../../src/core/recovery/recoveryTypes';
import { SelfRestoreFollower, type SelfRestoreRecord } from '../../../src/core/recovery/selfRestoreFollower';
import { timelineSummary } from '../../../src/core/recovery/timelineText';
import { azureSelfRestorePorts } from '../../../src/core/recoveryPorts/selfRestorePorts';
import { runRemoteCommand } from '../../../src/core/ssh/runRemoteCommand';
import { CheckpointFitBoard } from '../../../src/core/throughput/checkpointFitBoard';
import { systemClock } from '../../../src/core/time/clock';

async function main(): Promise<unknown> {
  const [command, ...args] = process.argv.slice(2);
  const clients = createAzureClients();
  switch (command) {
    case 'launch': {
      const parsed = parseProfile(args[0], '.spotbox/profile.json');
      if (!parsed.profile) throw new Error(parsed.problems.map((problem) => problem.message).join('; '));
      const progress: string[] = [];
      const agentSource = async (): Promise<string> => fs.promises.readFile(path.join(assembleAgentForTests(), 'spotbox_agent.py'), 'utf8');
      const result = await launchAzureProfile(parsed.profile, { callerIp: '127.0.0.1', keyDirectory: args[1], owner: args[2], ...(args[3] ? { localRoot: args[3] } : {}) }, { azure: clients, agentSource }, { logger: silentLogger, onProgress: (message) => {
        progress.push(message);
        process.stderr.write(`${new Date().toISOString()} ${message}\n`);
      } });
      const { launched, box, endpoint, lineage } = result;
      return { lineage, scaleSet: launched.scaleSet?.id, launched: { name: launched.name, resourceGroup: launched.resourceGroup, location: launched.location, vmSize: launched.vmSize, publicIp: launched.publicIp, hostPublicKey: launched.hostPublicKey, privateKeyPath: launched.privateKeyPath, skipped: launched.skipped }, box, endpoint, progress };
    }
    case 'evict-and-watch': {
      const [boxJson, keyDirectory, control, blobEndpoint, container, checkpointPrefix] = args;
      const evict = async (vm: string, resourceGroup: string): Promise<void> => {
        const response = await fetch(`${control}/azure/evict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vm, resourceGroup }) });
        if (response.status !== 200) throw new Error(`evict ${vm}: ${response.status} ${await response.text()}`);
      };
      return evictAndWatch(JSON.parse(boxJson) as Box, { clients, keyDirectory, blobEndpoint, container, checkpointPrefix, evict });
    }
    case 'checkpoint-now': {
      // What Spotbox: Checkpoint Now runs on the box (src/commands/checkpoint/save.ts).
      const [boxJson, keyDirectory, blobEndpoint, container, lineageFolder] = args;
      const client = await connectEndpoint(await resolveAzureEndpoint(clients, JSON.parse(boxJson) as Box, { keyDirectory, defaultUser: 'ubuntu' }), { retries: 8 });
      const committed = await checkpointNowOnBox(client, { timeoutSeconds: 120 }).finally(() => client.end());
      // Blob storage's word, not the agent's: the blobs under the lineage's folder, as List Blobs names them.
      const blobs = await new BlobClient({ endpoint: blobEndpoint, credential: clients.storageCredential }).listBlobs(container, lineageFolder);
      return { committed, blobs };
    }
    case 'recall-as-a-later-window': {
      // A window opened after the restore: it follows the new box's journal from its start (as the
      // InterruptionWatcher does) through the RecoveryHub, whose follower records what happened.
      const [boxJson, keyDirectory, lineageDirectory] = args;
      const box = JSON.parse(boxJson) as Box;
      const endpointOf = (target: Box): Promise<BoxEndpoint> => resolveAzureEndpoint(clients, target, { keyDirectory, defaultUser: 'ubuntu' });
      let recorded: SelfRestoreRecord | undefined;
      const follower = new SelfRestoreFollower(() => azureSelfRestorePorts(clients, { endpointOf }), { logger: silentLogger, onChange: (record) => (recorded = record) });
      const refuse = async (): Promise<never> => Promise.reject(new Error('an Azure box is not the coordinator\'s'));
      const hub = new RecoveryHub({
        coordinator: { recover: refuse, noteStep: async () => undefined },
        lineages: new LineageStore(lineageDirectory),
        notices: new NoticeBoard(),
        checkpointFits: new CheckpointFitBoard(),
        usage: { recordInterruption: () => undefined, recordEpoch: () => undefined },
        noticeChecks: { confirm: refuse },
        selfRestore: follower,
        clock: systemClock,
        logger: silentLogger,
        followJournals: () => undefined,
        announce: () => undefined,
        noticeIgnored: () => undefined,
        checkpointTooBig: () => undefined,
      });
      const client = await connectEndpoint(await endpointOf(box), { retries: 8 });
      const journal = await runRemoteCommand(client, 'cat ~/.spotbox/journal.jsonl.1 ~/.spotbox/journal.jsonl 2>/dev/null || true').finally(() => client.end());
      for (const line of journal.stdout.split('\n')) {
        const event = parseAgentEvent(line);
        if (event) hub.onAgentEvent(box, event);
      }
      for (let waited = 0; !recorded && waited < 30_000; waited += 200) await new Promise((resolve) => setTimeout(resolve, 200));
      follower.dispose();
      return { recorded, summary: recorded?.recovery ? timelineSummary(recorded.recovery) : undefined, lost: recorded?.recovery ? stepsLost(recorded.recovery) : undefined };
    }
    case 'list':
      return { boxes: await new AzureBoxSource(async () => clients, clients.subscriptionId).listBoxes() };
    case 'terminate':
      await terminateAzureBox(clients, JSON.parse(args[0]) as Box, { ownerId: args[2], keyDirectory: args[1] });
      return { terminated: true };
    case 'sweep': {
      const cloud = azureHygieneCloud(async () => clients, args[0]);
      const scan = await findOrphans(cloud, { regions: [AZURE_SWEEP_SCOPE], ownerId: args[1], graceMs: 0 });
      const result = await deleteOrphans(cloud, scan.orphans, { keyDirectory: args[0], logger: silentLogger });
      return { found: scan.orphans.map((orphan) => `${orphan.kind} ${orphan.name ?? orphan.id}`), deleted: result.deleted.length, failed: result.failed.map((failure) => failure.message) };
    }
    default:
      throw new Error(`unknown command ${command}`);
  }
}

// One command per process: exit once its line is written (keep-alive connections would hold the process open).
const finish = (line: unknown): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`, () => process.exit(0));
};
main().then(finish, (error: unknown) => finish({ error: error instanceof Error ? error.message : String(error), name: error instanceof Error ? error.name : undefined }));
