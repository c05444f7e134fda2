import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalBoxHost } from './boxes/localBoxHost';
import { ControlServer } from './control/controlServer';
import { Ec2Emulator } from './ec2/ec2Server';
import { EventLog } from './eventLog';
import { ACCOUNT_ID } from './ec2/actions/common';
import { FisServer } from './fis/fisServer';
import { PricingServer } from './pricing/pricingServer';
import { S3Sandbox } from './s3/s3Sandbox';
import { startGcp, type GcpEndpoints, type RunningGcp } from './gcp/gcpSandbox';
import { startAzure, type AzureEndpoints, type RunningAzure } from './azure/azureSandbox';
import { SANDBOX_ACCESS_KEY, SANDBOX_PROFILE, sandboxProfileEnvironment, writeSandboxProfile } from './awsProfile';
import { StopStack } from './stopStack';

export interface SandboxOptions {
  /** Folder for all state: EC2 state file, boxes' disks, S3 data, event log, AWS profile. */
  readonly directory: string;
  readonly bootDelayMs?: { min: number; max: number };
  readonly consoleDelayMs?: number;
  readonly ports?: { ec2?: number; s3?: number; control?: number; pricing?: number; fis?: number; gcpOauth?: number; gcpCompute?: number; gcpStorage?: number; gcpBilling?: number; azureArm?: number; azureEntra?: number; azureBlob?: number; azureAzurite?: number; azureRetailPrices?: number };
  /** Compute Engine Spot VMs' G2 soft off -> G3 off window; 30 s as on GCE. Only the sandbox's own unit tests shorten it. */
  readonly gcpPreemptionGraceMs?: number;
  /** A managed instance group's wait from losing a VM to recreating it under the same name: 3 s by default (GCE takes longer). */
  readonly gcpMigRepairDelayMs?: number;
  /** A managed instance group's wait before trying its zones and machine types again after all failed: 5 s by default. */
  readonly gcpMigCreateRetryMs?: number;
  /** Azure Spot VMs' time from the Preempt Scheduled Event to the eviction; 30 s as on Azure. Only the sandbox's own tests shorten it. */
  readonly azureEvictionNoticeMs?: number;
  /** Azure Try & Restore: from a scale set instance's eviction to its replacement's create (default in arm/virtualMachineScaleSets.ts). */
  readonly azureSpotRestoreDelayMs?: number;
  readonly forcePerBoxPort?: boolean;
  readonly seed?: number;
  readonly log?: (line: string) => void;
}

export interface SandboxEndpoints extends GcpEndpoints, AzureEndpoints {
  readonly ec2: string;
  readonly s3: string;
  readonly control: string;
  /** GET answers the caller's IP as plain text, like checkip.amazonaws.com (served by the control API). */
  readonly checkIp: string;
  /** The Price List API (on-demand prices); reached through the profile's `pricing` endpoint_url. */
  readonly pricing: string;
  /** AWS Fault Injection Service (spot interruption experiments); reached through the profile's `fis` endpoint_url. */
  readonly fis: string;
  readonly awsConfigFile: string;
  readonly awsCredentialsFile: string;
  readonly profile: string;
  readonly sshMode: 'loopback-ip' | 'per-box-port';
}

export interface RunningSandbox {
  readonly endpoints: SandboxEndpoints;
  readonly ec2: Ec2Emulator;
  readonly s3: S3Sandbox;
  readonly pricing: PricingServer;
  readonly fis: FisServer;
  readonly boxHost: LocalBoxHost;
  /** Google Cloud: Compute Engine, Cloud Storage, the token endpoint. */
  readonly gcp: RunningGcp;
  /** Azure: Resource Manager, Entra ID's token endpoint, Azurite's Blob service. */
  readonly azure: RunningAzure;
  readonly events: EventLog;
  /** Environment that points AWS SDKs, Google's clients (through the gcloud configuration) and Spotbox at this sandbox. */
  readonly environment: Record<string, string>;
  stop(): Promise<void>;
}

/** Bucket that exists from the start, for checkpoints and workspaces. */
export const SANDBOX_BUCKET = 'spotbox-sandbox';

