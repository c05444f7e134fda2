import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { manifestKey, seqFolder, sessionFolder } from '../src/core/checkpoint/checkpointLayout';
import { createS3Client } from '../src/core/checkpoint/s3Client';
import { copyCheckpoint } from '../src/core/crossCloud/checkpointCopy';
import { egressCostUsd, formatUsd } from '../src/core/pricing/egressPrices';
import { resolveCheckpointAccount } from '../src/core/azure/azureCheckpointAccount';
import { createAzureClients } from '../src/core/azure/azureClients';
import { BlobClient } from '../src/core/azure/blobClient';
import { blobObjectSink } from '../src/core/crossCloud/blobObjectSink';
import { gcsObjectSink } from '../src/core/crossCloud/gcsObjectSink';
import type { ObjectSink } from '../src/core/crossCloud/objectStores';
import { s3ObjectSource } from '../src/core/crossCloud/s3ObjectSource';
import { createGcpClients } from '../src/core/gcp/gcpClients';
import { SANDBOX_BUCKET, type RunningSandbox } from '../sandbox/sandbox';
import { trustSandboxCa } from '../test/sandbox/azure/trustSandboxCa';
import { startTestSandbox, stopTestSandbox, tempDir } from '../test/sandbox/e2e/sandboxHarness';
import { argument, runBench } from './benchCli';

const REGION = 'us-east-1';
const FILE_MB = 8;

/** Where the copy lands: the sandbox's Cloud Storage bucket, or its Blob container (Azurite behind the HTTPS proxy). */
interface Landing {
  readonly label: string;
  readonly sink: ObjectSink;
  /** Empties the lineage's folder there, before each run and at the end. */
  readonly clear: (folder: string) => Promise<void>;
}

async function landingOn(cloud: string, sandbox: RunningSandbox): Promise<Landing> {
  if (cloud === 'azure') {
    // This process started before the sandbox's CA existed (the editor reads it from NODE_EXTRA_CA_CERTS).
    trustSandboxCa(sandbox.azure.certificates.ca);
    const azure = createAzureClients();
    const container = sandbox.endpoints.azureContainer;
    const account = await resolveCheckpointAccount(azure, `${sandbox.endpoints.azureStorageAccount}/${container}`);
    const blob = new BlobClient({ endpoint: account.blobEndpoint, credential: azure.storageCredential });
    return {
      label: 'sandbox Blob storage (Azurite behind the HTTPS proxy)',
      sink: blobObjectSink(blob, container),
      clear: async (folder) => {
        for (const name of await blob.listBlobs(container, folder)) await blob.deleteBlob(container, name);
      },
    };
  }
  const gcp = await createGcpClients({ configuration: 'spotbox-sandbox' });
  return {
    label: 'sandbox Cloud Storage',
    sink: gcsObjectSink(gcp.gcs, SANDBOX_BUCKET),
    clear: async (folder) => {
      await gcp.gcs.deletePrefix(SANDBOX_BUCKET, folder);
    },
  };
}

/**
 * `bench:crosscloud [--mb 64] [--runs 3] [--to gcp|azure]`: the cross-cloud copy of a committed checkpoint of N MB
 * (files of 8 MB, the agent's layout) from the sandbox's S3 to its Cloud Storage or Blob storage, as a move does it
 * (src/core/crossCloud/checkpointCopy.ts: 8 objects at once, each checked against the manifest's
 * sha256), next to a reference of the same run: the S3 download alone with `aws s3 cp --recursive`.
 * Both ends are local emulators, so this measures Spotbox's own overhead, not an internet link.
 */
runBench(async () => {
  const megabytes = Number(argument('--mb') ?? 64);
  const runs = Number(argument('--runs') ?? 3);
  const to = argument('--to') ?? 'gcp';
  const directory = tempDir('spotbox-bench-crosscloud-');
  const sandbox = await startTestSandbox(directory);
  try {
    const s3 = await createS3Client({ region: REGION });
    const landing = await landingOn(to, sandbox);
    const lineage = `bench-${randomBytes(3).toString('hex')}`;
    const prefix = 'bench-crosscloud';
    const folder = seqFolder(prefix, lineage, 1);
    const files = [];
    for (let index = 0; index * FILE_MB < megabytes; index++) {
      const body = randomBytes(Math.min(FILE_MB, megabytes - index * FILE_MB) * 1e6);
      const key = `${folder}files/model-${index}.bin`;
      await s3.send(new PutObjectCommand({ Bucket: SANDBOX_BUCKET, Key: key, Body: body }));
      files.push({ path: `model-${index}.bin`, area: 'files', size: body.byteLength, sha256: createHash('sha256').update(body).digest('hex'), key });
    }
    const manifest = { version: 1, session: lineage, seq: 1, createdAt: new Date().toISOString(), sourceInstance: null, reason: 'notice', step: 1, files };
    await s3.send(new PutObjectCommand({ Bucket: SANDBOX_BUCKET, Key: manifestKey(prefix, lineage, 1), Body: JSON.stringify(manifest) }));
    console.log(`checkpoint of ${megabytes} MB in ${files.length} file(s), sandbox S3 -> ${landing.label}, ${runs} run(s)`);
    const source = s3ObjectSource(SANDBOX_BUCKET, { region: REGION });
    for (let run = 1; run <= runs; run++) {
      await landing.clear(sessionFolder(prefix, lineage));
      const report = await copyCheckpoint(source, landing.sink, { prefix, lineage, seq: 1 });
      const down = fs.mkdtempSync(path.join(directory, 'down-'));
      const started = performance.now();
      await new Promise<void>((resolve, reject) =>
        execFile('aws', ['s3', 'cp', '--recursive', '--only-show-errors', '--endpoint-url', sandbox.endpoints.s3, `s3://${SANDBOX_BUCKET}/${folder}`, down], { env: { ...process.env, ...sandbox.environment } }, (error, _stdout, stderr) =>
          error ? reject(new Error(`aws s3 cp failed: ${stderr || error.message}`)) : resolve(),
        ),
      );
      const referenceSeconds = (performance.now() - started) / 1000;
      fs.rmSync(down, { recursive: true, force: true });
      console.log(
        `run ${run}: cross-cloud copy ${(report.bytes / 1e6).toFixed(1)} MB in ${report.seconds.toFixed(2)} s = ${report.mbPerSecond.toFixed(1)} MB/s (${report.objects} objects; egress at AWS list price ≈ ${formatUsd(egressCostUsd('aws', report.bytes))}); ` +
          `reference, the S3 download alone (aws s3 cp --recursive): ${referenceSeconds.toFixed(2)} s = ${(report.bytes / 1e6 / referenceSeconds).toFixed(1)} MB/s`,
      );
    }
    source.dispose();
    s3.destroy();
    await landing.clear(sessionFolder(prefix, lineage));
  } finally {
    await stopTestSandbox(sandbox, directory);
  }
});
