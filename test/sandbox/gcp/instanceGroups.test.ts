/**
 * Instance templates and regional managed instance groups over the wire, as GCE answers them: a
 * group of one Spot VM is created from its template in whichever zone and machine type has
 * capacity, and after a preemption the group recreates the VM under the same name with no client
 * involved; the new VM is a box whose sshd answers. Templates in use cannot be deleted; deleting a
 * group deletes its VMs; a restarted sandbox goes on reconciling.
 */
import * as assert from 'node:assert/strict';
import { fingerprintOfKeyBlob } from '../../../src/core/ssh/hostKeyFingerprints';
import { sshExec } from '../e2e/sshExec';
import { eventually, newTempDir, sshKeyPair, startGcpTestSandbox, stopTestSandbox, waitForOperation, type GcpTestContext } from './gcpHarness';

type ErrorBody = { error: { code: number; message: string; errors: Array<{ reason: string; domain: string; message: string }> } };
type ManagedInstance = { instance: string; id?: string; name: string; instanceStatus?: string; currentAction: string; lastAttempt?: { errors: { errors: Array<{ code: string; message: string }> } }; propertiesFromFlexibilityPolicy?: { machineType: string } };
type GroupError = { error: { code: string; message: string }; instanceActionDetails: { action: string; instance: string }; timestamp: string };

const REGION = 'us-central1';
const PROJECT_NUMBER = '318846218846';
/** Short sandbox-only timings, so that a repair is seen in seconds. */
const TIMINGS = { gcpPreemptionGraceMs: 1500, gcpMigRepairDelayMs: 1000, gcpMigCreateRetryMs: 1000 };

/** A Spot template as Spotbox would write one: bare machine type, disk type and accelerator names. */
function spotTemplate(name: string, publicKey: string, extra: { machineType?: string; terminationAction?: 'STOP' | 'DELETE'; labels?: Record<string, string>; guestAccelerators?: unknown[] } = {}): Record<string, unknown> {
  return {
    name,
    description: 'a Spot training box',
    properties: {
      machineType: extra.machineType ?? 'g2-standard-4',
      disks: [{ boot: true, autoDelete: true, initializeParams: { sourceImage: 'projects/deeplearning-platform-release/global/images/family/common-cu124-ubuntu-2204', diskSizeGb: '100', diskType: 'pd-balanced' } }],
      networkInterfaces: [{ network: 'global/networks/default', accessConfigs: [{ type: 'ONE_TO_ONE_NAT', name: 'External NAT' }] }],
      scheduling: { provisioningModel: 'SPOT', instanceTerminationAction: extra.terminationAction ?? 'DELETE', onHostMaintenance: 'TERMINATE', automaticRestart: false },
      metadata: { items: [{ key: 'ssh-keys', value: `alice:${publicKey}` }, { key: 'enable-guest-attributes', value: 'TRUE' }] },
      labels: extra.labels ?? { owner: 'spotbox', box: name },
      tags: { items: ['spotbox'] },
      serviceAccounts: [{ email: 'default', scopes: ['https://www.googleapis.com/auth/cloud-platform'] }],
      ...(extra.guestAccelerators ? { guestAccelerators: extra.guestAccelerators } : {}),
    },
  };
}

function groupBody(name: string, template: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, baseInstanceName: name, instanceTemplate: `global/instanceTemplates/${template}`, targetSize: 1, ...extra };
}