/**
 * Starts the whole sandbox cloud: S3, the box host, the EC2 emulator (which boots again the boxes
 * a previous run left running), the Price List API, FIS and the control API; writes the AWS profile last, once every
 * endpoint is known. Anything started is stopped again if a later part fails to start.
 */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const directory = path.resolve(options.directory);
  fs.mkdirSync(directory, { recursive: true });
  const log = options.log ?? (() => undefined);
  const events = new EventLog(path.join(directory, 'events.jsonl'));
  const stops = new StopStack((error: unknown) => log(`sandbox: stop failed: ${String(error)}`));
  const { stopAll } = stops;

  // Keep the ports of the previous run where they are free: AWS profiles and SDKs that already
  // read the old endpoints keep working across a restart.
  const portsFile = path.join(directory, 'ports.json');
  const previousPorts = readPreviousPorts(portsFile);
  const listenOn = async <T>(preferred: number | undefined, start: (port?: number) => Promise<T>): Promise<T> => {
    if (preferred) {
      try {
        return await start(preferred);
      } catch (error) {
        log(`sandbox: port ${preferred} is taken (${String(error)}); using another`);
      }
    }
    return start(0);
  };

  try {
    const s3 = new S3Sandbox({ directory: path.join(directory, 's3'), events, buckets: [SANDBOX_BUCKET] });
    const s3Url = (await listenOn(options.ports?.s3 ?? previousPorts.s3, (port) => s3.start(port))).url;
    stops.push(() => s3.stop());

    const boxHost = new LocalBoxHost({ stateDir: path.join(directory, 'boxes'), events, log, forcePerBoxPort: options.forcePerBoxPort });
    stops.push(() => boxHost.stopAll());

    const ec2 = new Ec2Emulator({
      stateFile: path.join(directory, 'ec2-state.json'),
      boxHost,
      events,
      bootDelayMs: options.bootDelayMs,
      consoleDelayMs: options.consoleDelayMs,
      seed: options.seed,
      stopBoxesOnStop: false,
      boxEnvironment: {
        AWS_ACCESS_KEY_ID: SANDBOX_ACCESS_KEY.accessKeyId,
        AWS_SECRET_ACCESS_KEY: SANDBOX_ACCESS_KEY.secretAccessKey,
        AWS_ENDPOINT_URL_S3: s3Url,
        // Debian's AWS CLI 2.9 predates AWS_ENDPOINT_URL_*; box scripts pass --endpoint-url "$SPOTBOX_S3_ENDPOINT".
        SPOTBOX_S3_ENDPOINT: s3Url,
        SPOTBOX_S3_BUCKET: SANDBOX_BUCKET,
        AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
        AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
      },
    });
    const ec2Url = (await listenOn(options.ports?.ec2 ?? previousPorts.ec2, (port) => ec2.start(port))).url;
    stops.push(() => ec2.stop());

    const pricing = new PricingServer({ events });
    const pricingUrl = (await listenOn(options.ports?.pricing ?? previousPorts.pricing, (port) => pricing.start(port))).url;
    stops.push(() => pricing.stop());

    const fis = new FisServer({
      ec2: { instances: () => ec2.listInstances(), interruptSpot: (id, interrupt) => ec2.interruptSpot(id, interrupt), recommendRebalance: (id) => ec2.recommendRebalance(id) },
      events,
      accountId: ACCOUNT_ID,
    });
    const fisUrl = (await listenOn(options.ports?.fis ?? previousPorts.fis, (port) => fis.start(port))).url;
    stops.push(() => fis.stop());

    // Google's and Azure's boxes boot uniformly in the same range as EC2's.
    const otherCloudBootDelayMs = (): number => {
      const delay = options.bootDelayMs ?? { min: 2000, max: 6000 };
      return Math.round(delay.min + Math.random() * Math.max(0, delay.max - delay.min));
    };
    const gcp = await startGcp({
      directory,
      boxHost,
      events,
      bootDelayMs: otherCloudBootDelayMs,
      ports: { oauth: options.ports?.gcpOauth ?? previousPorts.gcpOauth, compute: options.ports?.gcpCompute ?? previousPorts.gcpCompute, storage: options.ports?.gcpStorage ?? previousPorts.gcpStorage, billing: options.ports?.gcpBilling ?? previousPorts.gcpBilling },
      listenOn,
      preemptionGraceMs: options.gcpPreemptionGraceMs,
      migRepairDelayMs: options.gcpMigRepairDelayMs,
      migCreateRetryMs: options.gcpMigCreateRetryMs,
    });
    stops.push(() => gcp.stop());

    const azure = await startAzure({
      directory,
      boxHost,
      events,
      bootDelayMs: otherCloudBootDelayMs,
      ports: {
        arm: options.ports?.azureArm ?? previousPorts.azureArm, entra: options.ports?.azureEntra ?? previousPorts.azureEntra, blob: options.ports?.azureBlob ?? previousPorts.azureBlob,
        azurite: options.ports?.azureAzurite ?? previousPorts.azureAzurite, retailPrices: options.ports?.azureRetailPrices ?? previousPorts.azureRetailPrices,
      },
      listenOn,
      evictionNoticeMs: options.azureEvictionNoticeMs,
      spotRestoreDelayMs: options.azureSpotRestoreDelayMs,
      log,
    });
    stops.push(() => azure.stop());

    const control = new ControlServer({
      interruptSpot: (id, interrupt) => ec2.interruptSpot(id, interrupt),
      recommendRebalance: (id) => ec2.recommendRebalance(id),
      hardTerminate: (id) => ec2.hardTerminate(id),
      spikePrice: (spike) => ec2.spikePrice(spike),
      failCapacity: (fault) => ec2.failCapacity(fault),
      throttle: (count) => ec2.throttle(count),
      addLatency: (ms, region) => ec2.addLatency(ms, region),
      clearFaults: () => {
        ec2.clearFaults();
        pricing.clearFaults();
        gcp.compute.faults.clear();
        azure.arm.faults.clear();
      },
      evictAzure: (vm, resourceGroup) => azure.arm.vms.evict(resourceGroup, vm),
      setAzureSpotRestoreDelay: (ms) => {
        azure.arm.scaleSets.restoreDelayMs = ms;
      },
      failAzure: (fault) => {
        azure.arm.faults.add(fault);
        events.record('azure-fault', { ...fault });
      },
      preemptGce: (name, zone) => gcp.compute.instances.preempt(name, zone),
      announceGceMaintenance: (name, zone, event) => gcp.compute.instances.announceMaintenance(name, zone, event),
      failGce: (fault) => {
        gcp.compute.faults.add(fault);
        events.record('gce-fault', { ...fault });
      },
      failGcs: (count, status) => gcp.storage.failNext(count, status),
      failS3: (count, status) => s3.failNext(count, status),
      failPricing: (count, status) => pricing.failNext(count, status),
      dropSsh: async (id) => {
        if (!ec2.listInstances().some((instance) => instance.instanceId === id)) {
          throw new Error(`unknown instance ${id}`);
        }
        // The box host records the ssh-drop event itself.
        return boxHost.dropSshConnections(id);
      },
      events: (filter) => events.events(filter),
      describe: () => ({
        instances: ec2.listInstances(),
        fleets: ec2.listFleets(),
        gceInstances: gcp.compute.instances.list().map((record) => ({ name: record.name, zone: record.zone, id: record.id, status: record.status, preempted: record.preempted, address: record.address })),
        gceInstanceGroups: gcp.compute.groups.snapshot().map((group) => ({
          name: group.name, region: group.region, targetSize: group.targetSize, template: group.templateName,
          instances: group.managed.map((managed) => ({ name: managed.name, zone: managed.zone, currentAction: managed.currentAction })),
        })),
        azureVms: azure.arm.vms.snapshot(),
        azureScaleSets: azure.arm.scaleSets.snapshot(),
        sshMode: boxHost.mode,
      }),
    });
    const controlUrl = (await listenOn(options.ports?.control ?? previousPorts.control, (port) => control.start(port))).url;
    stops.push(() => control.stop());

    const profileFiles = writeSandboxProfile(directory, { ec2: ec2Url, s3: s3Url, pricing: pricingUrl, fis: fisUrl });
    const endpoints: SandboxEndpoints = {
      ec2: ec2Url,
      s3: s3Url,
      control: controlUrl,
      checkIp: `${controlUrl}/checkip`,
      pricing: pricingUrl,
      fis: fisUrl,
      awsConfigFile: profileFiles.configFile,
      awsCredentialsFile: profileFiles.credentialsFile,
      profile: SANDBOX_PROFILE,
      sshMode: boxHost.mode,
      ...gcp.endpoints,
      ...azure.endpoints,
    };
    fs.writeFileSync(path.join(directory, 'endpoints.json'), JSON.stringify(endpoints, null, 2));
    fs.writeFileSync(portsFile, JSON.stringify({
      ec2: portOf(ec2Url), s3: portOf(s3Url), control: portOf(controlUrl), pricing: portOf(pricingUrl), fis: portOf(fisUrl),
      gcpOauth: gcp.ports.oauth, gcpCompute: gcp.ports.compute, gcpStorage: gcp.ports.storage, gcpBilling: gcp.ports.billing,
      azureArm: azure.ports.arm, azureEntra: azure.ports.entra, azureBlob: azure.ports.blob, azureAzurite: azure.ports.azurite, azureRetailPrices: azure.ports.retailPrices,
    }));
    events.record('sandbox-started', { ...endpoints });

    let stopped = false;
    return {
      endpoints,
      ec2,
      s3,
      pricing,
      fis,
      boxHost,
      gcp,
      azure,
      events,
      // The editor it opens asks the sandbox, not the internet, for "your public IP" (user settings still win).
      environment: { ...sandboxProfileEnvironment(profileFiles), ...gcp.environment, ...azure.environment, SPOTBOX_CHECK_IP_URL: endpoints.checkIp },
      stop: async () => {
        if (stopped) {
          return;
        }
        stopped = true;
        await stopAll();
        events.record('sandbox-stopped', {});
        fs.rmSync(path.join(directory, 'endpoints.json'), { force: true });
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

interface Ports {
  ec2?: number;
  s3?: number;
  control?: number;
  pricing?: number;
  fis?: number;
  gcpOauth?: number;
  gcpCompute?: number;
  gcpStorage?: number;
  gcpBilling?: number;
  azureArm?: number;
  azureEntra?: number;
  azureBlob?: number;
  azureAzurite?: number;
  azureRetailPrices?: number;
}

function readPreviousPorts(file: string): Ports {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Ports;
  } catch {
    return {};
  }
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}
