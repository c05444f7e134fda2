/**
 * An Azure box's IMDS on its own, without a box, over HTTP: the Metadata header, X-Forwarded-For
 * and api-version rules, the instance document and its text leaves, managed identity tokens (also
 * through @azure/identity's ManagedIdentityCredential, pointed at it as on a box), Scheduled Events
 * with the first call's wait, and StartRequests reaching the listener.
 */
import * as assert from 'node:assert/strict';
import { ManagedIdentityCredential } from '@azure/identity';
import type { AzureMetadataView, AzureScheduledEvent, BoxSpec } from '../../../sandbox/contract';
import { AzureImdsServer } from '../../../sandbox/boxes/azureImdsServer';

const VM_ID = '8f2d7c1e-5b3a-4e9f-a1c2-3d4e5f6a7b8c';

function azureSpec(withIdentity: boolean): BoxSpec {
  return {
    instanceId: 'azvm-trainer-1',
    region: 'eastus',
    availabilityZone: 'eastus',
    instanceType: 'Standard_NC4as_T4_v3',
    lifecycle: 'spot',
    amiId: 'Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest',
    loginUser: 'azureuser',
    authorizedKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHx test@spotbox',
    httpTokens: 'optional',
    bootDelayMs: 0,
    environment: {},
    azure: {
      subscriptionId: '00000000-0000-4000-8000-000000000001', resourceGroup: 'spotbox-trainer-1', vmName: 'trainer-1', vmId: VM_ID, location: 'eastus',
      vmSize: 'Standard_NC4as_T4_v3', priority: 'Spot', evictionPolicy: 'Delete', maxPrice: -1, tags: { 'spotbox:owner': 'alice', purpose: 'train' },
      ...(withIdentity ? { identity: { principalId: '11111111-2222-4333-8444-555555555555', tenantId: '99999999-8888-4777-8666-555555555555' } } : {}),
    },
  };
}

const preempt: AzureScheduledEvent = {
  EventId: 'A123BC45-1234-5678-AB90-ABCDEF123456', EventType: 'Preempt', ResourceType: 'VirtualMachine', Resources: ['trainer-1'], EventStatus: 'Scheduled',
  NotBefore: 'Mon, 07 Dec 2026 10:30:00 GMT', Description: 'Virtual machine is being evicted', EventSource: 'Platform', DurationInSeconds: -1,
};

