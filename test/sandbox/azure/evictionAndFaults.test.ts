/**
 * Spot eviction with Azure's real 30 s notice (ARM's simulateEviction and the control API's evict),
 * and the faults the control API injects: SkuNotAvailable, AllocationFailed, quota, Spot price above
 * maxPrice, throttling.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createNetwork, eventually, LOCATION, spotVmBody, startAzureTestSandbox, stopTestSandbox, tempDir, type AzureTestContext } from './azureHarness';

const COMPUTE = '?api-version=2024-07-01';

describe('Azure sandbox: Spot eviction (30 s) and injected faults', function () {
  this.timeout(300_000);
  let directory: string;
  let context: AzureTestContext | undefined;
  let publicKey: string;

  const control = async (route: string, body: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const response = await fetch(`${context!.sandbox.endpoints.control}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await response.text();
    assert.equal(response.status, 200, text);
    return JSON.parse(text) as Record<string, unknown>;
  };
  const vmPath = (group: string, name: string): string => `${context!.subscriptionPath}/resourceGroups/${group}/providers/Microsoft.Compute/virtualMachines/${name}${COMPUTE}`;
  const createVm = async (group: string, name: string, extra: Parameters<typeof spotVmBody>[2] = {}): Promise<void> => {
    const c = context!;
    assert.equal((await c.arm('PUT', `${c.subscriptionPath}/resourcegroups/${group}?api-version=2021-04-01`, { location: LOCATION })).status, 201);
    const { nicId } = await createNetwork(c, group, name);
    const created = await c.arm('PUT', vmPath(group, name), spotVmBody(nicId, publicKey, extra));
    assert.equal(created.status, 201, created.text);
    assert.equal((await c.waitForOperation(created.headers['azure-asyncoperation'])).status, 'Succeeded');
  };

  before(async () => {
    directory = tempDir('spotbox-azure-evict-');
    context = await startAzureTestSandbox(directory);
    const keyPath = path.join(directory, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyPath]);
    publicKey = fs.readFileSync(`${keyPath}.pub`, 'utf8').trim();
  });
  after(async () => {
    await stopTestSandbox(context?.sandbox, directory);
  });

  it('evicts 30 s after the Preempt event: Delete removes the VM (its NIC stays), Deallocate leaves it deallocated', async () => {
    const c = context!;
    await createVm('evict-delete', 'spot1', { evictionPolicy: 'Delete' });
    await createVm('evict-deallocate', 'spot2', { evictionPolicy: 'Deallocate' });
    const startedAt = Date.now();
    const simulated = await c.arm('POST', vmPath('evict-delete', 'spot1').replace('/spot1?', '/spot1/simulateEviction?'));
    assert.equal(simulated.status, 204, simulated.text);
    const evicted = await control('/azure/evict', { vm: 'spot2' });
    assert.equal(evicted.resourceGroup, 'evict-deallocate');
    const notBefore = Date.parse(String(evicted.notBefore));
    assert.match(String(evicted.notBefore), /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    assert.ok(Math.abs(notBefore - (startedAt + 30_000)) < 3000, `NotBefore ${String(evicted.notBefore)} is about 30 s away`);

    const state = c.sandbox.azure.arm.vms.snapshot().find((vm) => vm.vm === 'spot1')!;
    const events = state.scheduledEvents as Array<{ EventType: string; EventStatus: string; Resources: string[] }>;
    assert.deepEqual(events.map((event) => [event.EventType, event.EventStatus, event.Resources[0]]), [['Preempt', 'Scheduled', 'spot1']]);
    assert.equal(c.sandbox.events.events({ kind: 'azure-eviction-scheduled' }).length, 2);

    await new Promise((resolve) => setTimeout(resolve, 20_000));
    assert.equal((await c.arm('GET', vmPath('evict-delete', 'spot1'))).status, 200, 'still there before NotBefore');
    await eventually('spot1 to be deleted', async () => ((await c.arm('GET', vmPath('evict-delete', 'spot1'))).status === 404 ? true : undefined), 30_000, 250);
    const elapsed = Date.now() - startedAt;
    assert.ok(elapsed >= 30_000 && elapsed < 40_000, `evicted after ${elapsed} ms`);
    const nic = await c.arm('GET', `${c.subscriptionPath}/resourceGroups/evict-delete/providers/Microsoft.Network/networkInterfaces/spot1-nic?api-version=2024-05-01`);
    assert.equal(nic.status, 200, 'the NIC stays in the group');
    const deallocated = await eventually('spot2 to be deallocated', async () => {
      const vm = await c.arm('GET', `${vmPath('evict-deallocate', 'spot2')}&$expand=instanceView`);
      const codes = (vm.json.properties as { instanceView: { statuses: Array<{ code: string }> } }).instanceView.statuses.map((status) => status.code);
      return codes.includes('PowerState/deallocated') ? codes : undefined;
    }, 10_000, 250);
    assert.ok(deallocated.includes('ProvisioningState/succeeded'));
    const evictedEvents = c.sandbox.events.events({ kind: 'azure-evicted' });
    assert.deepEqual(evictedEvents.map((event) => [event.details.vm, event.details.cause]).sort(), [['spot1', 'notBefore'], ['spot2', 'notBefore']]);
  });

  it('SkuNotAvailable (409 at PUT), AllocationFailed (the async operation fails), quota naming the family', async () => {
    const c = context!;
    assert.equal((await c.arm('PUT', `${c.subscriptionPath}/resourcegroups/faults?api-version=2021-04-01`, { location: LOCATION })).status, 201);
    const { nicId } = await createNetwork(c, 'faults', 'f');
    await control('/azure/faults/capacity', { vmSize: 'Standard_NC24ads_A100_v4', code: 'SkuNotAvailable', count: 1 });
    const sku = await c.arm('PUT', vmPath('faults', 'a100'), spotVmBody(nicId, publicKey, { vmSize: 'Standard_NC24ads_A100_v4' }));
    assert.equal(sku.status, 409);
    assert.equal((sku.json.error as { code: string }).code, 'SkuNotAvailable');

    await control('/azure/faults/quota', { family: 'standardNCADSA100v4Family', count: 1 });
    const quota = await c.arm('PUT', vmPath('faults', 'a100'), spotVmBody(nicId, publicKey, { vmSize: 'Standard_NC24ads_A100_v4' }));
    assert.equal(quota.status, 409);
    assert.equal((quota.json.error as { code: string }).code, 'OperationNotAllowed');
    assert.match((quota.json.error as { message: string }).message, /standardNCADSA100v4Family Cores quota/);

    await control('/azure/faults/capacity', { vmSize: 'Standard_NC24ads_A100_v4', location: LOCATION, code: 'AllocationFailed', count: 1 });
    const allocation = await c.arm('PUT', vmPath('faults', 'a100'), spotVmBody(nicId, publicKey, { vmSize: 'Standard_NC24ads_A100_v4' }));
    assert.equal(allocation.status, 201);
    const failed = await c.waitForOperation(allocation.headers['azure-asyncoperation']);
    assert.equal(failed.status, 'Failed');
    assert.equal((failed.error as { code: string }).code, 'AllocationFailed');
    const vm = await c.arm('GET', vmPath('faults', 'a100'));
    assert.equal((vm.json.properties as { provisioningState: string }).provisioningState, 'Failed');
  });

  it('refuses a maxPrice below the Spot price of the size, and throttles with 429 + Retry-After', async () => {
    const c = context!;
    await c.arm('DELETE', vmPath('faults', 'a100'));
    await eventually('the failed VM to go', async () => ((await c.arm('GET', vmPath('faults', 'a100'))).status === 404 ? true : undefined), 10_000);
    const nicId = `/subscriptions/${c.sandbox.endpoints.azureSubscriptionId}/resourceGroups/faults/providers/Microsoft.Network/networkInterfaces/f-nic`;
    // The table's Spot price of Standard_NC4as_T4_v3 is 0.0526 USD/h.
    const cheap = await c.arm('PUT', vmPath('faults', 't4'), spotVmBody(nicId, publicKey, { maxPrice: 0.05 }));
    assert.equal(cheap.status, 409, cheap.text);
    assert.equal((cheap.json.error as { code: string }).code, 'SpotPriceGreaterThanProvidedMaxPrice');
    await control('/azure/faults/spot-price', { vmSize: 'Standard_NC4as_T4_v3', pricePerHour: 0.2 });
    const afterSpike = await c.arm('PUT', vmPath('faults', 't4'), spotVmBody(nicId, publicKey, { maxPrice: 0.1 }));
    assert.equal((afterSpike.json.error as { code: string }).code, 'SpotPriceGreaterThanProvidedMaxPrice');

    await control('/azure/faults/throttle', { count: 2, retryAfterSeconds: 5 });
    const throttled = await c.arm('GET', vmPath('faults', 't4'));
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers['retry-after'], '5');
    assert.equal((throttled.json.error as { code: string }).code, 'TooManyRequests');
    assert.equal((await c.arm('GET', `${c.subscriptionPath}/resourcegroups?api-version=2021-04-01`)).status, 429);
    const after = await c.arm('GET', `${c.subscriptionPath}/resourcegroups?api-version=2021-04-01`);
    assert.equal(after.status, 200);
    assert.ok(after.headers['x-ms-ratelimit-remaining-subscription-reads']);
  });
});
