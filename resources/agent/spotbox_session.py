#!/usr/bin/env python3
"""Spotbox's training session on the box: the runner that holds it, and the signal delivery into it.

Standard library only, Python 3.8+. Installed next to the agent (~/.spotbox/) over the SSH
connection that starts the session; it does not travel in the user data, which the agent fills.

    python3 spotbox_session.py run -- COMMAND     the tmux pane's process (see Runner)
    python3 spotbox_session.py deliver SIGNAL     what the agent calls before a checkpoint
    python3 spotbox_session.py restore [--seq N] --dest-files DIR --dest-workspace DIR
                                                  a checkpoint from S3, through the agent's S3 client
    boot(...)                                     the agent's boot restore, once it has fetched this file

Why a runner: tmux would run the user's command under a shell that is the pane's only process. A
signal to that shell's process group killed the shell, tmux closed the pane, and SIGHUP killed the
trainer before it saved. The runner is the pane's process instead; it ignores what Spotbox sends,
adopts orphans (child subreaper), and ends only when the last process of the session has.

Why delivery by handler: a signal must never kill a training script. `deliver` walks the session's
process tree, passes through shells, pipeline tools and launchers, and signals only the training
processes that installed a handler for that signal (SigCgt in /proc/<pid>/status). A training
process's own children (DataLoader workers) are its business and never signalled.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

STATE_DIR = os.path.expanduser(os.environ.get('SPOTBOX_STATE_DIR') or '~/.spotbox')
PID_FILE = os.path.join(STATE_DIR, 'session.pid')
# Processes that only carry a command: passed through, never signalled (a tee killed on SIGTERM
# would break the trainer's stdout; a shell killed would orphan it).
PLUMBING = {
    'sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'fish', 'env', 'nohup', 'stdbuf', 'tee', 'time', 'timeout', 'nice',
    'ionice', 'taskset', 'numactl', 'chrt', 'setsid', 'script', 'cat', 'sed', 'awk', 'gawk', 'mawk', 'grep', 'ts',
    'logger', 'unbuffer', 'xargs', 'flock', 'sudo', 'su', 'runuser', 'conda', 'uv', 'poetry', 'pipenv', 'pdm',
}
# Launchers start and watch the workers that train; the workers get the signal, each directly, so
# SIGUSR1 (which no launcher forwards) reaches them too, and a launcher's own shutdown (deepspeed's
# kills the whole tree, DataLoader workers included) never runs.
LAUNCHERS = re.compile(r'^(torchrun|accelerate|deepspeed|torch\.distributed\.(run|launch|elastic\..*)|deepspeed\.launcher\..*|accelerate\.commands\..*|mpirun|horovodrun)$')
PYTHON = re.compile(r'^python[0-9.]*$')
PR_SET_CHILD_SUBREAPER = 36


def write_atomically(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = '%s.%d.tmp' % (path, os.getpid())
    with open(temporary, 'w') as f:
        f.write(text)
    os.replace(temporary, path)


def agent_config():
    try:
        with open(os.path.join(STATE_DIR, 'agent.json')) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def session_environment(base, cfg):
    """What the training command sees: where its checkpoints go and the helper module on its path."""
    env = dict(base)
    env['SPOTBOX_STATE_DIR'] = STATE_DIR
    for name, key in (('SPOTBOX_CHECKPOINT_DIR', 'checkpointDir'), ('SPOTBOX_STEP_FILE', 'stepFile')):
        if cfg.get(key):
            env[name] = os.path.expanduser(cfg[key])
    helper_dir = os.path.join(STATE_DIR, 'python')
    env['PYTHONPATH'] = helper_dir + (os.pathsep + env['PYTHONPATH'] if env.get('PYTHONPATH') else '')
    return env


def become_subreaper():
    """Orphans of the session (a shell that died, a daemonised child) stay under the runner, where delivery finds them."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def run(command):
    """The pane's process: runs `command` with the user's shell and returns its exit code once every process of the session ended."""
    # A handler rather than SIG_IGN: an ignored signal stays ignored across exec, a handled one is
    # reset to the default, so the command starts with ordinary signal dispositions.
    for name in ('SIGTERM', 'SIGINT', 'SIGUSR1', 'SIGUSR2', 'SIGHUP', 'SIGQUIT'):
        signal.signal(getattr(signal, name), lambda *_: None)
    become_subreaper()
    shell = os.environ.get('SHELL') if os.access(os.environ.get('SHELL') or '', os.X_OK) else '/bin/sh'
    child = subprocess.Popen([shell, '-c', command], env=session_environment(os.environ, agent_config()))
    write_atomically(PID_FILE, '%d\n' % os.getpid())
    code = None
    try:
        while True:
            try:
                pid, status = os.waitpid(-1, 0)
            except ChildProcessError:
                break
            if pid == child.pid:
                code = os.waitstatus_to_exitcode(status) if hasattr(os, 'waitstatus_to_exitcode') else status >> 8
    finally:
        try:
            if open(PID_FILE).read().strip() == str(os.getpid()):
                os.unlink(PID_FILE)
        except OSError:
            pass
    code = 1 if code is None else code
    sys.stderr.write('[spotbox] the session command ended (exit code %d) at %s\n' % (code, time.strftime('%Y-%m-%d %H:%M:%S')))
    return code if code >= 0 else 128 - code


