"""The session runner and its signal delivery (resources/agent/spotbox_session.py), with real processes."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

AGENT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'resources', 'agent')
sys.path.insert(0, AGENT_DIR)
import spotbox_session as session  # noqa: E402

# An ordinary script: handles SIGTERM the usual way (flag, save at the end of the step, exit) and
# SIGUSR1 as "save now"; no process-group tricks, no pid file.
TRAINER = textwrap.dedent('''
    import os, signal, sys, time
    stop, save = [], []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGUSR1, lambda *_: save.append(1))
    print('started', flush=True)
    while not stop:
        time.sleep(0.05)
        if save:
            del save[:]
            print('saved on SIGUSR1', flush=True)
    print('saved on SIGTERM and stopping', flush=True)
''')
# A script that handles nothing and saves on its own.
UNHANDLED = 'import time\nprint("started", flush=True)\nwhile True: time.sleep(0.05)\n'
# A trainer with a worker child that handles SIGTERM itself (as a DataLoader worker does): only
# the trainer may be signalled.
WITH_WORKER = textwrap.dedent('''
    import os, signal, sys, time
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    worker = os.fork()
    if worker == 0:
        signal.signal(signal.SIGTERM, lambda *_: (print('worker got SIGTERM', flush=True), os._exit(9)))
        while True: time.sleep(0.05)
    print('started', flush=True)
    while not stop: time.sleep(0.05)
    os.kill(worker, signal.SIGKILL); os.waitpid(worker, 0)
    print('saved on SIGTERM and stopping', flush=True)
''')


def wait_for(what, check, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError('timed out waiting for ' + what)


class RunnerCase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='spotbox-session-')
        self.state = os.path.join(self.dir, 'state')
        for name, text in (('train.py', TRAINER), ('unhandled.py', UNHANDLED), ('worker.py', WITH_WORKER)):
            with open(os.path.join(self.dir, name), 'w') as f:
                f.write(text)
        with open(os.path.join(self.dir, 'run.sh'), 'w') as f:
            f.write('#!/bin/sh\necho "from the script"\n%s train.py\necho "after python"\n' % sys.executable)
        self.env = dict(os.environ, SPOTBOX_STATE_DIR=self.state, SHELL='/bin/sh')
        self.runner, self.pane = None, None

    def tearDown(self):
        if self.runner and self.runner.poll() is None:
            os.killpg(self.runner.pid, signal.SIGKILL)
        if self.runner:
            self.runner.wait()
            for stream in (self.runner.stderr, self.pane):
                if stream:
                    stream.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, command):
        # Its own group here only so tearDown can clean up; tmux gives the pane one the same way.
        self.pane = open(os.path.join(self.dir, 'pane.log'), 'w')
        self.runner = subprocess.Popen([sys.executable, '-B', os.path.join(AGENT_DIR, 'spotbox_session.py'), 'run', '--', command],
                                       cwd=self.dir, env=self.env, stdout=self.pane, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        wait_for('the pid file', lambda: os.path.exists(os.path.join(self.state, 'session.pid')))
        wait_for('the command to start', lambda: 'started' in self.log())

    def log(self, name='pane.log'):
        try:
            with open(os.path.join(self.dir, name)) as f:
                return f.read()
        except OSError:
            return ''

    def deliver(self, name):
        out = subprocess.run([sys.executable, '-B', os.path.join(AGENT_DIR, 'spotbox_session.py'), 'deliver', name, os.path.join(self.state, 'session.pid')],
                             env=self.env, capture_output=True, text=True, timeout=20)
        return out.returncode, json.loads(out.stdout)

    def assert_saved_and_ended(self, log='pane.log'):
        self.assertEqual(self.runner.wait(timeout=15), 0)
        self.assertIn('saved on SIGTERM and stopping', self.log(log))
        self.assertFalse(os.path.exists(os.path.join(self.state, 'session.pid')), 'the runner removes its pid file when the session ends')

    def test_plain_script_gets_the_signal_and_the_runner_survives_it(self):
        self.start('%s train.py' % sys.executable)
        code, report = self.deliver('SIGUSR1')
        self.assertEqual(code, 0, report)
        self.assertEqual(len(report['pids']), 1)
        self.assertIn('train.py', report['commands'][0])
        wait_for('the save', lambda: 'saved on SIGUSR1' in self.log())
        self.assertIsNone(self.runner.poll(), 'a periodic checkpoint signal ends nothing')
        self.assertEqual(self.deliver('SIGTERM')[0], 0)
        self.assert_saved_and_ended()

    def test_pipeline_only_the_trainer_is_signalled_and_tee_keeps_its_output(self):
        self.start('%s -u train.py 2>&1 | tee train.log' % sys.executable)
        code, report = self.deliver('SIGTERM')
        self.assertEqual(code, 0, report)
        self.assertEqual([c.split()[-1] for c in report['commands']], ['train.py'])
        self.assert_saved_and_ended('train.log')

    def test_shell_script_that_runs_python(self):
        self.start('sh run.sh')
        code, report = self.deliver('SIGTERM')
        self.assertEqual(code, 0, report)
        self.assertTrue(report['commands'][0].endswith('train.py'), report)
        self.assert_saved_and_ended()
        self.assertIn('after python', self.log(), 'the script went on after its python step: the shell was not killed')

    def test_a_script_that_handles_no_signal_is_never_sent_one(self):
        self.start('%s unhandled.py' % sys.executable)
        for name in ('SIGUSR1', 'SIGTERM'):
            code, report = self.deliver(name)
            self.assertEqual((code, report['pids']), (3, []), report)
            self.assertEqual(len(report['unhandled']), 1)
        time.sleep(0.3)
        self.assertIsNone(self.runner.poll(), 'still training')

    def test_a_trainers_own_children_are_not_signalled(self):
        self.start('%s worker.py' % sys.executable)
        code, report = self.deliver('SIGTERM')
        self.assertEqual((code, len(report['pids'])), (0, 1), report)
        self.assert_saved_and_ended()
        self.assertNotIn('worker got SIGTERM', self.log())

    def test_no_session_and_a_stale_pid_file_are_refused(self):
        os.makedirs(self.state)
        pid_file = os.path.join(self.state, 'session.pid')
        self.assertIn('no training session', session.deliver('SIGTERM', pid_file)['error'])
        with open(pid_file, 'w') as f:
            f.write('%d\n' % os.getpid())  # alive, but not a runner
        self.assertIn('not a Spotbox session runner', session.deliver('SIGTERM', pid_file)['error'])
        with open(pid_file, 'w') as f:
            f.write('1\n')
        self.assertIn('not a Spotbox session runner', session.deliver('SIGTERM', pid_file)['error'])

    def test_exit_code_of_the_command_is_the_runners(self):
        self.runner = subprocess.Popen([sys.executable, '-B', os.path.join(AGENT_DIR, 'spotbox_session.py'), 'run', '--', 'exit 7'], env=self.env, stderr=subprocess.PIPE)
        self.assertEqual(self.runner.wait(timeout=10), 7)


class TreeCase(unittest.TestCase):
    def test_program_names(self):
        self.assertEqual(session.program_of(['/usr/bin/python3', '-u', 'train.py']), 'train.py')
        self.assertEqual(session.program_of(['python3', '-m', 'torch.distributed.run', '--nproc_per_node', '2', 'train.py']), 'torch.distributed.run')
        self.assertEqual(session.program_of(['/usr/bin/python3', '/usr/bin/torchrun', 'train.py']), 'torchrun')
        self.assertEqual(session.program_of(['python3.11', '-W', 'ignore', 'x.py']), 'x.py')

    def test_kinds(self):
        self.assertEqual(session.kind_of(['/bin/bash', '-c', 'python train.py | tee log']), 'plumbing')
        self.assertEqual(session.kind_of(['tee', 'log']), 'plumbing')
        self.assertEqual(session.kind_of(['/usr/bin/python3', '/usr/bin/torchrun', 'train.py']), 'launcher')
        self.assertEqual(session.kind_of(['/usr/bin/python3', '/usr/local/bin/accelerate', 'launch', 'train.py']), 'launcher')
        self.assertEqual(session.kind_of(['python', '-u', '-m', 'deepspeed.launcher.launch', '--world_info=x']), 'launcher')
        self.assertEqual(session.kind_of(['/usr/bin/python3', 'train.py']), 'trainer')
        self.assertEqual(session.kind_of(['./my_binary']), 'trainer')
        self.assertEqual(session.kind_of([]), 'plumbing')

    def test_launchers_are_passed_through_to_their_workers(self):
        table = {
            10: (1, ['spotbox_session.py']),
            11: (10, ['/bin/sh', '-c', 'torchrun train.py']),
            12: (11, ['/usr/bin/python3', '/usr/bin/torchrun', 'train.py']),
            13: (12, ['/usr/bin/python3', '-u', 'train.py']),
            14: (12, ['/usr/bin/python3', '-u', 'train.py']),
            15: (13, ['/usr/bin/python3', '-u', 'train.py']),  # rank 0's DataLoader worker
        }
        handled = {12, 13, 14, 15}
        self.assertEqual(session.delivery_targets(10, signal.SIGTERM, table, lambda pid, _: pid in handled), ([13, 14], []))
        self.assertEqual(session.delivery_targets(10, signal.SIGUSR1, table, lambda pid, _: pid == 14), ([14], [13]))


if __name__ == '__main__':
    unittest.main()
