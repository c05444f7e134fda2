"""Headless resume (issue 12): the handoff marker on a notice, and a replacement box's boot restore."""
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
from unittest import mock
from xml.sax.saxutils import escape

from assembled_agent import AGENT_DIR, assembled_agent_dir, import_agent

agent = import_agent()
from fake_http import QuietHandler, serve  # noqa: E402


class FakeCloud(QuietHandler):
    """IMDSv2 and an S3 that keeps objects (path style, ListObjectsV2 with a delimiter) on one port."""
    objects = {}
    puts = []
    action = None
    fail_puts = False
    on_put = None

    def split(self):
        url = urllib.parse.urlsplit(self.path)
        key = urllib.parse.unquote(url.path).split('/', 2)[2:]
        return (key[0] if key else None), dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))

    def do_PUT(self):
        body = self.rfile.read(int(self.headers.get('content-length') or 0))
        if self.path == '/latest/api/token':
            return self.reply(200, b'token')
        key, _ = self.split()
        if FakeCloud.on_put:
            FakeCloud.on_put(key)
        if FakeCloud.fail_puts:
            return self.reply(503, b'<Error><Code>SlowDown</Code></Error>')
        FakeCloud.puts.append((key, dict((k.lower(), v) for k, v in self.headers.items())))
        source = self.headers.get('x-amz-copy-source')
        FakeCloud.objects[key] = FakeCloud.objects[urllib.parse.unquote(source).split('/', 2)[2]] if source else body
        self.reply(200)

    def do_GET(self):
        if self.path.startswith('/latest/'):
            answers = {'/latest/meta-data/instance-id': b'i-new', '/latest/meta-data/spot/instance-action': FakeCloud.action,
                       '/latest/dynamic/instance-identity/document': json.dumps({'accountId': '210987654321'}).encode()}
            answer = answers.get(self.path)
            return self.reply(200, answer) if answer else self.reply(404)
        key, query = self.split()
        if key is not None:
            data = FakeCloud.objects.get(key)
            return self.reply(404, b'<Error><Code>NoSuchKey</Code></Error>') if data is None else self.reply(200, data)
        prefix, delimiter = query.get('prefix', ''), query.get('delimiter')
        keys, prefixes = [], set()
        for name in sorted(FakeCloud.objects):
            if name.startswith(prefix):
                rest = name[len(prefix):]
                if delimiter and delimiter in rest:
                    prefixes.add(prefix + rest.split(delimiter)[0] + delimiter)
                else:
                    keys.append(name)
        body = '<ListBucketResult><IsTruncated>false</IsTruncated>%s%s</ListBucketResult>' % (
            ''.join('<Contents><Key>%s</Key></Contents>' % escape(k) for k in keys),
            ''.join('<CommonPrefixes><Prefix>%s</Prefix></CommonPrefixes>' % escape(p) for p in sorted(prefixes)))
        self.reply(200, body.encode())

    def do_POST(self):
        self.rfile.read(int(self.headers.get('content-length') or 0))
        self.reply(200, b'<DeleteResult></DeleteResult>')


def events(journal, kind=None):
    return [e for e in agent.read_journal(journal) if kind is None or e['type'] == kind]