describe('sandbox GCP: instance templates and managed instance groups', function () {
  this.timeout(240_000);
  let directory: string | undefined;
  let context: GcpTestContext | undefined;
  let keys: ReturnType<typeof sshKeyPair>;

  before(async () => {
    directory = newTempDir('spotbox-gcp-mig-');
    context = await startGcpTestSandbox(directory, TIMINGS);
    keys = sshKeyPair(directory);
  });

  after(async () => {
    await stopTestSandbox(context?.sandbox, directory);
  });

  const c = (): GcpTestContext => context!;
  const ok = async (method: string, suffix: string, body?: unknown): Promise<Record<string, unknown>> => {
    const { status, json } = await c().call(method, `${c().projectUrl}${suffix}`, body);
    assert.equal(status, 200, `${method} ${suffix}: ${JSON.stringify(json)}`);
    return json;
  };
  const done = async (method: string, suffix: string, body?: unknown): Promise<Record<string, unknown>> => {
    const operation = await waitForOperation(c(), await ok(method, suffix, body));
    assert.equal(operation.error, undefined, JSON.stringify(operation.error));
    return operation;
  };
  const refused = async (method: string, suffix: string, body: unknown, code: number, reason: string, message: RegExp): Promise<void> => {
    const { status, json } = await c().call(method, `${c().projectUrl}${suffix}`, body);
    assert.equal(status, code, JSON.stringify(json));
    const error = (json as ErrorBody).error;
    assert.equal(error.errors[0].reason, reason);
    assert.match(error.message, message);
  };
  const control = async (route: string, body: Record<string, unknown>): Promise<void> => {
    const response = await fetch(`${c().sandbox.endpoints.control}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(response.status, 200, await response.text());
  };
  const managed = async (group: string): Promise<ManagedInstance[]> =>
    ((await ok('POST', `regions/${REGION}/instanceGroupManagers/${group}/listManagedInstances`)).managedInstances as ManagedInstance[] | undefined) ?? [];
  const groupErrors = async (group: string): Promise<GroupError[]> =>
    ((await ok('GET', `regions/${REGION}/instanceGroupManagers/${group}/listErrors`)).items as GroupError[] | undefined) ?? [];
  /** The group's one VM once it is RUNNING with no action pending (optionally: not the VM with id `notId`). */
  const runningVm = (group: string, notId?: string): Promise<ManagedInstance> =>
    eventually(`${group}'s VM running`, async () => {
      const [vm] = await managed(group);
      return vm?.currentAction === 'NONE' && vm.instanceStatus === 'RUNNING' && vm.id !== notId ? vm : undefined;
    }, 90_000, 200);
  const instanceOf = (vm: ManagedInstance): Promise<Record<string, unknown>> => ok('GET', vm.instance.replace(/^.*\/projects\/[^/]+\//, ''));
  const deleteGroup = (group: string): Promise<Record<string, unknown>> => done('DELETE', `regions/${REGION}/instanceGroupManagers/${group}`);

  it('inserts, gets, lists and deletes instance templates, checking them as instances.insert does', async () => {
    const inserted = await ok('POST', `global/instanceTemplates?requestId=0f8fad5b-d9cb-469f-a165-70867728950e`, spotTemplate('tpl-crud', keys.publicKey));
    assert.equal(inserted.zone, undefined);
    assert.equal(inserted.region, undefined);
    assert.match(String(inserted.selfLink), /\/global\/operations\/operation-/);
    await waitForOperation(c(), inserted);
    // A retry with the same requestId answers the first operation and creates nothing (no 409).
    const retried = await ok('POST', `global/instanceTemplates?requestId=0f8fad5b-d9cb-469f-a165-70867728950e`, spotTemplate('tpl-crud', keys.publicKey));
    assert.equal(retried.name, inserted.name);

    const template = await ok('GET', 'global/instanceTemplates/tpl-crud');
    assert.equal(template.kind, 'compute#instanceTemplate');
    assert.match(String(template.id), /^\d{19}$/);
    assert.match(String(template.creationTimestamp), /^\d{4}-\d\d-\d\dT/);
    assert.equal(template.selfLink, 'https://www.googleapis.com/compute/v1/projects/spotbox-sandbox/global/instanceTemplates/tpl-crud');
    const properties = template.properties as Record<string, unknown>;
    assert.equal(properties.machineType, 'g2-standard-4');
    assert.deepEqual(properties.labels, { owner: 'spotbox', box: 'tpl-crud' });
    assert.equal((properties.scheduling as Record<string, unknown>).instanceTerminationAction, 'DELETE');
    assert.equal((properties.metadata as Record<string, unknown>).kind, 'compute#metadata');

    await done('POST', 'global/instanceTemplates', spotTemplate('tpl-other', keys.publicKey, { machineType: 'n1-standard-4', guestAccelerators: [{ acceleratorType: 'nvidia-tesla-t4', acceleratorCount: 1 }] }));
    const filtered = await ok('GET', `global/instanceTemplates?filter=${encodeURIComponent('name = "tpl-other"')}`);
    assert.deepEqual((filtered.items as Array<{ name: string }>).map((item) => item.name), ['tpl-other']);
    const firstPage = await ok('GET', 'global/instanceTemplates?maxResults=1');
    assert.equal((firstPage.items as unknown[]).length, 1);
    const secondPage = await ok('GET', `global/instanceTemplates?maxResults=1&pageToken=${String(firstPage.nextPageToken)}`);
    assert.notEqual((secondPage.items as Array<{ name: string }>)[0].name, (firstPage.items as Array<{ name: string }>)[0].name);

    const base = spotTemplate('tpl-bad', keys.publicKey);
    const withProperties = (changes: Record<string, unknown>): Record<string, unknown> => ({ ...base, properties: { ...(base.properties as object), ...changes } });
    await refused('POST', 'global/instanceTemplates', spotTemplate('tpl-crud', keys.publicKey), 409, 'alreadyExists', /'projects\/spotbox-sandbox\/global\/instanceTemplates\/tpl-crud' already exists/);
    await refused('POST', 'global/instanceTemplates', { ...base, name: 'Bad_Name' }, 400, 'invalid', /resource\.name/);
    await refused('POST', 'global/instanceTemplates', withProperties({ machineType: 'a9-imaginary-1g' }), 400, 'invalid', /resource\.properties\.machineType.*'a9-imaginary-1g' does not exist/);
    await refused('POST', 'global/instanceTemplates', withProperties({ scheduling: { provisioningModel: 'SPOT', automaticRestart: true } }), 400, 'invalid', /resource\.properties\.scheduling\.automaticRestart/);
    await refused('POST', 'global/instanceTemplates', withProperties({ disks: [] }), 400, 'invalid', /Boot disk must be specified/);
    await refused('POST', 'global/instanceTemplates', withProperties({ networkInterfaces: [] }), 400, 'invalid', /resource\.properties\.networkInterfaces/);
    await refused('POST', 'global/instanceTemplates', withProperties({ labels: { Owner: 'x' } }), 400, 'invalid', /resource\.properties\.labels\.Owner/);
    await refused('POST', 'global/instanceTemplates', withProperties({ guestAccelerators: [{ acceleratorType: 'nvidia-tesla-v999', acceleratorCount: 1 }], machineType: 'n1-standard-4' }), 400, 'invalid', /'nvidia-tesla-v999' does not exist/);
    // A machine type URL in a template is documented to end in INTERNAL_ERROR.
    const urlType = await waitForOperation(c(), await ok('POST', 'global/instanceTemplates', withProperties({ machineType: 'zones/us-central1-a/machineTypes/g2-standard-4' })));
    assert.equal((urlType.error as { errors: Array<{ code: string }> }).errors[0].code, 'INTERNAL_ERROR');
    assert.equal((await c().call('GET', `${c().projectUrl}global/instanceTemplates/tpl-bad`)).status, 404);

    await done('DELETE', 'global/instanceTemplates/tpl-other');
    assert.equal((await c().call('GET', `${c().projectUrl}global/instanceTemplates/tpl-other`)).status, 404);
    await refused('DELETE', 'global/instanceTemplates/tpl-other', undefined, 404, 'notFound', /tpl-other' was not found/);
  });

  it('checks a group as GCE does: template, zones in the region, target shape against proactive redistribution', async () => {
    await done('POST', 'global/instanceTemplates', spotTemplate('tpl-checks', keys.publicKey));
    const groups = `regions/${REGION}/instanceGroupManagers`;
    await refused('POST', groups, groupBody('mig-checks', 'no-such-template'), 404, 'notFound', /global\/instanceTemplates\/no-such-template' was not found/);
    await refused('POST', groups, groupBody('Bad_Name', 'tpl-checks'), 400, 'invalid', /resource\.name/);
    await refused('POST', groups, groupBody('mig-checks', 'tpl-checks', { distributionPolicy: { zones: [{ zone: 'zones/us-east1-b' }] } }), 400, 'invalid', /distributionPolicy\.zones\[0\]\.zone.*must be in region 'us-central1'/);
    await refused('POST', groups, groupBody('mig-checks', 'tpl-checks', { distributionPolicy: { targetShape: 'ANY' } }), 400, 'invalid', /instanceRedistributionType.*PROACTIVE.*ANY/);
    await refused('POST', `regions/us-nowhere1/instanceGroupManagers`, groupBody('mig-checks', 'tpl-checks'), 404, 'notFound', /regions\/us-nowhere1/);
    // g2 (L4) is not offered in us-central1-f.
    await refused('POST', groups, groupBody('mig-checks', 'tpl-checks', { distributionPolicy: { zones: [{ zone: 'zones/us-central1-f' }] } }), 400, 'invalid', /'g2-standard-4'/);

    const inserted = await ok('POST', groups, groupBody('mig-checks', 'tpl-checks', { targetSize: 0, distributionPolicy: { targetShape: 'ANY' }, updatePolicy: { instanceRedistributionType: 'NONE' } }));
    assert.equal(inserted.zone, undefined);
    assert.equal(inserted.region, `https://www.googleapis.com/compute/v1/projects/spotbox-sandbox/regions/${REGION}`);
    assert.match(String(inserted.selfLink), new RegExp(`/regions/${REGION}/operations/`));
    const operation = await ok('GET', `regions/${REGION}/operations/${String(inserted.name)}`);
    assert.equal(operation.status, 'DONE');
    await refused('POST', groups, groupBody('mig-checks', 'tpl-checks', { targetSize: 0 }), 409, 'alreadyExists', /regions\/us-central1\/instanceGroupManagers\/mig-checks' already exists/);
    const group = await ok('GET', `${groups}/mig-checks`);
    assert.deepEqual((group.distributionPolicy as { zones: Array<{ zone: string }> }).zones.map((zone) => zone.zone.split('/').pop()), ['us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f']);
    assert.deepEqual([group.targetSize, (group.status as { isStable: boolean }).isStable, group.kind], [0, true, 'compute#instanceGroupManager']);
    const listed = await ok('GET', `${groups}?filter=${encodeURIComponent('name = "mig-checks"')}`);
    assert.deepEqual((listed.items as Array<{ name: string }>).map((item) => item.name), ['mig-checks']);
    await deleteGroup('mig-checks');
    assert.equal((await c().call('GET', `${c().projectUrl}${groups}/mig-checks`)).status, 404);
    const region = await ok('GET', `regions/${REGION}`);
    assert.deepEqual((region.zones as string[]).map((zone) => zone.split('/').pop()), ['us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f']);
  });

  it('creates one RUNNING VM from the template, labelled and marked created-by, and keeps the template from deletion', async () => {
    await done('POST', 'global/instanceTemplates', spotTemplate('tpl-one', keys.publicKey, { labels: { owner: 'spotbox', job: 'train-7' } }));
    await done('POST', `regions/${REGION}/instanceGroupManagers`, groupBody('mig-one', 'tpl-one', { distributionPolicy: { zones: [{ zone: 'zones/us-central1-a' }, { zone: 'zones/us-central1-b' }] } }));
    const vm = await runningVm('mig-one');
    assert.match(vm.name, /^mig-one-[a-z0-9]{4}$/);
    assert.match(vm.instance, /\/zones\/us-central1-a\/instances\/mig-one-[a-z0-9]{4}$/);
    const instance = await instanceOf(vm);
    assert.equal(instance.id, vm.id);
    assert.deepEqual(instance.labels, { owner: 'spotbox', job: 'train-7' });
    assert.match(String(instance.machineType), /\/zones\/us-central1-a\/machineTypes\/g2-standard-4$/);
    const metadata = Object.fromEntries(((instance.metadata as { items: Array<{ key: string; value: string }> }).items).map((item) => [item.key, item.value]));
    assert.equal(metadata['created-by'], `projects/${PROJECT_NUMBER}/regions/${REGION}/instanceGroupManagers/mig-one`);
    assert.equal(metadata['instance-template'], `projects/${PROJECT_NUMBER}/global/instanceTemplates/tpl-one`);
    assert.equal(metadata['enable-guest-attributes'], 'TRUE');

    const group = await ok('GET', `regions/${REGION}/instanceGroupManagers/mig-one`);
    assert.equal((group.currentActions as Record<string, number>).none, 1);
    assert.equal((group.currentActions as Record<string, number>).creating, 0);
    assert.equal((group.status as { isStable: boolean }).isStable, true);
    assert.equal(group.instanceTemplate, 'https://www.googleapis.com/compute/v1/projects/spotbox-sandbox/global/instanceTemplates/tpl-one');
    assert.equal(group.instanceGroup, `https://www.googleapis.com/compute/v1/projects/spotbox-sandbox/regions/${REGION}/instanceGroups/mig-one`);

    await refused('DELETE', 'global/instanceTemplates/tpl-one', undefined, 400, 'resourceInUseByAnotherResource',
      /instance_template resource 'projects\/spotbox-sandbox\/global\/instanceTemplates\/tpl-one' is already being used by 'projects\/spotbox-sandbox\/regions\/us-central1\/instanceGroupManagers\/mig-one'/);

    // Deleting the group deletes its VM; the operation is DONE only when the VM is gone.
    await deleteGroup('mig-one');
    assert.equal((await c().call('GET', `${c().projectUrl}${vm.instance.replace(/^.*\/projects\/[^/]+\//, '')}`)).status, 404);
    assert.equal((await c().call('GET', `${c().projectUrl}regions/${REGION}/instanceGroupManagers/mig-one`)).status, 404);
    await done('DELETE', 'global/instanceTemplates/tpl-one');
  });

  it('puts the VM in the next zone when the first has no capacity, and lists the error', async () => {
    await done('POST', 'global/instanceTemplates', spotTemplate('tpl-capacity', keys.publicKey));
    await control('/gcp/faults/capacity', { zone: 'us-central1-a', machineType: 'g2-standard-4', count: 1 });
    await done('POST', `regions/${REGION}/instanceGroupManagers`, groupBody('mig-capacity', 'tpl-capacity', { distributionPolicy: { zones: [{ zone: 'zones/us-central1-a' }, { zone: 'zones/us-central1-b' }] } }));
    const vm = await runningVm('mig-capacity');
    assert.match(vm.instance, /\/zones\/us-central1-b\/instances\//);
    const errors = await groupErrors('mig-capacity');
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0].error.code, 'ZONE_RESOURCE_POOL_EXHAUSTED');
    assert.match(errors[0].error.message, /us-central1-a' does not have enough resources/);
    assert.equal(errors[0].instanceActionDetails.action, 'CREATING');
    assert.match(errors[0].instanceActionDetails.instance, new RegExp(`/zones/us-central1-a/instances/${vm.name}$`));
    assert.match(errors[0].timestamp, /^\d{4}-\d\d-\d\dT/);
    await deleteGroup('mig-capacity');
  });

  it('falls back to the rank-2 machine type of the flexibility policy when the rank-1 type has no capacity', async () => {
    await done('POST', 'global/instanceTemplates', spotTemplate('tpl-flex', keys.publicKey, { machineType: 'n1-standard-8' }));
    await control('/gcp/faults/capacity', { zone: 'us-central1-c', machineType: 'g2-standard-8', count: 1 });
    await done('POST', `regions/${REGION}/instanceGroupManagers`, groupBody('mig-flex', 'tpl-flex', {
      distributionPolicy: { zones: [{ zone: 'zones/us-central1-c' }] },
      // Listed second-choice first: rank, not order, decides.
      instanceFlexibilityPolicy: { instanceSelections: { fallback: { machineTypes: ['g2-standard-4'], rank: 2 }, preferred: { machineTypes: ['g2-standard-8'], rank: 1 } } },
    }));
    const vm = await runningVm('mig-flex');
    assert.equal(vm.propertiesFromFlexibilityPolicy?.machineType, 'g2-standard-4');
    assert.match(String((await instanceOf(vm)).machineType), /\/machineTypes\/g2-standard-4$/);
    const errors = await groupErrors('mig-flex');
    assert.deepEqual(errors.map((error) => error.error.code), ['ZONE_RESOURCE_POOL_EXHAUSTED'], 'the rank-1 type was tried first');
    await deleteGroup('mig-flex');
  });

  it('recreates a preempted Spot VM under the same name, as a new VM whose sshd answers', async () => {
    await done('POST', 'global/instanceTemplates', spotTemplate('tpl-spot', keys.publicKey));
    await done('POST', `regions/${REGION}/instanceGroupManagers`, groupBody('mig-spot', 'tpl-spot', { distributionPolicy: { zones: [{ zone: 'zones/us-central1-a' }] } }));
    const first = await runningVm('mig-spot');
    const before = await instanceOf(first);

    await control('/gcp/faults/preempt', { instance: first.name });
    const actions = new Set<string>();
    const second = await eventually('the VM recreated', async () => {
      const [vm] = await managed('mig-spot');
      actions.add(vm.currentAction);
      return vm.currentAction === 'NONE' && vm.instanceStatus === 'RUNNING' && vm.id !== first.id ? vm : undefined;
    }, 90_000, 100);
    assert.ok(actions.has('RECREATING'), `currentAction went through RECREATING (saw ${[...actions].join(', ')})`);
    assert.equal(second.name, first.name);
    const after = await instanceOf(second);
    assert.notEqual(after.id, before.id);
    assert.ok(Date.parse(String(after.creationTimestamp)) > Date.parse(String(before.creationTimestamp)), 'a new creationTimestamp');
    assert.equal((after.scheduling as { provisioningModel: string }).provisioningModel, 'SPOT');
    const repairs = c().sandbox.events.events({ kind: 'gce-mig-repair' });
    assert.ok(repairs.some((event) => event.details.instance === first.name && event.details.reason === 'deleted'));

    const hostKey = await eventually('the new VM host key', async () => {
      const { status, json } = await c().call('GET', `${c().projectUrl}zones/us-central1-a/instances/${second.name}/getGuestAttributes?variableKey=hostkeys/ssh-ed25519`);
      return status === 200 ? String(json.variableValue) : undefined;
    });
    const address = c().sandbox.gcp.compute.instances.find('us-central1-a', second.name)!.address!;
    const out = await sshExec({ host: address.ip, port: address.sshPort, privateKey: keys.privateKey, username: 'alice', pinnedFingerprints: [fingerprintOfKeyBlob(Buffer.from(hostKey, 'base64'))] }, 'hostname');
    assert.equal(out.stdout.trim(), first.name);
    await deleteGroup('mig-spot');
  });

  it('recreates a VM stopped by preemption (STOP) or deleted by a user, and resizes', async () => {
    await done('POST', 'global/instanceTemplates', spotTemplate('tpl-stop', keys.publicKey, { terminationAction: 'STOP' }));
    await done('POST', `regions/${REGION}/instanceGroupManagers`, groupBody('mig-stop', 'tpl-stop', { distributionPolicy: { zones: [{ zone: 'zones/us-central1-b' }] } }));
    const first = await runningVm('mig-stop');
    await control('/gcp/faults/preempt', { instance: first.name });
    const second = await runningVm('mig-stop', first.id);
    assert.equal(second.name, first.name);

    await done('DELETE', `zones/us-central1-b/instances/${second.name}`);
    const third = await runningVm('mig-stop', second.id);
    assert.equal(third.name, first.name);

    await done('POST', `regions/${REGION}/instanceGroupManagers/mig-stop/resize?size=0`);
    await eventually('the group empty', async () => ((await managed('mig-stop')).length === 0 ? true : undefined), 60_000, 200);
    assert.equal((await c().call('GET', `${c().projectUrl}zones/us-central1-b/instances/${first.name}`)).status, 404);
    await deleteGroup('mig-stop');
  });

  it('keeps retrying a creation that fails, with its errors in lastAttempt and listErrors, paging both when asked', async () => {
    await done('POST', 'global/instanceTemplates', spotTemplate('tpl-retry', keys.publicKey, { machineType: 'n1-standard-4' }));
    await control('/gcp/faults/capacity', { zone: 'us-central1-f', machineType: 'n1-standard-4' });
    await done('POST', `regions/${REGION}/instanceGroupManagers`, groupBody('mig-retry', 'tpl-retry', {
      targetSize: 3, listManagedInstancesResults: 'PAGINATED', distributionPolicy: { zones: [{ zone: 'zones/us-central1-f' }] },
    }));
    // Each of the three is tried, fails, and is tried again after the backoff.
    const errors = await eventually('two failed rounds', async () => {
      const found = await groupErrors('mig-retry');
      return found.length >= 6 ? found : undefined;
    }, 60_000, 300);
    assert.ok(errors.every((error) => error.error.code === 'ZONE_RESOURCE_POOL_EXHAUSTED' && error.instanceActionDetails.action === 'CREATING'));
    assert.ok(Date.parse(errors[0].timestamp) >= Date.parse(errors[errors.length - 1].timestamp), 'newest first');
    const errorPage = await ok('GET', `regions/${REGION}/instanceGroupManagers/mig-retry/listErrors?maxResults=2`);
    assert.equal((errorPage.items as unknown[]).length, 2);
    assert.ok(errorPage.nextPageToken);

    const first = await ok('POST', `regions/${REGION}/instanceGroupManagers/mig-retry/listManagedInstances?maxResults=2`);
    const second = await ok('POST', `regions/${REGION}/instanceGroupManagers/mig-retry/listManagedInstances?maxResults=2&pageToken=${String(first.nextPageToken)}`);
    const all = [...(first.managedInstances as ManagedInstance[]), ...(second.managedInstances as ManagedInstance[])];
    assert.deepEqual([(first.managedInstances as unknown[]).length, second.nextPageToken], [2, undefined]);
    assert.equal(new Set(all.map((vm) => vm.name)).size, 3);
    for (const vm of all) {
      assert.equal(vm.currentAction, 'CREATING');
      assert.equal(vm.id, undefined, 'no VM, no id');
      assert.match(vm.instance, new RegExp(`/zones/us-central1-f/instances/${vm.name}$`), 'the URL exists before the VM');
      assert.equal(vm.lastAttempt?.errors.errors[0].code, 'ZONE_RESOURCE_POOL_EXHAUSTED');
    }
    const group = await ok('GET', `regions/${REGION}/instanceGroupManagers/mig-retry`);
    assert.equal((group.currentActions as Record<string, number>).creating, 3);
    assert.equal((group.status as { isStable: boolean }).isStable, false);

    // Capacity returns: the next try succeeds.
    await done('POST', `regions/${REGION}/instanceGroupManagers/mig-retry/resize?size=1`);
    await control('/faults/clear', {});
    const vm = await runningVm('mig-retry');
    assert.equal(vm.lastAttempt, undefined, 'a success clears lastAttempt');
    await deleteGroup('mig-retry');
  });

  it('goes on reconciling after a sandbox restart', async () => {
    await done('POST', 'global/instanceTemplates', spotTemplate('tpl-restart', keys.publicKey));
    await done('POST', `regions/${REGION}/instanceGroupManagers`, groupBody('mig-restart', 'tpl-restart', { distributionPolicy: { zones: [{ zone: 'zones/us-central1-c' }] } }));
    const first = await runningVm('mig-restart');
    await c().sandbox.stop();
    context = await startGcpTestSandbox(directory!, TIMINGS);

    const again = await runningVm('mig-restart');
    assert.equal(again.id, first.id, 'the same VM boots again');
    await done('DELETE', `zones/us-central1-c/instances/${first.name}`);
    const repaired = await runningVm('mig-restart', first.id);
    assert.equal(repaired.name, first.name);
    await deleteGroup('mig-restart');
    await done('DELETE', 'global/instanceTemplates/tpl-restart');
  });
});
