import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { agentForProfile } from '../../../src/core/agent/agentForProfile';
import { DEFAULT_CHECKPOINT_DIR } from '../../../src/core/agent/agentConfig';
import { loadCatalogs } from '../../../src/core/pricing/catalogLoader';
import { parseProfile } from '../../../src/core/profile/parseProfile';
import { DEFAULT_CHECKPOINT_DIRECTORY, type SpotboxProfile } from '../../../src/core/profile/profileTypes';
import { ProfileWizard } from '../../../src/core/profile/wizard/profileWizard';
import type { WizardContext } from '../../../src/core/profile/wizard/wizardTypes';
import { input, pick, walk } from './wizardDriver';
import { AGENT_INSTALL } from '../agent/agentInstall';

describe('ProfileWizard: what makes a resume restart something', () => {
  let context: WizardContext;
  before(async () => {
    const catalogs = await loadCatalogs(path.resolve('resources/prices'));
    context = { catalogs, knownRegions: Object.keys(catalogs.onDemand.regions), defaultName: 'llama', defaultRegions: ['us-east-1'] };
  });

  /** The file the wizard writes, read back as the launch reads it. */
  const written = (wizard: ProfileWizard): SpotboxProfile => {
    const { profile, problems } = parseProfile(wizard.fileText(), '.spotbox/profile.json');
    assert.deepEqual(problems, []);
    assert.ok(profile);
    assert.deepEqual(profile, wizard.profile());
    return profile;
  };

  it('with a bucket asks the checkpoint folder, the resuming command and how the script saves, and writes a session', () => {
    const wizard = new ProfileWizard(context);
    const seen = walk(wizard, { checkpointBucket: 'my-ckpts', sessionCommand: 'python3 train.py --resume' });
    assert.deepEqual(seen.slice(7), ['8/9 checkpointBucket', '9/12 checkpointDirectory', '10/12 sessionCommand', '11/12 saveSignal', '12/12 review']);
    const profile = written(wizard);
    assert.deepEqual(profile.checkpoint, { bucket: 'my-ckpts', prefix: 'spotbox/llama/', directory: '~/checkpoints', intervalMinutes: 'auto', noticeSignal: 'SIGTERM' });
    assert.deepEqual(profile.session, { command: 'python3 train.py --resume' });
    assert.equal(agentForProfile(profile, 'us-east-1', '# bootstrap', { install: AGENT_INSTALL })?.config.noticeSignal, 'SIGTERM', 'the agent takes the written profile');
  });

  it('explains in the steps what the box does with the folder and the command', () => {
    const wizard = new ProfileWizard(context);
    walk(wizard, { workspaceDir: '/data/ws', checkpointBucket: 'my-ckpts' }, 'checkpointDirectory');
    const folder = input(wizard.current);
    assert.equal(folder.value, '~/checkpoints');
    assert.match(folder.prompt, /uploads this folder to the bucket, and restores the newest checkpoint into it on a replacement box/);
    assert.match(folder.validate('ckpt')?.message ?? '', /"ckpt" is not allowed for "checkpoint\.directory": expected an absolute path or one under ~/);
    assert.equal(wizard.answer('ckpt')?.severity, 'error');
    assert.equal(wizard.answer('/data/ckpt'), undefined);
    const command = input(wizard.current);
    assert.equal(command.placeholder, 'python3 train.py --resume');
    assert.match(command.prompt, /^Runs in tmux in \/data\/ws\. .*restores the newest checkpoint into \/data\/ckpt on a replacement box and runs this same command again, so it must resume from the newest checkpoint in that folder by itself/);
  });

  it('offers each way to save, the recipes in the README, and writes the signals each asks for', () => {
    const expected: Record<string, object> = {
      SIGTERM: { noticeSignal: 'SIGTERM' },
      SIGUSR1: { signal: 'SIGUSR1' },
      'SIGUSR1+SIGTERM': { signal: 'SIGUSR1', noticeSignal: 'SIGTERM' },
      none: {},
    };
    for (const [choice, signals] of Object.entries(expected)) {
      const wizard = new ProfileWizard(context);
      walk(wizard, { checkpointBucket: 'my-ckpts', sessionCommand: 'torchrun --nproc-per-node 2 train.py' }, 'saveSignal');
      const step = pick(wizard.current);
      assert.equal(step.activeId, 'SIGTERM', 'the ordinary PyTorch way is the default');
      assert.match(step.placeholder, /README, "Make your training loop resumable"/);
      walk(wizard, { saveSignal: [choice] });
      const checkpoint = written(wizard).checkpoint;
      assert.deepEqual({ signal: checkpoint?.signal, noticeSignal: checkpoint?.noticeSignal }, { signal: undefined, noticeSignal: undefined, ...signals }, choice);
    }
    const wizard = new ProfileWizard(context);
    walk(wizard, { checkpointBucket: 'my-ckpts', sessionCommand: 'python3 train.py' }, 'saveSignal');
    const items = pick(wizard.current).items;
    assert.match(items.find((item) => item.id === 'SIGTERM')?.detail ?? '', /save at the end of this step and exit.*torchrun/);
    assert.match(items.find((item) => item.id === 'none')?.label ?? '', /saves on its own every N steps \(no signal\)/);
    assert.match(items.find((item) => item.id === 'none')?.detail ?? '', /a script that handles none is never stopped by a checkpoint: its folder is uploaded when it is quiet/);
    const docs = items.find((item) => item.opens);
    assert.deepEqual(docs?.opens, { file: 'README.md', heading: 'Make your training loop resumable', anchor: 'make-your-training-loop-resumable' });
    assert.equal(wizard.answer([docs.id])?.severity, 'error', 'the link is no answer');
    assert.equal(wizard.current.id, 'saveSignal');
  });

  it('takes an empty command with a plain warning, skips the signal and says so in the review', () => {
    const wizard = new ProfileWizard(context);
    walk(wizard, { checkpointBucket: 'my-ckpts' }, 'sessionCommand');
    const command = input(wizard.current);
    assert.equal(command.value, '');
    assert.equal(command.validate('')?.severity, 'warning');
    assert.match(command.validate('')?.message ?? '', /checkpoints will be saved, but nothing will be restarted on a replacement box/);
    assert.equal(command.validate('python3 train.py'), undefined);
    assert.equal(wizard.answer(''), undefined);
    assert.equal(wizard.current.id, 'review', 'no session: no signal to ask about');
    const review = pick(wizard.current);
    const note = review.items.find((item) => item.label.includes('nothing will be restarted'));
    assert.equal(note?.id, 'edit:sessionCommand');
    const profile = written(wizard);
    assert.equal(profile.session, undefined);
    assert.equal(profile.checkpoint?.noticeSignal, undefined, 'a signal without a session is refused by the agent');
    assert.doesNotThrow(() => agentForProfile(profile, 'us-east-1', '# bootstrap', { install: AGENT_INSTALL }));

    wizard.answer(note.id);
    assert.equal(wizard.current.id, 'sessionCommand');
    wizard.answer('python3 train.py --resume');
    assert.equal(wizard.current.id, 'saveSignal', 'a command added from the review asks how it saves');
    wizard.answer(['none']);
    assert.equal(wizard.current.id, 'review');
    assert.equal(pick(wizard.current).items.some((item) => item.label.includes('nothing will be restarted')), false);
    assert.deepEqual(written(wizard).session, { command: 'python3 train.py --resume' });
  });

  it('has Back on every new step, with the answers kept', () => {
    const wizard = new ProfileWizard(context);
    walk(wizard, { checkpointBucket: 'my-ckpts', checkpointDirectory: '/ckpt', sessionCommand: 'python3 train.py --resume', saveSignal: ['SIGUSR1'] }, 'review');
    wizard.back();
    assert.equal(pick(wizard.current).activeId, 'SIGUSR1');
    assert.equal(wizard.current.canGoBack, true);
    wizard.back();
    assert.equal(input(wizard.current).value, 'python3 train.py --resume');
    assert.equal(wizard.current.canGoBack, true);
    wizard.back();
    assert.equal(input(wizard.current).value, '/ckpt');
    assert.equal(wizard.current.canGoBack, true);
    wizard.back();
    assert.equal(input(wizard.current).value, 'my-ckpts');
  });

  it('asks nothing of resume without a bucket, and drops the session when the bucket is removed from the review', () => {
    const wizard = new ProfileWizard(context);
    walk(wizard, { checkpointBucket: 'my-ckpts', sessionCommand: 'python3 train.py --resume' }, 'review');
    const checkpointLine = pick(wizard.current).items.find((item) => item.label.startsWith('"checkpoint"'));
    assert.match(checkpointLine?.label ?? '', /"noticeSignal":"SIGTERM"/, 'the review shows the result');
    assert.ok(pick(wizard.current).items.some((item) => item.label === '"session": {"command":"python3 train.py --resume"}'));

    // Changing the checkpoint from the review goes through its questions again, each keeping its answer.
    wizard.answer(checkpointLine!.id);
    assert.deepEqual(walk(wizard, {}, 'review'), ['8/12 checkpointBucket', '9/12 checkpointDirectory', '10/12 sessionCommand', '11/12 saveSignal']);
    assert.deepEqual(wizard.profile().session, { command: 'python3 train.py --resume' });

    wizard.answer(checkpointLine!.id);
    wizard.answer('');
    assert.equal(wizard.current.id, 'review');
    assert.equal(wizard.current.step, 9);
    const profile = written(wizard);
    assert.equal(profile.checkpoint, undefined);
    assert.equal(profile.session, undefined, 'the session is asked with a bucket only');
  });

  it('fills in the same checkpoint folder as the agent\'s default', () => {
    assert.equal(DEFAULT_CHECKPOINT_DIRECTORY, DEFAULT_CHECKPOINT_DIR);
  });
});