class BootTestCase(unittest.TestCase):
    def setUp(self):
        self.url = serve(self, FakeCloud)
        FakeCloud.objects, FakeCloud.puts, FakeCloud.action, FakeCloud.fail_puts, FakeCloud.on_put = {}, [], None, False, None
        self.tmp = tempfile.mkdtemp(prefix='spotbox-boot-')
        self.home = os.path.join(self.tmp, 'home')
        self.state = os.path.join(self.home, '.spotbox')
        os.makedirs(self.state)
        env = mock.patch.dict(os.environ, {'HOME': self.home, 'AWS_ACCESS_KEY_ID': 'AKIDEXAMPLE', 'AWS_SECRET_ACCESS_KEY': 'secret', 'SHELL': '/bin/sh'})
        env.start()
        os.environ.pop('SPOTBOX_STATE_DIR', None)
        self.addCleanup(env.stop)
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def config(self, **boot):
        """agent.json of the new box, written where the agent reads it, with the agent and the session tools
        installed beside it, as the user data's bootstrap does (test_bootstrap.py)."""
        raw = {'session': 'run-1', 'bucket': 'ckpt', 'prefix': 'sb', 'region': 'us-east-1', 'checkpointDir': '~/checkpoints',
               'workspaceDir': '~/workspace', 'imdsEndpoint': self.url, 's3Endpoint': self.url, 'uploadAttempts': 1,
               'boot': dict({'command': 'echo resumed > ~/resumed.txt; sleep 60', 'workingDir': '~/workspace'}, **boot)}
        path = os.path.join(self.state, 'agent.json')
        with open(path, 'w') as f:
            json.dump(raw, f)
        for name, where in (('spotbox_agent.py', ''), ('spotbox_bootstrap.py', ''), ('spotbox_session.py', ''), ('spotbox_train.py', 'python')):
            os.makedirs(os.path.join(self.state, where), exist_ok=True)
            shutil.copy(os.path.join(assembled_agent_dir() if name == 'spotbox_agent.py' else AGENT_DIR, name), os.path.join(self.state, where))
        return agent.load_config(path)

    def s3(self, cfg):
        return agent.S3(cfg, agent.Metadata(cfg))

    def checkpoint(self, cfg, step, instance='i-old'):
        """A complete checkpoint taken by a previous box of the lineage."""
        old = dict(cfg, checkpointDir=os.path.join(self.tmp, 'old', 'ckpt'), workspaceDir=os.path.join(self.tmp, 'old', 'ws'),
                   journal=os.path.join(self.tmp, 'old', 'journal.jsonl'))
        for folder, name, text in ((old['checkpointDir'], 'progress.json', json.dumps({'step': step})), (old['workspaceDir'], 'train.py', 'print(1)\n')):
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, name), 'w') as f:
                f.write(text)
        manifest = agent.take_checkpoint(old, self.s3(cfg), agent.Journal(old['journal']), 'notice', instance)
        self.assertIsNotNone(manifest, events(old['journal']))
        return manifest

    def tmux(self, *args):
        return subprocess.run(['tmux', '-S', os.path.join(self.state, 'tmux.sock')] + list(args), capture_output=True, text=True)

    def boot(self, cfg, **clock):
        return agent.boot_restore(cfg, self.s3(cfg), agent.Journal(cfg['journal']), 'i-new', **clock)

    def phases(self, cfg):
        return [e['phase'] for e in events(cfg['journal'], 'boot-restore')]


class HandoffTest(BootTestCase):
    def daemon(self):
        cfg = self.config()
        del cfg['boot']
        daemon = agent.Daemon(cfg)
        daemon.instance, daemon.last_step = 'i-old', 1200
        return cfg, daemon

    def test_the_marker_is_in_s3_before_the_notice_is_journalled(self):
        cfg, daemon = self.daemon()
        seen = []
        FakeCloud.on_put = lambda key: seen.append((key, [e['type'] for e in events(cfg['journal'])]))
        FakeCloud.action = json.dumps({'action': 'terminate', 'time': '2030-01-01T00:02:00Z'}).encode()
        daemon.poll_metadata()
        self.assertEqual(seen, [('sb/run-1/handoff.json', [])])
        doc = json.loads(FakeCloud.objects['sb/run-1/handoff.json'])
        self.assertEqual((doc['instanceId'], doc['actionTime'], doc['step']), ('i-old', '2030-01-01T00:02:00Z', 1200))
        self.assertLess(abs(agent.parse_time(doc['noticeTime']) - time.time()), 5)
        # The same client as checkpoints: signed, with the expected bucket owner.
        headers = FakeCloud.puts[0][1]
        self.assertEqual(headers['x-amz-expected-bucket-owner'], '210987654321')
        self.assertIn('x-amz-expected-bucket-owner', headers['authorization'])
        self.assertEqual([e['type'] for e in events(cfg['journal'])], ['notice'])
        self.assertEqual(daemon.pending[0][0], 'notice')

    def test_a_failed_marker_is_a_warning_and_costs_a_few_seconds_at_most(self):
        cfg, daemon = self.daemon()
        FakeCloud.fail_puts = True
        FakeCloud.action = json.dumps({'action': 'terminate', 'time': '2030-01-01T00:02:00Z'}).encode()
        started = time.time()
        daemon.poll_metadata()
        self.assertLess(time.time() - started, 5)
        journal = events(cfg['journal'])
        self.assertEqual([(e['type'], e.get('code')) for e in journal], [('warning', 'handoff-failed'), ('notice', None)])
        self.assertEqual(daemon.pending[0][0], 'notice')

    def test_a_box_still_restoring_writes_no_marker_and_takes_no_checkpoint(self):
        cfg, daemon = self.daemon()
        daemon.booting = True
        FakeCloud.action = json.dumps({'action': 'terminate', 'time': '2030-01-01T00:02:00Z'}).encode()
        daemon.poll_metadata()
        self.assertNotIn('sb/run-1/handoff.json', FakeCloud.objects)
        daemon.checkpoint('notice', None, time.time() + 60, threading.Event())
        self.assertEqual([e['type'] for e in events(cfg['journal'])], ['notice', 'checkpoint-failed'])

    def test_the_marker_and_the_tools_folder_are_not_checkpoints(self):
        cfg = self.config()
        self.checkpoint(cfg, 5)
        FakeCloud.objects['sb/run-1/handoff.json'] = b'{}'
        FakeCloud.objects['sb/run-1/tools/%s/x.py' % ('a' * 64)] = b''
        FakeCloud.objects['sb/run-1/000123notaseq/x'] = b''
        s3 = self.s3(cfg)
        self.assertEqual(sorted(agent.seq_folders(s3, 'sb/run-1/')), [1])
        agent.prune(s3, 'sb/run-1/', 1, 1, agent.Journal(cfg['journal']))
        self.assertIn('sb/run-1/handoff.json', FakeCloud.objects)