def process_table():
    """{pid: (parent pid, argv)} of every process we can read."""
    table = {}
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % name) as f:
                stat = f.read()
            with open('/proc/%s/cmdline' % name, 'rb') as f:
                argv = [part.decode('utf-8', 'replace') for part in f.read().split(b'\0') if part]
        except OSError:
            continue
        # The command name in parentheses may itself hold spaces and parentheses.
        table[int(name)] = (int(stat[stat.rindex(')') + 2:].split()[1]), argv)
    return table


def handles(pid, signum):
    """Whether the process installed a handler for the signal (the kernel's SigCgt mask)."""
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('SigCgt:'):
                    return bool(int(line.split()[1], 16) >> (signum - 1) & 1)
    except (OSError, ValueError, IndexError):
        pass
    return False


def program_of(argv):
    """The program a command line runs: for `python [-u] script|-m module`, the script's or module's name."""
    if not argv:
        return ''
    name = os.path.basename(argv[0])
    if PYTHON.match(name):
        rest = argv[1:]
        while rest and rest[0].startswith('-') and rest[0] != '-m':
            rest = rest[1:] if rest[0] not in ('-W', '-X') else rest[2:]
        if rest[:1] == ['-m'] and len(rest) > 1:
            return rest[1]
        return os.path.basename(rest[0]) if rest else name
    return name


def kind_of(argv):
    program = program_of(argv)
    if LAUNCHERS.match(program):
        return 'launcher'
    # No command line: a zombie or a kernel thread, nothing to signal.
    return 'plumbing' if not argv or program in PLUMBING else 'trainer'


def delivery_targets(root, signum, table, handles=handles):
    """(signalled, skipped): the training processes under root that handle signum, and those that do not."""
    children = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    signalled, skipped, todo = [], [], sorted(children.get(root, []))
    while todo:
        pid = todo.pop(0)
        kind = kind_of(table[pid][1])
        if kind == 'trainer':
            (signalled if handles(pid, signum) else skipped).append(pid)
        else:
            todo.extend(sorted(children.get(pid, [])))
    return signalled, skipped


def deliver(name, pid_file=PID_FILE):
    """Sends the signal into the session; returns the report the agent journals."""
    signum = getattr(signal, name, None)
    if not isinstance(signum, int) or not name.startswith('SIG'):
        return dict(error='%s is not a signal' % name)
    try:
        with open(os.path.expanduser(pid_file)) as f:
            root = int(f.read().split()[0])
        os.kill(root, 0)
    except (OSError, ValueError, IndexError):
        return dict(error='no training session runs (no live runner in %s)' % pid_file)
    table = process_table()
    # A stale pid file whose number now belongs to another process must not steer a signal.
    if root <= 1 or not any(part.endswith('spotbox_session.py') for part in table.get(root, (0, []))[1]):
        return dict(error='pid %d in %s is not a Spotbox session runner' % (root, pid_file))
    signalled, skipped = delivery_targets(root, signum, table)
    sent = []
    for pid in signalled:
        try:
            os.kill(pid, signum)
            sent.append(pid)
        except OSError:
            pass  # It ended meanwhile.
    label = lambda pid: ' '.join(table[pid][1])[:200]
    return dict(signal=name, pids=sent, commands=[label(p) for p in sent], unhandled=[label(p) for p in skipped])


