import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { boxUseScript, confirmBoxIdle, parseBoxUseSample, type BoxUseSample } from '../../../src/core/idle/boxUseCheck';

/** A /proc for the check: `stat` and one folder per process (pid, parent, command line). */
function fakeProc(root: string, processes: ReadonlyArray<readonly [pid: number, ppid: number, cmdline: string]>): void {
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, 'stat'), 'cpu  1000 0 1000 8000 0 0 0 0 0 0\n');
  for (const [pid, ppid, cmdline] of processes) {
    fs.mkdirSync(path.join(root, String(pid)), { recursive: true });
    fs.writeFileSync(path.join(root, String(pid), 'stat'), `${pid} (odd) name) S ${ppid} ${pid} ${pid} 0 -1\n`);
    fs.writeFileSync(path.join(root, String(pid), 'cmdline'), cmdline.startsWith('sshd') ? `${cmdline}\0\0\0\0` : `${cmdline.split(' ').join('\0')}\0`);
  }
}

describe('the editor\'s own check of a box before idle stop (src/core/idle/boxUseCheck)', () => {
  let directory: string;
  beforeEach(() => (directory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-box-use-'))));
  afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

  function sampleOf(processes: ReadonlyArray<readonly [number, number, string]>): BoxUseSample {
    const proc = fs.mkdtempSync(path.join(directory, 'proc-'));
    fakeProc(proc, processes);
    // No nvidia-smi on this PATH; 0 s between the two CPU readings of the same fake counters.
    const stdout = execFileSync('python3', ['-B', '-c', boxUseScript(0, proc)], { encoding: 'utf8', env: { ...process.env, PATH: path.dirname(process.execPath) + ':/usr/bin:/bin' }, timeout: 20_000 });
    const sample = parseBoxUseSample(stdout);
    assert.ok(sample, stdout);
    return sample;
  }

  it('counts a terminal and a running command, but neither the journal tail nor its own connection', () => {
    const self = `python3 -c ${boxUseScript(0).slice(0, 60)} spotbox-idle-check`;
    assert.equal(sampleOf([[10, 1, 'sshd: ubuntu@notty'], [11, 10, 'tail -F /home/ubuntu/.spotbox/journal.jsonl'], [20, 1, 'sshd: ubuntu@notty'], [21, 20, self]]).sshSessions, 0);
    assert.equal(sampleOf([[30, 1, 'sshd: ubuntu@pts/0'], [31, 30, '-bash']]).sshSessions, 1);
    assert.equal(sampleOf([[40, 1, 'sshd: ubuntu@notty'], [41, 40, 'bash -c ~/.vscode-server/bin/code-server']]).sshSessions, 1, 'Remote-SSH runs without a pty');
  });

  it('reads back what the script prints, and nothing malformed', () => {
    assert.deepEqual(parseBoxUseSample('noise\n{"sshSessions": 0, "cpuPercent": 2.5, "gpuPercent": null}\n'), { sshSessions: 0, cpuPercent: 2.5 });
    assert.equal(parseBoxUseSample('{"cpuPercent": 2.5}'), undefined);
    assert.equal(parseBoxUseSample(''), undefined);
  });

  it('finds the box idle only with no editor use, no session, and quiet CPU and GPU', async () => {
    const quiet: BoxUseSample = { sshSessions: 0, cpuPercent: 3, gpuPercent: 0 };
    assert.deepEqual(await confirmBoxIdle({ editorUse: () => [], sample: async () => quiet }), { idle: true });
    assert.deepEqual(await confirmBoxIdle({ editorUse: () => ['1 Spotbox terminal open on it'], sample: async () => quiet }), { idle: false, reasons: ['1 Spotbox terminal open on it'] });
    assert.deepEqual(await confirmBoxIdle({ editorUse: () => [], sample: async () => ({ sshSessions: 2, cpuPercent: 40, gpuPercent: 95 }) }), {
      idle: false,
      reasons: ['2 SSH sessions on the box', 'CPU at 40 %', 'GPU at 95 %'],
    });
    assert.deepEqual(await confirmBoxIdle({ editorUse: () => [], sample: async () => ({ sshSessions: 0, cpuPercent: 40 }), busyPercent: 50 }), { idle: true });
  });

  it('keeps the box when it cannot be checked: no evidence, no termination', async () => {
    const verdict = await confirmBoxIdle({ editorUse: () => [], sample: async () => Promise.reject(new Error('connection refused')) });
    assert.equal(verdict.idle, false);
    assert.match(!verdict.idle ? verdict.reasons[0] : '', /could not check the box itself \(connection refused\)/);
  });
});
