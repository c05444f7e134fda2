import * as assert from 'node:assert/strict';
import type { VirtualMachine } from '../../../src/core/azure/armTypes';
import type { Instance } from '../../../src/core/gcp/computeTypes';
import type { NoticeVerdict } from '../../../src/core/recovery/noticeConfirmation';
import { confirmBeforeDeadline, confirmationDeadline } from '../../../src/core/recovery/selfRestoreConfirmation';
import { azureEvictionVerdict, gcePreemptionVerdict } from '../../../src/core/recoveryPorts/selfRestorePorts';
import { noticeAnnouncement } from '../../../src/core/recovery/timelineText';

const gce = (fields: Partial<Instance>): Instance => ({ name: 'trainer-x1', id: '111', status: 'RUNNING', creationTimestamp: '1970-01-01T00:00:01.000Z', scheduling: { provisioningModel: 'SPOT' }, ...fields });
const vm = (power: string, fields: Partial<VirtualMachine['properties']> = {}): VirtualMachine =>
  ({ id: '/x/trainer_1', name: 'trainer_1', location: 'eastus', properties: { priority: 'Spot', provisioningState: 'Succeeded', hardwareProfile: { vmSize: 'Standard_NC4as_T4_v3' }, instanceView: { statuses: [{ code: `PowerState/${power}` }] }, ...fields } }) as unknown as VirtualMachine;

describe("Self-restoring clouds' word on a notice", () => {
  it('Compute Engine: STOPPING, TERMINATED, gone or recreated after the notice confirm; RUNNING does not; an on-demand VM never', () => {
    assert.equal(gcePreemptionVerdict('t', gce({ status: 'STOPPING' }), 5_000).confirmed, true);
    assert.equal(gcePreemptionVerdict('t', gce({ status: 'TERMINATED' }), 5_000).confirmed, true);
    assert.equal(gcePreemptionVerdict('t', undefined, 5_000).confirmed, true);
    assert.deepEqual(gcePreemptionVerdict('t', gce({ creationTimestamp: '1970-01-01T00:00:09.000Z' }), 5_000), { confirmed: true, evidence: 't was recreated by its group after the notice' });
    assert.deepEqual(gcePreemptionVerdict('t', gce({}), 5_000), { confirmed: false, reason: 'not-marked', detail: 't is RUNNING' });
    assert.equal((gcePreemptionVerdict('t', gce({ status: 'STOPPING', scheduling: { provisioningModel: 'STANDARD' } }), 5_000) as { reason?: string }).reason, 'on-demand');
  });

  it('ARM: stopping, deallocated, Deleting or gone confirm; running does not; a Regular VM never', () => {
    assert.equal(azureEvictionVerdict('v', vm('stopping')).confirmed, true);
    assert.equal(azureEvictionVerdict('v', vm('deallocated')).confirmed, true);
    assert.equal(azureEvictionVerdict('v', vm('running', { provisioningState: 'Deleting' })).confirmed, true);
    assert.deepEqual(azureEvictionVerdict('v', undefined), { confirmed: true, evidence: 'v is gone from ARM' });
    assert.deepEqual(azureEvictionVerdict('v', vm('running')), { confirmed: false, reason: 'not-marked', detail: 'v is running' });
    assert.equal((azureEvictionVerdict('v', vm('stopping', { priority: 'Regular' })) as { reason?: string }).reason, 'on-demand');
  });

  it('asks until the cloud confirms, up to the notice deadline and a grace; an on-demand answer is final; a failed look is retried', async () => {
    let now = 0;
    const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
    const answers: Array<NoticeVerdict | Error> = [new Error('ECONNRESET'), { confirmed: false, reason: 'not-marked', detail: 'running' }, { confirmed: true, evidence: 'stopping' }];
    const verdict = await confirmBeforeDeadline(async () => {
      const next = answers.shift()!;
      if (next instanceof Error) throw next;
      return next;
    }, confirmationDeadline({ noticeTime: 0, actionTime: 30_000 }), clock);
    assert.deepEqual(verdict, { confirmed: true, evidence: 'stopping' });
    assert.equal(now, 2_000);

    now = 0;
    let looks = 0;
    const refused = await confirmBeforeDeadline(async () => (looks++, { confirmed: false, reason: 'not-marked', detail: 'running' }), confirmationDeadline({ noticeTime: 0, actionTime: 30_000 }), clock);
    assert.equal(refused.confirmed, false);
    assert.equal(now, 60_000, 'the action time plus 30 s');
    assert.equal(looks, 61);

    looks = 0;
    await confirmBeforeDeadline(async () => (looks++, { confirmed: false, reason: 'on-demand', detail: 'Regular' }), 1e9, clock);
    assert.equal(looks, 1);
    assert.equal(confirmationDeadline({ noticeTime: 1_000 }), 91_000);
  });

  it('the warning names who takes the box and who brings it back', () => {
    assert.match(noticeAnnouncement('trainer', 'gcp', { actionTime: 31_000 }, 1_000), /^trainer will be preempted by Google Cloud in 0:30 \(.+\)\. .*managed instance group recreates the VM/);
    assert.match(noticeAnnouncement('trainer', 'azure', { actionTime: 31_000 }, 2_000), /^trainer will be evicted by Azure in 0:29 .*Try & Restore/);
    assert.match(noticeAnnouncement('trainer', 'azure', { actionTime: 31_000 }, 40_000), /^trainer will be evicted by Azure now \(/);
    assert.match(noticeAnnouncement('trainer', 'aws', {}, 0), /^trainer will be reclaimed by AWS shortly\. Spotbox is checkpointing it and launching a replacement now\.$/);
  });
});
