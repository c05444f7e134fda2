/**
 * The emulator's own test of an acknowledged eviction: a box that POSTs StartRequests makes the
 * Preempt event start at once (soft off, then the VM is gone), well before NotBefore. The box host
 * here records what ARM asks of it and plays the box's part (sshd up, the acknowledgement), so the
 * notice can be shortened; ARM itself is the real HTTPS server.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BoxAddress, BoxLifecycleListener, BoxSpec, MetadataView, PowerControlledBoxHost, SandboxEvent, SandboxEventKind } from '../../../sandbox/contract';
import { ArmEmulator } from '../../../sandbox/azure/arm/armServer';
import { EntraTokens } from '../../../sandbox/azure/auth/entraTokens';
import { loadOrCreateServicePrincipal } from '../../../sandbox/azure/auth/servicePrincipal';
import { loadOrCreateTestCertificates } from '../../../sandbox/azure/tls/testCertificates';
import { eventually, httpsRequest, tempDir } from './azureHarness';

class RecordingBoxHost implements PowerControlledBoxHost {
  readonly mode = 'loopback-ip' as const;
  readonly calls: Array<{ call: string; id: string; at: number }> = [];
  readonly listeners = new Map<string, BoxLifecycleListener>();
  readonly metadata = new Map<string, () => MetadataView>();

  boot(spec: BoxSpec, metadata: () => MetadataView, listener: BoxLifecycleListener): Promise<BoxAddress> {
    this.calls.push({ call: 'boot', id: spec.instanceId, at: Date.now() });
    this.listeners.set(spec.instanceId, listener);
    this.metadata.set(spec.instanceId, metadata);
    setTimeout(() => listener.onSshReady(spec.instanceId), 50);
    return Promise.resolve({ ip: '127.0.0.9', sshPort: 22, imdsEndpoint: 'http://127.0.0.9:1338' });
  }
  consoleOutput(): string {
    return '';
  }
  terminate(id: string): Promise<void> {
    this.calls.push({ call: 'terminate', id, at: Date.now() });
    return Promise.resolve();
  }
  dropSshConnections(): Promise<number> {
    return Promise.resolve(0);
  }
  stopAll(): Promise<void> {
    return Promise.resolve();
  }
  softOff(id: string): Promise<number> {
    this.calls.push({ call: 'softOff', id, at: Date.now() });
    return Promise.resolve(1);
  }
  powerOff(id: string): Promise<void> {
    this.calls.push({ call: 'powerOff', id, at: Date.now() });
    return Promise.resolve();
  }
}

describe('Azure ARM emulator: an acknowledged Preempt event starts the eviction early', function () {
  this.timeout(60_000);

  it('StartRequests from the box: Started at once, soft off, then the VM deleted before NotBefore', async () => {
    const directory = tempDir('spotbox-azure-ack-');
    const certificates = loadOrCreateTestCertificates(path.join(directory, 'tls'));
    const principal = loadOrCreateServicePrincipal(path.join(directory, 'principal.json'));
    const tokens = new EntraTokens(principal);
    const boxHost = new RecordingBoxHost();
    const recorded: SandboxEvent[] = [];
    const arm = new ArmEmulator({
      subscriptionId: principal.subscriptionId, tenantId: principal.tenantId, servicePrincipalObjectId: principal.objectId, tokens, certificates, boxHost,
      events: { record: (kind: SandboxEventKind, details: Record<string, unknown>) => recorded.push({ time: new Date().toISOString(), kind, details }) },
      bootDelayMs: () => 0, boxEnvironment: {}, evictionNoticeMs: 20_000,
    });
    const { url } = await arm.start();
    try {
      const token = tokens.issue('https://management.azure.com/').token;
      const call = (method: string, route: string, body?: unknown): ReturnType<typeof httpsRequest> =>
        httpsRequest(method, /^https:/.test(route) ? route : `${url}/subscriptions/${principal.subscriptionId}/${route}`, certificates.ca, body === undefined ? undefined : JSON.stringify(body), { authorization: `Bearer ${token}`, 'content-type': 'application/json' });
      await call('PUT', 'resourcegroups/g?api-version=2021-04-01', { location: 'eastus' });
      const network = 'resourceGroups/g/providers/Microsoft.Network';
      const vnet = await call('PUT', `${network}/virtualNetworks/v?api-version=2024-05-01`, { location: 'eastus', properties: { addressSpace: { addressPrefixes: ['10.0.0.0/16'] }, subnets: [{ name: 's', properties: { addressPrefix: '10.0.0.0/24' } }] } });
      const nic = await call('PUT', `${network}/networkInterfaces/n?api-version=2024-05-01`, { location: 'eastus', properties: { ipConfigurations: [{ name: 'c', properties: { subnet: { id: `${String(vnet.json.id)}/subnets/s` } } }] } });
      const created = await call('PUT', 'resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm?api-version=2024-07-01', {
        location: 'eastus',
        properties: {
          hardwareProfile: { vmSize: 'Standard_D2s_v5' }, priority: 'Spot', evictionPolicy: 'Delete', billingProfile: { maxPrice: -1 },
          storageProfile: { imageReference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' } },
          osProfile: { adminUsername: 'azureuser', linuxConfiguration: { disablePasswordAuthentication: true } },
          networkProfile: { networkInterfaces: [{ id: nic.json.id }] },
        },
      });
      assert.equal(created.status, 201, created.text);
      await eventually('the VM to run', async () => ((await call('GET', created.headers['azure-asyncoperation'])).json.status === 'Succeeded' ? true : undefined), 10_000, 50);
      const boxId = [...boxHost.listeners.keys()][0];
      const view = (): MetadataView['azure'] => boxHost.metadata.get(boxId)!().azure;

      const scheduledAt = Date.now();
      assert.equal((await call('POST', 'resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm/simulateEviction?api-version=2024-07-01')).status, 204);
      const scheduled = view()!.scheduledEvents;
      assert.equal(scheduled.DocumentIncarnation, 2);
      assert.equal(scheduled.Events[0].EventStatus, 'Scheduled');
      assert.ok(Date.parse(scheduled.Events[0].NotBefore) - scheduledAt > 15_000);

      boxHost.listeners.get(boxId)!.onScheduledEventsStarted!(boxId, [scheduled.Events[0].EventId]);
      const started = view()!.scheduledEvents;
      assert.equal(started.Events[0].EventStatus, 'Started');
      assert.equal(started.DocumentIncarnation, 3);
      assert.ok(boxHost.calls.some((item) => item.call === 'softOff'), 'soft off at once');
      await eventually('the VM to be deleted', async () => ((await call('GET', 'resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm?api-version=2024-07-01')).status === 404 ? true : undefined), 10_000, 100);
      const terminated = boxHost.calls.find((item) => item.call === 'terminate')!;
      assert.ok(terminated.at - scheduledAt < 8000, 'well before NotBefore');
      assert.deepEqual(recorded.filter((event) => event.kind.startsWith('azure-evict')).map((event) => [event.kind, event.details.cause]), [
        ['azure-eviction-scheduled', undefined], ['azure-eviction-acknowledged', undefined], ['azure-evicted', 'acknowledged'],
      ]);
    } finally {
      await arm.stop();
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});
