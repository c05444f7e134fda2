import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAgentPython } from '../checkpoint/agentPython';

interface Sample {
  readonly sshSessions: number;
  readonly cpuPercent: number;
  readonly gpuPercent?: number | null;
  readonly idleSeconds: number;
}

/** A /proc the agent's Activity reads instead of the real one: `stat` and one folder per process. */
function fakeProc(root: string, cpuLine: string, processes: ReadonlyArray<readonly [pid: number, ppid: number, cmdline: string]>): void {
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, 'stat'), `${cpuLine}\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 1 2 3\n`);
  for (const [pid, ppid, cmdline] of processes) {
    fs.mkdirSync(path.join(root, String(pid)), { recursive: true });
    // comm in parentheses may hold spaces and ')': the agent reads past the last one.
    fs.writeFileSync(path.join(root, String(pid), 'stat'), `${pid} (odd) name) S ${ppid} ${pid} ${pid} 0 -1\n`);
    // sshd pads its title with NULs in the old argv area; commands separate their arguments with NULs.
    fs.writeFileSync(path.join(root, String(pid), 'cmdline'), cmdline.startsWith('sshd') ? `${cmdline}\0\0\0\0\0\0\0\0` : `${cmdline.split(' ').join('\0')}\0`);
  }
}

describe('activity reports of the agent (resources/agent/spotbox_agent.py, Activity)', () => {
  let directory: string;

  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-activity-'));
  });

  afterEach(() => {
    fs.rmSync(directory, { recursive: true, force: true });
  });

  /** Samples once after moving the CPU counters from `before` to `after`; `idleFor` pretends the box was idle that long. */
  function sample(options: { processes: ReadonlyArray<readonly [number, number, string]>; before?: string; after?: string; idleFor?: number; gpu?: string; idleCpuPercent?: number }): Sample {
    const proc = path.join(directory, 'proc');
    fakeProc(proc, options.before ?? 'cpu  1000 0 1000 8000 0 0 0 0 0 0', options.processes);
    const bin = path.join(directory, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.rmSync(path.join(bin, 'nvidia-smi'), { force: true });
    if (options.gpu !== undefined) {
      fs.writeFileSync(path.join(bin, 'nvidia-smi'), `#!/bin/sh\n[ "$1" = --query-gpu=utilization.gpu ] && printf '${options.gpu}'\n`, { mode: 0o755 });
    }
    return runAgentPython<Sample>(
      [
        'import os, time',
        `os.environ['PATH'] = ${JSON.stringify(bin)}`,
        `activity = agent.Activity({'idleCpuPercent': ${options.idleCpuPercent ?? 10}, 'journal': '/home/u/.spotbox/journal.jsonl'}, ${JSON.stringify(proc)})`,
        `activity.since = time.time() - ${options.idleFor ?? 0}`,
        `open(${JSON.stringify(path.join(proc, 'stat'))}, 'w').write(${JSON.stringify(`${options.after ?? 'cpu  1010 0 1010 8980 0 0 0 0 0 0'}\n`)})`,
        'print(json.dumps(activity.sample()))',
      ].join('\n'),
    );
  }

  it('counts pty sessions and commands, but not the editor\'s journal tail, port forwards or sshd monitors', () => {
    const result = sample({
      processes: [
        [1, 0, 'sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups'],
        // ssh box: a login shell on a pty.
        [100, 1, 'sshd: root@pts/0'],
        [101, 100, '-bash'],
        // Spotbox's journal tail: not a user.
        [200, 1, 'sshd: ubuntu [priv]'],
        [201, 200, 'sshd: ubuntu@notty'],
        [202, 201, 'tail -n +1 -F /home/u/.spotbox/journal.jsonl'],
        // Remote-SSH: no pty, a shell running the VS Code server's launcher (OpenSSH 9.8 titles).
        [300, 1, 'sshd-session: ubuntu [priv]'],
        [301, 300, 'sshd-session: ubuntu@notty'],
        [302, 301, 'bash'],
        // A port forward only, and an exec channel not opened yet: nothing runs.
        [400, 1, 'sshd: root'],
        [500, 1, 'sshd: root@notty'],
        [600, 1, 'sshd: unknown [preauth]'],
        [700, 1, 'python3 train.py --title sshd: root@pts/9'],
      ],
    });
    assert.equal(result.sshSessions, 2, 'the pty session and the Remote-SSH connection');
    assert.equal(result.idleSeconds, 0, 'a session means the box is in use');
  });

  it('measures CPU from /proc/stat between samples, iowait counting as busy', () => {
    // Of 200 ticks: +100 user and system, +50 iowait, +50 idle: 75 % busy.
    const result = sample({ processes: [], before: 'cpu  100 0 100 800 0 0 0 0 0 0', after: 'cpu  150 0 150 850 50 0 0 0 0 0' });
    assert.equal(result.cpuPercent, 75);
    assert.equal(result.idleSeconds, 0, '75 % is over idleCpuPercent (10)');
    const atLimit = sample({ processes: [], before: 'cpu  100 0 100 800 0 0 0 0 0 0', after: 'cpu  150 0 150 850 50 0 0 0 0 0', idleCpuPercent: 75, idleFor: 30 });
    assert.ok(atLimit.idleSeconds >= 30, 'at idleCpuPercent the box is still idle');
  });

  it('grows idleSeconds while there is no session and CPU and GPU stay low', () => {
    const result = sample({ processes: [[1, 0, 'sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups']], idleFor: 120, gpu: '0\\n3\\n' });
    assert.equal(result.sshSessions, 0);
    assert.equal(result.cpuPercent, 2, '20 busy ticks of 1000');
    assert.equal(result.gpuPercent, 3, 'the busiest GPU');
    assert.ok(result.idleSeconds >= 120 && result.idleSeconds < 130, `${result.idleSeconds} s idle`);
  });

  it('takes a busy GPU as use, and leaves gpuPercent out without nvidia-smi', () => {
    const busy = sample({ processes: [], idleFor: 120, gpu: '4\\n57\\n' });
    assert.equal(busy.gpuPercent, 57);
    assert.equal(busy.idleSeconds, 0);
    const noGpu = runAgentPython<Record<string, unknown>>(
      [
        `journal = agent.Journal(${JSON.stringify(path.join(directory, 'journal.jsonl'))})`,
        "journal.write('activity', sshSessions=0, cpuPercent=1.0, gpuPercent=None, idleSeconds=60.0)",
        `print(open(${JSON.stringify(path.join(directory, 'journal.jsonl'))}).read())`,
      ].join('\n'),
    );
    assert.equal(noGpu.type, 'activity');
    assert.equal('gpuPercent' in noGpu, false);
    const withoutSmi = sample({ processes: [], idleFor: 120 });
    assert.equal(withoutSmi.gpuPercent, null, 'no nvidia-smi on PATH');
    assert.ok(withoutSmi.idleSeconds >= 120);
  });
});