describe('sandbox boxes: the IMDS of an Azure box', function () {
  this.timeout(20000);
  let server: AzureImdsServer;
  let base = '';
  let view: AzureMetadataView;
  let started: Array<{ id: string; events: readonly string[] }>;
  const tokenRequests: string[] = [];

  async function start(options: { withIdentity?: boolean; firstCallDelayMs?: number } = {}): Promise<void> {
    started = [];
    view = {
      scheduledEvents: { DocumentIncarnation: 1, Events: [] },
      managedIdentityToken: (resource) => {
        tokenRequests.push(resource);
        const expiresOn = Math.floor(Date.now() / 1000) + 3600;
        return { access_token: `eyJ0eXAi.sandbox-token-for-${resource}`, expires_on: String(expiresOn), expires_in: '3600', resource, token_type: 'Bearer' };
      },
    };
    server = new AzureImdsServer(
      { spec: azureSpec(options.withIdentity ?? true), ip: '127.0.0.1', hostname: 'trainer-1.abc.bx.internal.cloudapp.net' },
      () => ({ azure: view }),
      { onSshReady: () => undefined, onScheduledEventsStarted: (id, events) => started.push({ id, events }) },
      { scheduledEventsFirstCallDelayMs: options.firstCallDelayMs ?? 0 },
    );
    base = `http://127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
  }

  afterEach(async () => {
    await server?.close();
  });

  const get = (path: string, headers: Record<string, string> = { Metadata: 'true' }): Promise<Response> => fetch(`${base}${path}`, { headers });
  const post = (path: string, body: string): Promise<Response> => fetch(`${base}${path}`, { method: 'POST', headers: { Metadata: 'true', 'Content-Type': 'application/json' }, body });

  it('needs Metadata: true, refuses proxied requests, and names the newest versions when api-version is missing or unknown', async () => {
    await start();
    const noHeader = await get('/metadata/instance?api-version=2021-02-01', {});
    assert.equal(noHeader.status, 400);
    assert.deepEqual(await noHeader.json(), { error: 'Bad request. Required metadata header not specified' });
    const proxied = await get('/metadata/instance?api-version=2021-02-01', { Metadata: 'true', 'X-Forwarded-For': '10.0.0.4' });
    assert.equal(proxied.status, 400);
    const tokenNoHeader = await get('/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://storage.azure.com/', {});
    assert.equal(tokenNoHeader.status, 400);
    assert.equal(((await tokenNoHeader.json()) as { error: string }).error, 'invalid_request', 'the token endpoint answers in OAuth shape');
    const noVersion = await get('/metadata/instance');
    assert.equal(noVersion.status, 400);
    const body = (await noVersion.json()) as { error: string; 'newest-versions': string[] };
    assert.match(body.error, /api-version was not specified/);
    assert.equal(body['newest-versions'].length, 3);
    const badVersion = (await (await get('/metadata/scheduledevents?api-version=2021-02-01')).json()) as { 'newest-versions': string[] };
    assert.ok(badVersion['newest-versions'].includes('2020-07-01'), 'Scheduled Events lists its own versions');
    assert.equal((await get('/metadata/nothing?api-version=2021-02-01')).status, 404);
    const versions = (await (await get('/metadata/versions')).json()) as { apiVersions: string[] };
    assert.ok(versions.apiVersions.includes('2021-02-01') && versions.apiVersions.includes(body['newest-versions'][0]));
  });

  it('serves the instance document as IMDS spells it, and text leaves', async () => {
    await start();
    const response = await get('/metadata/instance?api-version=2021-02-01');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const doc = (await response.json()) as { compute: Record<string, unknown>; network: { interface: Array<{ ipv4: { ipAddress: Array<{ privateIpAddress: string }> } }> } };
    assert.equal(doc.compute.name, 'trainer-1');
    assert.equal(doc.compute.vmId, VM_ID);
    assert.equal(doc.compute.location, 'eastus');
    assert.equal(doc.compute.vmSize, 'Standard_NC4as_T4_v3');
    assert.equal(doc.compute.priority, 'Spot');
    assert.equal(doc.compute.evictionPolicy, 'Delete');
    assert.equal(doc.compute.resourceGroupName, 'spotbox-trainer-1');
    assert.equal(doc.compute.subscriptionId, '00000000-0000-4000-8000-000000000001');
    assert.equal(doc.compute.offer, '0001-com-ubuntu-server-jammy');
    assert.equal(doc.compute.tags, 'purpose:train;spotbox:owner:alice');
    assert.deepEqual(doc.compute.tagsList, [{ name: 'purpose', value: 'train' }, { name: 'spotbox:owner', value: 'alice' }]);
    assert.deepEqual(doc.compute.osProfile, { adminUsername: 'azureuser', computerName: 'trainer-1', disablePasswordAuthentication: 'true' });
    assert.equal(doc.network.interface[0].ipv4.ipAddress[0].privateIpAddress, '127.0.0.1');
    const vmId = await get('/metadata/instance/compute/vmId?api-version=2021-02-01&format=text');
    assert.equal(await vmId.text(), VM_ID);
    assert.match(vmId.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await (await get('/metadata/instance/network/interface/0/ipv4/ipAddress/0/privateIpAddress?api-version=2021-02-01&format=text')).text(), '127.0.0.1');
    assert.deepEqual(await (await get('/metadata/instance/compute/osProfile?api-version=2021-02-01')).json(), doc.compute.osProfile);
    assert.equal((await get('/metadata/instance/compute?api-version=2021-02-01&format=text')).status, 400, 'text only for leaves');
    assert.equal((await get('/metadata/instance/compute/nope?api-version=2021-02-01&format=text')).status, 404);
  });

  it('issues the managed identity token for a resource, to curl and to @azure/identity alike', async () => {
    await start();
    const token = await get('/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fstorage.azure.com%2F');
    assert.equal(token.status, 200);
    const body = (await token.json()) as { access_token: string; resource: string; token_type: string };
    assert.equal(body.resource, 'https://storage.azure.com/');
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.access_token, 'eyJ0eXAi.sandbox-token-for-https://storage.azure.com/');
    const noResource = await get('/metadata/identity/oauth2/token?api-version=2018-02-01');
    assert.equal(noResource.status, 400);

    const saved = process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
    process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = base;
    try {
      const accessToken = await new ManagedIdentityCredential().getToken('https://management.azure.com/.default');
      assert.equal(accessToken.token, 'eyJ0eXAi.sandbox-token-for-https://management.azure.com');
      assert.ok(accessToken.expiresOnTimestamp > Date.now() + 3_000_000);
    } finally {
      if (saved === undefined) {
        delete process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
      } else {
        process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = saved;
      }
    }
  });

  it('answers 400 "Identity not found" on a VM without an identity', async () => {
    await start({ withIdentity: false });
    const before = tokenRequests.length;
    const response = await get('/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://storage.azure.com/');
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { error: 'invalid_request', error_description: 'Identity not found' });
    assert.equal(tokenRequests.length, before, 'the emulator is not asked for a token of a VM without identity');
  });

  it('waits on the first Scheduled Events call only, then serves the document as the view changes', async () => {
    await start({ firstCallDelayMs: 1200 });
    let t = Date.now();
    const first = await get('/metadata/scheduledevents?api-version=2020-07-01');
    assert.ok(Date.now() - t >= 1100, `the first call turns the service on (${Date.now() - t} ms)`);
    assert.deepEqual(await first.json(), { DocumentIncarnation: 1, Events: [] });
    t = Date.now();
    await (await get('/metadata/scheduledevents?api-version=2019-08-01')).json();
    assert.ok(Date.now() - t < 500, 'later calls answer at once');
    view = { ...view, scheduledEvents: { DocumentIncarnation: 2, Events: [preempt] } };
    const changed = (await (await get('/metadata/scheduledevents?api-version=2020-07-01')).json()) as { DocumentIncarnation: number; Events: AzureScheduledEvent[] };
    assert.equal(changed.DocumentIncarnation, 2);
    assert.deepEqual(changed.Events, [preempt]);
  });

  it('passes StartRequests of pending events to the listener, and refuses malformed bodies and unknown events', async () => {
    await start();
    view = { ...view, scheduledEvents: { DocumentIncarnation: 2, Events: [preempt] } };
    const path = '/metadata/scheduledevents?api-version=2020-07-01';
    assert.equal((await post(path, 'not json')).status, 400);
    assert.equal((await post(path, '{"StartRequests":[{"Id":"x"}]}')).status, 400);
    assert.equal((await post(path, '{"StartRequests":[{"EventId":"00000000-0000-0000-0000-000000000000"}]}')).status, 400);
    assert.deepEqual(started, []);
    const ack = await post(path, JSON.stringify({ StartRequests: [{ EventId: preempt.EventId }] }));
    assert.equal(ack.status, 200);
    assert.deepEqual(started, [{ id: 'azvm-trainer-1', events: [preempt.EventId] }]);
    const noHeader = await fetch(`${base}${path}`, { method: 'POST', body: JSON.stringify({ StartRequests: [{ EventId: preempt.EventId }] }) });
    assert.equal(noHeader.status, 400);
    assert.equal(started.length, 1);
  });
});
