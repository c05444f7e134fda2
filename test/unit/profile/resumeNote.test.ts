import * as assert from 'node:assert/strict';
import { PROFILE_DEFAULTS, type SpotboxProfile } from '../../../src/core/profile/profileTypes';
import { missingSessionNote } from '../../../src/core/profile/resumeNote';

const profile: SpotboxProfile = { name: 'llama', regions: ['us-east-1'], gpu: 'A10G', gpus: 1, maxPrice: 1, ...PROFILE_DEFAULTS };
const checkpoint = { bucket: 'my-ckpts', prefix: 'spotbox/llama/' };

describe('missingSessionNote (the pre-flight\'s word on a profile that resumes nothing)', () => {
  it('says plainly that checkpoints are saved but nothing restarts, and what to add', () => {
    const note = missingSessionNote({ ...profile, checkpoint });
    assert.equal(note?.summary, 'No "session": checkpoints will be saved, but nothing will be restarted on a replacement box.');
    assert.match(note?.advice ?? '', /^Add a "session" block .*"session": \{ "command": "python3 train\.py --resume" \}/);
  });

  it('says nothing with a session, or without checkpoints', () => {
    assert.equal(missingSessionNote({ ...profile, checkpoint, session: { command: 'python3 train.py --resume' } }), undefined);
    assert.equal(missingSessionNote(profile), undefined);
  });
});