class BootRestoreTest(BootTestCase):
    def tearDown(self):
        self.tmux('kill-server')

    def test_restores_the_newest_checkpoint_and_starts_the_session_once(self):
        cfg = self.config()
        self.checkpoint(cfg, 100)
        newest = self.checkpoint(cfg, 200)
        outcome = self.boot(cfg)
        self.assertEqual(outcome['phase'], 'resumed', events(cfg['journal']))
        self.assertEqual(self.phases(cfg), ['started', 'restored', 'resumed'])
        started, restored, resumed = events(cfg['journal'], 'boot-restore')
        self.assertEqual((started['instance'], started['session']), ('i-new', 'run-1'))
        self.assertEqual((restored['seq'], restored['step'], restored['files'], restored['checkpointCreatedAt'], restored['sourceInstance']),
                         (2, 200, 2, newest['createdAt'], 'i-old'))
        self.assertEqual((resumed['seq'], resumed['step'], resumed['session']), (2, 200, 'started'))
        self.assertNotIn('handoff', resumed)
        with open(os.path.join(self.home, 'checkpoints', 'progress.json')) as f:
            self.assertEqual(json.load(f), {'step': 200})
        self.assertTrue(os.path.isfile(os.path.join(self.home, 'workspace', 'train.py')))
        with open(os.path.join(self.state, 'restored.json')) as f:
            self.assertEqual(json.load(f)['seq'], 2)
        for path in ('spotbox_session.py', 'python/spotbox_train.py'):
            self.assertEqual(oct(os.stat(os.path.join(self.state, path)).st_mode & 0o777), '0o644')
        # The session runs in Spotbox's tmux, its pane's process the session runner, in the working dir.
        self.assertEqual(self.tmux('has-session', '-t', 'spotbox').returncode, 0)
        pane = self.tmux('list-panes', '-t', 'spotbox', '-F', '#{pane_current_path} #{pane_start_command}').stdout
        self.assertIn(os.path.join(self.home, 'workspace'), pane)
        self.assertIn('spotbox_session.py run --', pane)
        deadline = time.time() + 10
        while not os.path.exists(os.path.join(self.home, 'resumed.txt')) and time.time() < deadline:
            time.sleep(0.1)
        self.assertTrue(os.path.exists(os.path.join(self.home, 'resumed.txt')), 'the command ran')
        with open(os.path.join(self.state, 'boot-done')) as f:
            self.assertEqual(json.load(f)['phase'], 'resumed')
        # A restarted agent does not restore again.
        self.assertIsNone(self.boot(cfg))
        self.assertEqual(self.phases(cfg), ['started', 'restored', 'resumed'])

    def test_a_session_already_running_is_not_started_twice(self):
        cfg = self.config()
        self.checkpoint(cfg, 1)
        self.tmux('new-session', '-d', '-s', 'spotbox', 'sleep 60')
        self.assertEqual(self.boot(cfg)['session'], 'already-running')

    def test_without_the_session_runner_it_fails_once_and_starts_nothing(self):
        cfg = self.config()
        self.checkpoint(cfg, 1)
        os.unlink(os.path.join(self.state, 'spotbox_session.py'))  # The bootstrap did not install it.
        outcome = self.boot(cfg)
        self.assertEqual((outcome['phase'], outcome['stage']), ('failed', 'tools'))
        self.assertIn('spotbox_session.py', outcome['error'])
        self.assertEqual(self.phases(cfg), ['started', 'failed'])
        self.assertNotEqual(self.tmux('has-session', '-t', 'spotbox').returncode, 0)
        with open(os.path.join(self.state, 'boot-done')) as f:
            self.assertEqual(json.load(f)['phase'], 'failed')

    def test_without_a_checkpoint_no_session_is_started(self):
        cfg = self.config()
        outcome = self.boot(cfg)
        self.assertEqual(outcome['phase'], 'no-checkpoint')
        self.assertEqual(self.phases(cfg), ['started', 'no-checkpoint'])
        self.assertNotEqual(self.tmux('has-session', '-t', 'spotbox').returncode, 0)
        self.assertTrue(os.path.exists(os.path.join(self.state, 'boot-done')))

    def test_waits_for_the_predecessors_notice_checkpoint(self):
        cfg = self.config(handoffGraceSeconds=30)
        self.checkpoint(cfg, 100)
        notice = time.time() + 3
        FakeCloud.objects['sb/run-1/handoff.json'] = json.dumps({
            'instanceId': 'i-old', 'noticeTime': time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(notice)) + '.000Z',
            'actionTime': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(notice + 120)), 'step': 150}).encode()
        sleeps = []

        def sleep(seconds):
            sleeps.append(seconds)
            if len(sleeps) == 3:
                time.sleep(max(0, notice - time.time()))
                self.checkpoint(cfg, 160)
        outcome = self.boot(cfg, sleep=sleep)
        self.assertEqual(len(sleeps), 3)
        self.assertEqual(self.phases(cfg), ['started', 'waiting-handoff', 'restored', 'resumed'])
        waiting, resumed = events(cfg['journal'], 'boot-restore')[1], outcome
        self.assertEqual((waiting['from'], waiting['actionTime']), ('i-old', json.loads(FakeCloud.objects['sb/run-1/handoff.json'])['actionTime']))
        self.assertIn('noticeTime', waiting)
        self.assertIn('until', waiting)
        self.assertEqual((resumed['seq'], resumed['step']), (2, 160))
        self.assertEqual(resumed['handoff']['from'], 'i-old')
        self.assertTrue(resumed['handoff']['arrived'])

    def test_the_wait_is_capped_at_300_seconds_whatever_the_marker_says(self):
        cfg = self.config(handoffGraceSeconds=10 ** 9)
        self.checkpoint(cfg, 100)
        now = [time.time()]
        FakeCloud.objects['sb/run-1/handoff.json'] = json.dumps({
            'instanceId': 'i-old', 'noticeTime': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(now[0] + 10)), 'actionTime': '2100-01-01T00:00:00Z'}).encode()

        def sleep(seconds):
            now[0] += seconds
        outcome = self.boot(cfg, clock=lambda: now[0], sleep=sleep)
        self.assertAlmostEqual(now[0] - time.time(), 300, delta=5)
        self.assertEqual(outcome['phase'], 'resumed')
        self.assertEqual((outcome['seq'], outcome['handoff']['arrived']), (1, False))

    def test_an_old_marker_or_its_own_is_not_waited_for(self):
        cfg = self.config()
        self.checkpoint(cfg, 100)
        FakeCloud.objects['sb/run-1/handoff.json'] = json.dumps({
            'instanceId': 'i-old', 'noticeTime': '2020-01-01T00:00:00Z', 'actionTime': '2020-01-01T00:02:00Z'}).encode()
        self.assertEqual(self.boot(cfg)['phase'], 'resumed')
        self.assertEqual(self.phases(cfg), ['started', 'restored', 'resumed'])

    def test_the_daemon_restores_in_a_thread_and_takes_no_checkpoint_meanwhile(self):
        cfg = self.config()
        self.checkpoint(cfg, 7)
        cfg['pollSeconds'] = 0.2
        daemon = agent.Daemon(cfg)
        threading.Thread(target=daemon.run, daemon=True).start()
        deadline = time.time() + 30
        while 'resumed' not in self.phases(cfg) and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(self.phases(cfg), ['started', 'restored', 'resumed'])
        self.assertEqual(events(cfg['journal'], 'boot-restore')[0]['instance'], 'i-new')
        time.sleep(0.5)
        self.assertFalse(daemon.booting)


if __name__ == '__main__':
    unittest.main()
