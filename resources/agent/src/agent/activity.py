"""What idle stop decides on: SSH sessions, CPU and GPU use."""
import os
import re
import subprocess
import time


class Activity:
    """What idle stop in the editor decides on: user SSH sessions, CPU and GPU use, and how long all were low."""

    def __init__(self, cfg, proc='/proc'):
        self.cfg, self.proc = cfg, proc
        self.ticks, self.since = self.cpu(), time.time()

    def cpu(self):
        with open(self.proc + '/stat') as f:
            ticks = [int(x) for x in f.readline().split()[1:9]]
        # Only `idle` is not busy: iowait counts, since a box copying a dataset is at work while its CPUs wait.
        return sum(ticks) - ticks[3], sum(ticks)

    def sample(self):
        ticks, procs, gpu = self.cpu(), [], None
        busy, total = (a - b for a, b in zip(ticks, self.ticks))
        self.ticks, cpu = ticks, round(100.0 * busy / max(1, total), 1)
        for pid in os.listdir(self.proc):
            try:
                with open('%s/%s/stat' % (self.proc, pid)) as f:
                    ppid = f.read().rsplit(')', 1)[1].split()[1]
                with open('%s/%s/cmdline' % (self.proc, pid)) as f:
                    procs.append((pid, ppid, f.read().replace('\0', ' ').strip()))
            except (OSError, IndexError):
                pass
        # Each SSH connection has a process titled `sshd: <user>@<ttys>` (`sshd-session:` from OpenSSH 9.8).
        # One with a pty is a user. One without is a user too when it runs anything but the editor's own
        # journal tail (`tail -F ~/.spotbox/journal.jsonl`, known by its command line, so Spotbox needs no
        # marker): Remote-SSH attaches without a pty (`ssh -T ... bash`), so counting ptys alone (`who`)
        # would miss the commonest user. One that runs nothing (port forwards only) is not counted: a
        # forgotten tunnel must not keep a box billing.
        sessions = sum(1 for pid, _, cmd in procs if re.match(r'sshd(-session)?: \S+@', cmd) and ('@pts/' in cmd or any(p == pid and 'journal.jsonl' not in c for _, p, c in procs)))
        try:
            gpu = max(float(x) for x in subprocess.run(['nvidia-smi', '--query-gpu=utilization.gpu', '--format=csv,noheader,nounits'], capture_output=True, timeout=20).stdout.split())
        except (OSError, ValueError, subprocess.SubprocessError):
            pass
        if sessions or max(cpu, gpu or 0) > float(self.cfg['idleCpuPercent']):
            self.since = time.time()
        return dict(sshSessions=sessions, cpuPercent=cpu, gpuPercent=gpu, idleSeconds=round(time.time() - self.since, 1))
