import * as assert from 'node:assert/strict';
import { parseProfile } from '../../../src/core/profile/parseProfile';
import { toLaunchRequest } from '../../../src/core/profile/toLaunchRequest';
import { AGENT_INSTALL } from '../agent/agentInstall';

const base = { name: 'resume', regions: ['us-east-1'], instanceTypes: ['g5.xlarge'], maxPrice: 2 };

describe('profile fields of checkpoints and the resumed session', () => {
  it('reads the checkpoint folder, signals, instance profile and the session step file, and tags the launch', () => {
    const text = JSON.stringify({
      ...base,
      checkpoint: { bucket: 'my-ckpts', prefix: 'runs', directory: '~/ckpt', signal: 'SIGUSR1', noticeSignal: 'SIGTERM', instanceProfile: 'SpotboxCheckpoints' },
      session: { command: 'python train.py --resume', stepFile: '~/step' },
    });
    const { profile, problems } = parseProfile(text, '.spotbox/profile.json');
    assert.deepEqual(problems, []);
    assert.deepEqual(profile?.checkpoint, { bucket: 'my-ckpts', prefix: 'runs', directory: '~/ckpt', signal: 'SIGUSR1', noticeSignal: 'SIGTERM', instanceProfile: 'SpotboxCheckpoints' });
    assert.equal(profile?.session?.stepFile, '~/step');
    const request = toLaunchRequest(profile, { pools: { region: 'us-east-1', instanceTypes: ['g5.xlarge'] }, imageId: 'ami-12345678', callerCidr: '203.0.113.7/32', keyDirectory: '/k', owner: 'me' });
    assert.equal(request.instanceProfile, 'SpotboxCheckpoints');
    assert.equal(request.sshUser, 'ubuntu');
    assert.equal(request.workspaceDir, '~/workspace');
  });

  it('reports a signal the agent does not send and a relative checkpoint folder, at their positions', () => {
    const text = JSON.stringify({ ...base, checkpoint: { bucket: 'my-ckpts', prefix: 'runs', directory: 'ckpt', noticeSignal: 'SIGKILL' } }, null, 2);
    const { profile, problems } = parseProfile(text, '.spotbox/profile.json');
    assert.equal(profile, undefined);
    assert.deepEqual(problems.map((problem) => problem.path.join('.')).sort(), ['checkpoint.directory', 'checkpoint.noticeSignal']);
    assert.ok(problems.every((problem) => problem.line > 1));
  });
});

describe('checkpoint.intervalMinutes "auto"', () => {
  it('is accepted by the parser and becomes the optimal interval of the launched pool in the agent config', async () => {
    const { agentForProfile, autoIntervalMinutes } = await import('../../../src/core/agent/agentForProfile');
    const { profile, problems } = parseProfile(JSON.stringify({ ...base, checkpoint: { bucket: 'my-ckpts', prefix: 'runs', intervalMinutes: 'auto' } }), '.spotbox/profile.json');
    assert.deepEqual(problems, []);
    assert.equal(profile?.checkpoint?.intervalMinutes, 'auto');
    // One interruption a day, 5 min to save: Daly's optimum is 116.7 min (REFERENCE.md's check).
    assert.equal(autoIntervalMinutes(1 / 24), 117);
    assert.ok(autoIntervalMinutes(0.5) < autoIntervalMinutes(0.05), 'a pool interrupted more often saves more often');
    assert.equal(autoIntervalMinutes(0), 720, 'never interrupted: still a save every 12 h');
    const agent = agentForProfile(profile, 'us-east-1', '# bootstrap', { install: AGENT_INSTALL,  interruptionsPerHour: 1 / 24 });
    assert.equal(agent?.config.intervalSeconds, 117 * 60);
  });

  it('refuses other words with the position', () => {
    const { problems } = parseProfile(JSON.stringify({ ...base, checkpoint: { bucket: 'my-ckpts', prefix: 'runs', intervalMinutes: 'often' } }), '.spotbox/profile.json');
    assert.deepEqual(problems.map((problem) => problem.path.join('.')), ['checkpoint.intervalMinutes']);
  });
});
