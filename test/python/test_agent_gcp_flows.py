"""The agent's flows on Google Cloud (cloud "gcp"), as one assembled file against a fake metadata server and Cloud
Storage: checkpoints with the manifest written last, a restore, a notice's handoff and checkpoint, and a boot restore."""
import json
import os
import shutil
import subprocess
import unittest
from unittest import mock

from agent_home import AgentHomeTest, agent, events
from assembled_agent import AGENT_DIR, assembled_agent_dir
from fake_google import FakeGoogle
from fake_http import serve


class GcpFlows(AgentHomeTest):
    def setUp(self):
        FakeGoogle.reset()
        self.url = serve(self, FakeGoogle)
        self.make_home('spotbox-gcp-', {'GCE_METADATA_HOST': self.url[len('http://'):]}, unset=('STORAGE_EMULATOR_HOST',))
        FakeGoogle.set('instance/id', '1234567890')
        FakeGoogle.set('instance/preempted', 'FALSE')
        FakeGoogle.set('instance/maintenance-event', 'NONE')

    def config(self, **fields):
        return self.write_config(dict({'cloud': 'gcp', 'session': 'run-1', 'bucket': 'ckpt', 'prefix': 'sb', 'checkpointDir': '~/checkpoints',
                                       'workspaceDir': '~/workspace', 'gcsEndpoint': self.url, 'uploadAttempts': 2}, **fields))

    def storage(self, cfg):
        return agent.cloud_for(cfg).storage()

    def test_checkpoints_go_to_gcs_with_the_manifest_last_and_restore_back(self):
        cfg = self.config()
        big = os.urandom(3 * (256 << 10) + 7)
        self.write('checkpoints/model.pt', big)
        self.write('checkpoints/progress.json', b'{"step": 40}')
        self.write('workspace/train.py', b'print(1)\n')
        journal = agent.Journal(cfg['journal'])
        with mock.patch.object(agent, 'PART', 256 << 10):
            first = agent.take_checkpoint(cfg, self.storage(cfg), journal, 'periodic', 'i-1')
            self.write('checkpoints/progress.json', b'{"step": 80}')
            second = agent.take_checkpoint(cfg, self.storage(cfg), journal, 'periodic', 'i-1')
        self.assertEqual((first['seq'], second['seq'], second['step']), (1, 2, 80))
        uploads = [r[2].get('name') for r in FakeGoogle.requests if r[1] == '/upload/storage/v1/b/ckpt/o']
        self.assertEqual(uploads[-1], 'sb/run-1/000002/manifest.json', 'the manifest is the last object written')
        manifest = json.loads(FakeGoogle.objects['sb/run-1/000002/manifest.json'])
        self.assertTrue(agent.valid_manifest(manifest, 2))
        self.assertEqual(manifest, second)
        copies = [r[1] for r in FakeGoogle.requests if '/copyTo/' in r[1]]
        self.assertEqual(len(copies), 2, 'the unchanged model and train.py are copied, not uploaded again')
        committed = events(cfg['journal'], 'checkpoint-committed')
        self.assertEqual([(e['seq'], e['copied']) for e in committed], [(1, 0), (2, 2)])
        self.assertEqual(FakeGoogle.problems, [])
        # The session runner's restore, on the same client.
        import runpy
        session = runpy.run_path(os.path.join(AGENT_DIR, 'spotbox_session.py'))
        with mock.patch.object(agent, 'PART', 256 << 10):
            result = session['restore_checkpoint'](agent, cfg, None, os.path.join(self.tmp, 'files'), os.path.join(self.tmp, 'ws'))
        self.assertEqual((result['seq'], result['step'], result['files']), (2, 80, 3))
        with open(os.path.join(self.tmp, 'files', 'model.pt'), 'rb') as f:
            self.assertEqual(f.read(), big)
        ranged = [r for r in FakeGoogle.requests if r[0] == 'GET' and 'model.pt' in r[1]]
        self.assertEqual(len(ranged), 4, 'a big file comes back in PART-sized ranges')

    def test_a_preemption_writes_the_handoff_then_the_notice_then_a_checkpoint(self):
        cfg = self.config(pollSeconds=0.2, idleReportSeconds=0, noticeMarginSeconds=0)
        self.write('checkpoints/progress.json', b'{"step": 5}')
        self.run_daemon(cfg)
        self.assertEqual(events(cfg['journal'], 'agent-started')[0]['instance'], '1234567890')
        FakeGoogle.set('instance/preempted', 'TRUE')
        self.wait_for(cfg, 'checkpoint-committed')
        notice = events(cfg['journal'], 'notice')
        self.assertEqual(len(notice), 1)
        self.assertEqual(notice[0]['action'], 'preempted')
        handoff = json.loads(FakeGoogle.objects['sb/run-1/handoff.json'])
        self.assertEqual((handoff['instanceId'], handoff['actionTime']), ('1234567890', notice[0]['actionTime']))
        committed = events(cfg['journal'], 'checkpoint-committed')
        self.assertEqual((committed[0]['reason'], committed[0]['step']), ('notice', 5), events(cfg['journal']))
        self.assertIn('sb/run-1/000001/manifest.json', FakeGoogle.objects)

    def test_a_replacement_vm_restores_itself_at_boot(self):
        cfg = self.config(boot={'command': 'echo resumed > ~/resumed.txt; sleep 30', 'workingDir': '~/workspace'})
        for name, where in (('spotbox_agent.py', ''), ('spotbox_bootstrap.py', ''), ('spotbox_session.py', ''), ('spotbox_train.py', 'python')):
            os.makedirs(os.path.join(self.state, where), exist_ok=True)
            shutil.copy(os.path.join(assembled_agent_dir() if name == 'spotbox_agent.py' else AGENT_DIR, name), os.path.join(self.state, where))
        old = dict(cfg, checkpointDir=os.path.join(self.tmp, 'old', 'ckpt'), workspaceDir=os.path.join(self.tmp, 'old', 'ws'), journal=os.path.join(self.tmp, 'old', 'journal.jsonl'))
        os.makedirs(old['checkpointDir'])
        os.makedirs(old['workspaceDir'])
        with open(os.path.join(old['checkpointDir'], 'progress.json'), 'w') as f:
            f.write('{"step": 300}')
        self.assertIsNotNone(agent.take_checkpoint(old, self.storage(cfg), agent.Journal(old['journal']), 'notice', 'old-vm'))
        tmux = ['tmux', '-S', os.path.join(self.state, 'tmux.sock')]
        self.addCleanup(subprocess.run, tmux + ['kill-server'], capture_output=True)
        outcome = agent.boot_restore(cfg, self.storage(cfg), agent.Journal(cfg['journal']), 'new-vm')
        self.assertEqual((outcome['phase'], outcome['seq'], outcome['step']), ('resumed', 1, 300), events(cfg['journal']))
        with open(os.path.join(self.home, 'checkpoints', 'progress.json')) as f:
            self.assertEqual(json.load(f), {'step': 300})


if __name__ == '__main__':
    unittest.main()
