import * as assert from 'node:assert/strict';
import { AGENT_PATHS, buildAgentConfig, DEFAULT_CHECKPOINT_DIR, type AgentConfigInput } from '../../../src/core/agent/agentConfig';
import { userMessageOf } from '../../../src/core/errors';
import { runAgentPython } from './agentPython';

const input = (overrides: Partial<AgentConfigInput> = {}): AgentConfigInput => ({
  sessionId: '0b8f3c1e-2f1a-4c55-9d3e-1b2c3d4e5f60',
  region: 'us-west-2',
  workspaceDir: '~/workspace',
  checkpoint: { bucket: 'my-ckpts', prefix: '/spotbox/llama/' },
  ...overrides,
});

describe('agent config from the profile', () => {
  it('saves on notices only when the profile gives no interval, with no trainer to tell', () => {
    assert.deepEqual(buildAgentConfig(input()), {
      session: '0b8f3c1e-2f1a-4c55-9d3e-1b2c3d4e5f60',
      bucket: 'my-ckpts',
      prefix: 'spotbox/llama',
      region: 'us-west-2',
      checkpointDir: DEFAULT_CHECKPOINT_DIR,
      workspaceDir: '~/workspace',
      journal: AGENT_PATHS.journal,
      triggerFile: AGENT_PATHS.triggerFile,
      intervalSeconds: 0,
    });
  });

  it('maps the checkpoint and session blocks: interval, command and where it runs, the session signal', () => {
    const config = buildAgentConfig(
      input({
        checkpoint: { bucket: 'my-ckpts', prefix: 'p', command: 'touch save-now', intervalMinutes: 30 },
        session: { command: 'python train.py', workingDir: '~/workspace/llama' },
        checkpointDir: '~/workspace/llama/checkpoints',
        signal: 'SIGUSR1',
        tuning: { keep: 5, quietSeconds: 1 },
      }),
    );
    assert.equal(config.intervalSeconds, 1800);
    assert.equal(config.checkpointCommand, 'touch save-now');
    assert.equal(config.checkpointCommandDir, '~/workspace/llama');
    assert.equal(config.sessionPidFile, AGENT_PATHS.sessionPidFile);
    assert.equal(config.signal, 'SIGUSR1');
    assert.equal(config.checkpointDir, '~/workspace/llama/checkpoints');
    assert.equal(config.keep, 5);
    assert.equal(config.quietSeconds, 1);
  });

  it('lets tests shorten the interval below the profile\'s minutes', () => {
    assert.equal(buildAgentConfig(input({ checkpoint: { bucket: 'my-ckpts', prefix: 'p', intervalMinutes: 5 }, tuning: { intervalSeconds: 3 } })).intervalSeconds, 3);
  });

  it('refuses what would break the agent or the bucket layout, saying what to fix', () => {
    const refused = (overrides: Partial<AgentConfigInput>): string => {
      try {
        buildAgentConfig(input(overrides));
      } catch (error) {
        return userMessageOf(error);
      }
      return assert.fail('accepted');
    };
    assert.match(refused({ sessionId: 'a/b' }), /cannot name a checkpoint session/);
    assert.match(refused({ region: 'mars-1' }), /not an AWS region/);
    assert.match(refused({ checkpoint: { bucket: 'My_Bucket', prefix: '' } }), /not a valid S3 bucket name\. Fix \.spotbox\/profile\.json/);
    assert.match(refused({ checkpoint: { bucket: 'my-ckpts', prefix: 'a b' } }), /white space/);
    assert.match(refused({ workspaceDir: 'workspace' }), /workspaceDir "workspace" must start with ~ or \//);
    assert.match(refused({ signal: 'SIGUSR1' }), /only to a session it knows of\. Add a "session" block/);
    assert.match(refused({ session: { command: 'x' }, signal: 'SIGKILL' as never }), /SIGKILL is not a signal the agent sends/);
    assert.match(refused({ checkpoint: { bucket: 'my-ckpts', prefix: '', intervalMinutes: 0.5 } }), /intervalMinutes must be a whole number/);
    assert.match(refused({ tuning: { keep: 0 } }), /keep must be a whole number from 1 to 1000 \(got 0\)/);
    assert.match(refused({ tuning: { pollSeconds: 5 } }), /pollSeconds must be a whole number from 1 to 2/);
  });

  it('names Google Cloud only when the box runs there, with its region and bucket rules', () => {
    assert.ok(!('cloud' in buildAgentConfig(input())), 'an EC2 config is as it was');
    const config = buildAgentConfig(input({ cloud: 'gcp', region: 'us-central1', checkpoint: { bucket: 'my_ckpts', prefix: 'p' }, gcsEndpoint: 'http://127.0.0.1:4443' }));
    assert.equal(config.cloud, 'gcp');
    assert.equal(config.gcsEndpoint, 'http://127.0.0.1:4443');
    assert.throws(() => buildAgentConfig(input({ cloud: 'gcp' })), /not a Google Cloud region/);
    assert.throws(() => buildAgentConfig(input({ checkpoint: { bucket: 'my_ckpts', prefix: 'p' } })), /not a valid S3 bucket name/);
    assert.throws(() => buildAgentConfig(input({ region: 'us-central1' })), /not an AWS region/);
    const loaded = runAgentPython<Record<string, unknown>>(
      ['import os, tempfile', 'with tempfile.TemporaryDirectory() as d:', "    open(os.path.join(d, 'agent.json'), 'w').write(sys.stdin.read())",
        "    cfg = agent.load_config(os.path.join(d, 'agent.json'))", '    print(json.dumps([cfg["cloud"], type(agent.cloud_for(cfg)).__name__, type(agent.cloud_for(cfg).storage()).__name__]))'].join('\n'),
      config,
    );
    assert.deepEqual(loaded, ['gcp', 'GcpCloud', 'Gcs']);
  });

  it('is a config the agent loads: paths expanded in the agent user\'s home, defaults filled in', () => {
    const config = buildAgentConfig(input({ session: { command: 'x' }, signal: 'SIGUSR2' }));
    const loaded = runAgentPython<Record<string, unknown>>(
      [
        'import os, tempfile',
        "os.environ['HOME'] = '/home/ubuntu'",
        'with tempfile.TemporaryDirectory() as d:',
        "    open(os.path.join(d, 'agent.json'), 'w').write(sys.stdin.read())",
        "    print(json.dumps(agent.load_config(os.path.join(d, 'agent.json'))))",
      ].join('\n'),
      config,
    );
    assert.equal(loaded.journal, '/home/ubuntu/.spotbox/journal.jsonl');
    assert.equal(loaded.checkpointDir, '/home/ubuntu/checkpoints');
    assert.equal(loaded.sessionPidFile, '/home/ubuntu/.spotbox/session.pid');
    assert.equal(loaded.prefix, 'spotbox/llama');
    assert.equal(loaded.keep, 3);
    assert.equal(loaded.quietSeconds, 2);
    assert.equal(loaded.signal, 'SIGUSR2');
  });
});
