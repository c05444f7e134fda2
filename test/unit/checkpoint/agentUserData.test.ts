import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { buildAgentConfig } from '../../../src/core/agent/agentConfig';
import { readAgentSource } from '../../../src/core/agent/agentSource';
import { buildAgentUserData, USER_DATA_MAX_BYTES, userDataSize } from '../../../src/core/agent/agentUserData';
import { base85 } from '../../../src/core/agent/base85';
import { compactPython } from '../../../src/core/agent/compactPython';
import { userMessageOf } from '../../../src/core/errors';
import { REPO_ROOT } from './agentPython';

describe('launch user data that installs the agent', () => {
  let agentSource: string;
  const config = buildAgentConfig({
    sessionId: 'run-1',
    region: 'us-east-1',
    workspaceDir: '~/workspace',
    checkpoint: { bucket: 'my-ckpts', prefix: 'spotbox/llama', command: "echo 'save' > /tmp/x", intervalMinutes: 30 },
    session: { command: 'python train.py' },
    signal: 'SIGUSR1',
  });

  before(async () => {
    agentSource = await readAgentSource(REPO_ROOT);
  });

  it('fits EC2\'s 16 KB with the real agent, with room to spare', () => {
    const userData = buildAgentUserData({ agentSource, config, user: 'ubuntu' });
    const { bytes, base64Length } = userDataSize(userData);
    assert.ok(bytes <= USER_DATA_MAX_BYTES - 512, `${bytes} bytes leave less than 512 bytes for the agent to grow`);
    assert.ok(base64Length <= 21_847, `RunInstances refuses base64 longer than 21847 (got ${base64Length})`);
    assert.equal(base64Length, Buffer.from(userData, 'utf8').toString('base64').length);
  });

  it('fits EC2\'s 16 KB with a fleet lineage\'s boot restore config too', () => {
    const tool = (name: string, path: string) => {
      const sha256 = randomBytes(32).toString('hex');
      return { key: `spotbox/llama/run-1/tools/${sha256}/${name}`, path, sha256 };
    };
    const boot = {
      command: 'python3 train.py --config configs/llama-7b.yaml --resume',
      workingDir: '~/workspace',
      tools: [tool('spotbox_session.py', '~/.spotbox/spotbox_session.py'), tool('spotbox_train.py', '~/.spotbox/python/spotbox_train.py')],
      handoffGraceSeconds: 30,
    };
    const { bytes } = userDataSize(buildAgentUserData({ agentSource, config: { ...config, boot }, user: 'ubuntu' }));
    assert.ok(bytes <= USER_DATA_MAX_BYTES, `${bytes} bytes`);
  });

  it('is a bash script carrying the agent and its config, started under systemd or in the background', () => {
    const userData = buildAgentUserData({ agentSource, config, user: 'ubuntu' });
    assert.ok(userData.startsWith('#!/bin/bash\n'));
    execFileSync('bash', ['-n'], { input: userData });
    const blob = /<<'SPOTBOX_AGENT'[^\n]*\n([0-9A-Za-z!#$%&()*+\-;<=>?@^_`{|}~]+)\nSPOTBOX_AGENT\n/.exec(userData)?.[1];
    assert.ok(blob, 'the agent heredoc');
    const decoded = execFileSync('python3', ['-c', 'import base64,sys;sys.stdout.buffer.write(base64.b85decode(sys.stdin.read()))'], { input: blob });
    assert.equal(gunzipSync(decoded).toString('utf8'), compactPython(agentSource));
    const json = /<<'SPOTBOX_CONFIG'\n(.*)\nSPOTBOX_CONFIG\n/.exec(userData)?.[1];
    assert.deepEqual(JSON.parse(json ?? ''), config);
    assert.match(userData, /^u=ubuntu$/m);
    assert.match(userData, /systemctl enable --now spotbox-agent\.service/);
    // The agent's service may start the training session (boot restore): restarting the agent must not kill it.
    assert.match(userData, /\\nRestart=always\\n.*\\nKillMode=process\\n/);
    assert.match(userData, /setsid nohup .*while :; do python3 \$run; sleep 2; done/);
  });

  it('installs the agent and its config in the user\'s ~/.spotbox, where the agent starts from', function () {
    this.timeout(20_000);
    // The script's own commands, stopped before it starts anything: what it writes is what the box gets.
    const userData = buildAgentUserData({ agentSource, config, user: 'ubuntu' });
    const installOnly = userData.slice(0, userData.indexOf('run="$d/'));
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-userdata-'));
    try {
      execFileSync('bash', ['-c', installOnly.replace('u=ubuntu', `u=${os.userInfo().username}`)], { env: { ...process.env, HOME: home } });
      const installed = path.join(home, '.spotbox');
      assert.equal(fs.readFileSync(path.join(installed, 'spotbox_agent.py'), 'utf8'), compactPython(agentSource));
      assert.deepEqual(JSON.parse(fs.readFileSync(path.join(installed, 'agent.json'), 'utf8')), config);
      assert.equal((fs.statSync(path.join(installed, 'agent.json')).mode & 0o777).toString(8), '600');
      const help = execFileSync('python3', ['-B', path.join(installed, 'spotbox_agent.py'), '--help'], { encoding: 'utf8' });
      assert.match(help, /\{run,checkpoint-now\}/);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('refuses to install as root when the image has no sshUser (L6): an error in the boot log, nothing written', function () {
    if (process.getuid?.() !== 0) {
      this.skip(); // The check runs only where cloud-init runs it: as root.
    }
    const userData = buildAgentUserData({ agentSource, config, user: 'nosuchuser_spotbox' });
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-userdata-'));
    try {
      const run = spawnSync('bash', ['-c', userData.slice(0, userData.indexOf('run="$d/'))], { env: { ...process.env, HOME: home }, encoding: 'utf8' });
      assert.equal(run.status, 1);
      assert.match(run.stderr, /this image has no user nosuchuser_spotbox \(the profile's sshUser\); the agent is not installed/);
      assert.deepEqual(fs.readdirSync(home), [], 'no agent installed for root instead');
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('encodes the agent in base85 exactly as Python decodes it, whatever the length', () => {
    const samples = [Buffer.alloc(0), Buffer.alloc(5, 0xff), ...Array.from({ length: 8 }, (_, n) => randomBytes(n * 5 + 1))];
    const script = 'import base64,json,sys;print(json.dumps([base64.b85decode(s).hex() for s in json.load(sys.stdin)]))';
    const decoded = JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(samples.map((sample) => base85(sample))), encoding: 'utf8' })) as string[];
    assert.deepEqual(decoded, samples.map((sample) => sample.toString('hex')));
  });

  it('refuses a user name that would be code in the script, and an agent too big for user data', () => {
    assert.throws(() => buildAgentUserData({ agentSource, config, user: 'ubuntu; rm -rf /' }), /not a valid login user name/);
    // Incompressible text, as a much larger agent would be after gzip.
    const huge = Array.from({ length: 1500 }, (_, i) => `x${i} = '${Buffer.from(String(Math.sin(i))).toString('base64')}${i * 7919}'`).join('\n');
    try {
      buildAgentUserData({ agentSource: huge, config, user: 'ubuntu' });
      assert.fail('accepted');
    } catch (error) {
      assert.match(userMessageOf(error), /would be \d+ bytes; EC2 accepts at most 16384\. .*grown too large/);
    }
  });
});

describe('compacting the agent for user data', () => {
  it('keeps the same program: the syntax tree is the agent\'s, docstrings aside', async () => {
    const source = await readAgentSource(REPO_ROOT);
    const compact = compactPython(source);
    assert.ok(compact.length < source.length * 0.8, `${compact.length} of ${source.length} characters`);
    const verdict = execFileSync(
      'python3',
      [
        '-B',
        '-c',
        [
          'import ast, json, sys',
          'original, compact = json.load(sys.stdin)',
          'def without_docstrings(tree):',
          '    for node in ast.walk(tree):',
          '        body = getattr(node, "body", None)',
          '        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str):',
          '            node.body = body[1:] or [ast.Pass()]',
          '    return tree',
          'print("same" if ast.dump(without_docstrings(ast.parse(original))) == ast.dump(ast.parse(compact)) else "different")',
        ].join('\n'),
      ],
      { input: JSON.stringify([source, compact]), encoding: 'utf8' },
    );
    assert.equal(verdict.trim(), 'same');
  });

  it('drops comment lines, docstrings and blank lines, and indents one space per level', () => {
    const source = ['#!/usr/bin/env python3', '"""Module', 'docs."""', '', 'def f(x):', '    """One line."""', '    # why', '    if x:', "        return '#not a comment'", "        y = 'a  # b'  # kept: a quote before it", '        pass  # why not', '    return 0', ''].join('\n');
    assert.equal(compactPython(source), ['#!/usr/bin/env python3', 'def f(x):', ' if x:', "  return '#not a comment'", "  y = 'a  # b'  # kept: a quote before it", '  pass', ' return 0', ''].join('\n'));
  });
});