def agent_module():
    """The agent next to this file (~/.spotbox/spotbox_agent.py): its config, S3 client and manifest checks."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import spotbox_agent
    return spotbox_agent


def restore(config_path, seq, dest_files, dest_workspace):
    """Downloads a complete checkpoint; while it runs, the agent takes no checkpoint (the folders are half restored)."""
    agent = agent_module()
    cfg = agent.load_config(config_path)
    marker = os.path.join(os.path.dirname(cfg['journal']), 'restoring')
    os.makedirs(os.path.dirname(marker), exist_ok=True)
    write_atomically(marker, str(os.getpid()))
    try:
        return restore_checkpoint(agent, cfg, seq, dest_files, dest_workspace)
    finally:
        os.unlink(marker)


def restore_checkpoint(agent, cfg, seq, dest_files, dest_workspace):
    import concurrent.futures as cf
    # The bucket of the config's cloud (S3, or GCS on Google Cloud), with the same layout and manifests.
    cloud = agent.cloud_for(cfg, lambda **kw: agent.Journal(cfg['journal'], int(cfg['journalMaxBytes'])).write('warning', **kw))
    s3 = cloud.storage(lambda **kw: sys.stderr.write('retrying %(what)s: %(error)s\n' % kw))
    base = agent.session_base(cfg)
    folders = agent.seq_folders(s3, base)
    manifest = (agent.load_manifest(s3, base, seq) if seq in folders else None) if seq is not None else agent.newest_complete(s3, base, folders)
    if not manifest:
        raise agent.Fail('session %s has no complete checkpoint %sunder s3://%s/%s' % (cfg['session'], '' if seq is None else '%d ' % seq, cfg['bucket'], base))
    roots = {'files': os.path.realpath(dest_files), 'workspace': os.path.realpath(dest_workspace)}
    problems = []
    with cf.ThreadPoolExecutor(int(cfg['concurrency'])) as files, cf.ThreadPoolExecutor(int(cfg['concurrency'])) as parts:
        for entry, job in [(f, files.submit(fetch, agent, s3, parts, f, roots[f['area']])) for f in manifest['files']]:
            if job.exception():
                problems.append('%s/%s: %s' % (entry['area'], entry['path'], job.exception()))
    if problems:
        raise agent.Fail('restore of checkpoint %d failed for %d file(s):\n  %s' % (manifest['seq'], len(problems), '\n  '.join(problems[:20])))
    return dict(session=manifest['session'], seq=manifest['seq'], step=manifest.get('step'), files=len(manifest['files']),
                bytes=sum(f['size'] for f in manifest['files']), createdAt=manifest.get('createdAt'), sourceInstance=manifest.get('sourceInstance'))


def fetch(agent, s3, parts, entry, root):
    """One file, written to a new temporary file beside it (never through a symlink) and renamed once its sha256 matches."""
    dest, size = os.path.normpath(os.path.join(root, entry['path'])), entry['size']
    if os.path.isabs(entry['path']) or dest == root or os.path.commonpath([root, dest]) != root:
        raise agent.Fail('refusing a path outside ' + root)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    # A symlinked folder inside the destination must not carry the write elsewhere.
    if os.path.commonpath([root, os.path.realpath(os.path.dirname(dest))]) != root:
        raise agent.Fail('refusing a folder that leads outside ' + root)
    temporary = dest + '.spotbox-restore'
    if os.path.lexists(temporary):
        os.unlink(temporary)  # Left by a restore that died; O_EXCL below then creates our own.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)

    def piece(first):
        data = s3.get(entry['key'], first, size if size > agent.PART else None)
        if data is None:
            raise agent.Fail('missing in S3: ' + entry['key'])
        os.pwrite(fd, data, first)
    try:
        for job in [parts.submit(piece, first) for first in range(0, max(size, 1), agent.PART)]:
            job.result()
    finally:
        os.close(fd)
    if os.path.getsize(temporary) != size or agent.sha256_of(temporary) != entry['sha256']:
        os.unlink(temporary)
        raise agent.Fail('sha256 or size differs from the manifest')
    os.replace(temporary, dest)


SESSION_SOCKET, SESSION_NAME = os.path.join(STATE_DIR, 'tmux.sock'), 'spotbox'


def boot(agent, cfg, s3, journal, instance, clock=time.time, sleep=time.sleep, wait_cap=300):
    """The rest of the agent's boot_restore (spotbox_agent.py), which has fetched and checked this file: waits for the
    predecessor's notice checkpoint (handoff.json), restores the newest complete checkpoint and starts the session in
    tmux, as the editor does over SSH (src/core/recovery/boxSessionOps.ts). Journals each phase (`boot-restore`) and
    returns the last one's fields, which the agent keeps in ~/.spotbox/boot-done."""
    boot_cfg, base, stage, handoff, outcome = cfg['boot'], agent.session_base(cfg), 'handoff', None, {}
    home = lambda path: os.path.abspath(os.path.expanduser(path))

    def event(phase, **fields):
        outcome.clear()
        outcome.update(phase=phase, **{k: v for k, v in fields.items() if v is not None})
        journal.write('boot-restore', **outcome)
        return outcome
    try:
        doc = agent.as_json((s3.get(base + 'handoff.json') or b'').decode('utf-8', 'replace'))
        notice = agent.parse_time(doc.get('noticeTime')) if isinstance(doc, dict) and doc.get('instanceId') != instance else None
        if notice:
            # Text another box wrote: the wait is capped whatever it says.
            action = agent.parse_time(doc.get('actionTime')) or notice + 120
            until = min(action + float(boot_cfg.get('handoffGraceSeconds', 30)), clock() + wait_cap)
            if clock() < until:
                handoff = {'from': doc.get('instanceId'), 'noticeTime': doc.get('noticeTime'), 'actionTime': doc.get('actionTime'), 'step': doc.get('step')}
                event('waiting-handoff', until=time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(until)), **handoff)
                handoff['arrived'] = False
                while not handoff['arrived'] and clock() < until:
                    manifest = agent.newest_complete(s3, base, agent.seq_folders(s3, base))
                    # The predecessor's notice checkpoint, or a newer one: created after its notice (a second of clock skew allowed).
                    handoff['arrived'] = bool(manifest) and (agent.parse_time(manifest.get('createdAt')) or 0) >= notice - 1
                    if not handoff['arrived']:
                        sleep(2)
        stage = 'restore'
        manifest = agent.newest_complete(s3, base, agent.seq_folders(s3, base))
        if not manifest:
            # The lineage's first box: the editor's launch starts its session.
            return event('no-checkpoint', handoff=handoff)
        out = subprocess.run([sys.executable, os.path.abspath(__file__), 'restore', '--config', cfg['configFile'], '--seq', str(manifest['seq']),
                              '--dest-files', cfg['checkpointDir'], '--dest-workspace', cfg.get('workspaceDir') or home(boot_cfg['workingDir'])],
                             stdin=subprocess.DEVNULL, capture_output=True, timeout=3600)
        lines = out.stdout.decode('utf-8', 'replace').strip().split('\n')
        restored = agent.as_json(lines[-1])
        if out.returncode or not isinstance(restored, dict):
            raise agent.Fail(out.stderr.decode('utf-8', 'replace').strip()[-1000:] or 'restore: exit code %d' % out.returncode)
        # What spotbox_train.restored() reads, as after the editor's restore.
        write_atomically(os.path.join(STATE_DIR, 'restored.json'), lines[-1] + '\n')
        seq, step = restored.get('seq'), restored.get('step')
        event('restored', seq=seq, step=step, files=restored.get('files'), bytes=restored.get('bytes'),
              checkpointCreatedAt=restored.get('createdAt'), sourceInstance=restored.get('sourceInstance'))
        stage = 'session'
        tmux, working_dir = ['tmux', '-S', SESSION_SOCKET], home(boot_cfg['workingDir'])
        session = 'already-running'
        if subprocess.run(tmux + ['has-session', '-t', SESSION_NAME], capture_output=True, timeout=20).returncode:
            os.makedirs(working_dir, exist_ok=True)
            # startSessionOnBox's words: tmux runs them with no shell between it and the runner, the command as one word.
            out = subprocess.run(tmux + ['new-session', '-d', '-s', SESSION_NAME, '-c', working_dir, 'python3', os.path.join(STATE_DIR, 'spotbox_session.py'), 'run', '--', boot_cfg['command']],
                                 stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
            if out.returncode:
                raise agent.Fail('tmux: ' + (out.stderr.decode('utf-8', 'replace').strip()[-500:] or 'exit code %d' % out.returncode))
            session = 'started'
        return event('resumed', seq=seq, step=step, session=session, handoff=handoff)
    except Exception as e:
        return event('failed', stage=stage, error='%s: %s' % (type(e).__name__, e))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ['run']:
        command = argv[2:] if argv[1:2] == ['--'] else argv[1:]
        if len(command) != 1:
            sys.stderr.write('usage: spotbox_session.py run -- COMMAND\n')
            return 2
        return run(command[0])
    if argv[:1] == ['deliver'] and len(argv) in (2, 3):
        report = deliver(*argv[1:])
        print(json.dumps(report))
        return 0 if report.get('pids') else 1 if report.get('error') else 3
    if argv[:1] == ['restore']:
        import argparse
        parser = argparse.ArgumentParser(prog='spotbox_session.py restore')
        parser.add_argument('--config', default='~/.spotbox/agent.json')
        parser.add_argument('--seq', type=int)
        parser.add_argument('--dest-files', required=True)
        parser.add_argument('--dest-workspace', required=True)
        args = parser.parse_args(argv[1:])
        agent = agent_module()
        try:
            print(json.dumps(restore(args.config, args.seq, args.dest_files, args.dest_workspace)))
        except agent.Fail as e:
            sys.stderr.write('spotbox restore: %s\n' % e)
            return 1
        return 0
    sys.stderr.write('usage: spotbox_session.py run -- COMMAND | deliver SIGNAL [PID_FILE] | restore ...\n')
    return 2


if __name__ == '__main__':
    sys.exit(main())
