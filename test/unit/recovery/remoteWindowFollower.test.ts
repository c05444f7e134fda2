import * as assert from 'node:assert/strict';
import type { LaunchRequest } from '../../../src/core/launch/launchTypes';
import { RemoteWindowFollower, spotboxAliasOfRemoteAuthority } from '../../../src/core/recovery/remoteWindowFollower';
import type { LineageRecord, RecoveryPhase } from '../../../src/core/recovery/recoveryTypes';

function lineage(currentInstanceId: string, recovery?: { phase: RecoveryPhase; interrupted: string }, extra: Partial<LineageRecord> = {}): LineageRecord {
  return {
    lineage: 'lin-1',
    boxName: 'GPU Box',
    region: 'us-east-1',
    launch: {} as LaunchRequest,
    checkpointDir: '~/ckpt',
    workspaceDir: '~/workspace',
    currentInstanceId,
    instanceIds: [currentInstanceId],
    ...(recovery ? { recovery: { id: 'r', trigger: 'notice', owner: 'w', heartbeatAt: 0, interruptedInstanceId: recovery.interrupted, interruptedPool: { instanceType: 'g5.xlarge' }, phase: recovery.phase, timeline: {} } } : {}),
    ...extra,
  };
}

describe('Reopening a Remote-SSH window on the replacement', () => {
  it('reads the Spotbox alias from both forms of the Remote-SSH authority, and nothing else', () => {
    assert.equal(spotboxAliasOfRemoteAuthority('ssh-remote+spotbox-gpu-box'), 'spotbox-gpu-box');
    const hex = Buffer.from(JSON.stringify({ hostName: 'spotbox-gpu-box', user: 'ubuntu' })).toString('hex');
    assert.equal(spotboxAliasOfRemoteAuthority(`ssh-remote+${hex}`), 'spotbox-gpu-box');
    assert.equal(spotboxAliasOfRemoteAuthority('ssh-remote+my-own-server'), undefined);
    assert.equal(spotboxAliasOfRemoteAuthority('wsl+Ubuntu'), undefined);
    assert.equal(spotboxAliasOfRemoteAuthority(`ssh-remote+${Buffer.from('{"hostName":').toString('hex')}`), undefined, 'broken JSON is not a box');
  });

  it('reopens once the box the window opened on is replaced, and once only', () => {
    const follower = new RemoteWindowFollower('spotbox-gpu-box');
    assert.equal(follower.observe([lineage('i-old')]), undefined);
    assert.equal(follower.observe([lineage('i-old', { phase: 'restoring', interrupted: 'i-old' })]), undefined, 'not before the session runs on the replacement');
    assert.deepEqual(follower.observe([lineage('i-new', { phase: 'resumed', interrupted: 'i-old' })]), { boxName: 'GPU Box', instanceId: 'i-new' });
    assert.equal(follower.observe([lineage('i-new', { phase: 'resumed', interrupted: 'i-old' })]), undefined);
    assert.deepEqual(follower.observe([lineage('i-newer', { phase: 'resumed', interrupted: 'i-new' })]), { boxName: 'GPU Box', instanceId: 'i-newer' }, 'a second replacement reopens again');
  });

  it('a window opened mid-recovery follows the run; one opened after it stays', () => {
    const midway = new RemoteWindowFollower('spotbox-gpu-box');
    assert.equal(midway.observe([lineage('i-old', { phase: 'launching', interrupted: 'i-old' })]), undefined);
    assert.deepEqual(midway.observe([lineage('i-new', { phase: 'resumed', interrupted: 'i-old' })])?.instanceId, 'i-new');

    const after = new RemoteWindowFollower('spotbox-gpu-box');
    assert.equal(after.observe([lineage('i-new', { phase: 'resumed', interrupted: 'i-old' })]), undefined, 'already on the replacement');
  });

  it('ignores other boxes, ended lineages and failed runs', () => {
    const follower = new RemoteWindowFollower('spotbox-gpu-box');
    assert.equal(follower.observe([lineage('i-old', undefined, { boxName: 'other' })]), undefined);
    follower.observe([lineage('i-old')]);
    assert.equal(follower.observe([lineage('i-new', { phase: 'failed', interrupted: 'i-old' })]), undefined);
    assert.equal(follower.observe([lineage('i-new', { phase: 'resumed', interrupted: 'i-old' }, { ended: true })]), undefined);
  });
});
