"""The agent's flows on Azure (cloud "azure"), as one assembled file against a fake IMDS and Blob service: checkpoints
with the manifest written last and restored back, and a Preempt event's handoff, notice checkpoint and acknowledgement
(after the manifest, and never when the checkpoint fails)."""
import json
import os
import runpy
import time
import unittest
from unittest import mock

from agent_home import AgentHomeTest, agent, events
from assembled_agent import AGENT_DIR
from fake_azure import FakeAzure
from fake_http import serve


class AzureFlows(AgentHomeTest):
    def setUp(self):
        FakeAzure.reset()
        self.url = serve(self, FakeAzure)
        self.make_home('spotbox-azure-', {'AZURE_POD_IDENTITY_AUTHORITY_HOST': self.url})

    def config(self, **fields):
        return self.write_config(dict({'cloud': 'azure', 'session': 'run-1', 'container': 'ckpt', 'prefix': 'sb', 'checkpointDir': '~/checkpoints',
                                       'workspaceDir': '~/workspace', 'blobEndpoint': self.url + '/devstoreaccount1', 'uploadAttempts': 2}, **fields))

    def puts(self):
        """Names written, in order (a Put Block List counts as its blob's write; its blocks do not)."""
        return [r[1].split('/ckpt/', 1)[1] for r in FakeAzure.requests if r[0] == 'PUT' and '/ckpt/' in r[1] and r[2].get('comp') != 'block']

    def test_config_needs_the_blob_endpoint_and_container(self):
        with self.assertRaisesRegex(agent.Fail, 'blobEndpoint'):
            self.config(blobEndpoint=None)
        with self.assertRaisesRegex(agent.Fail, 'container'):
            self.config(container=None)
        cfg = self.config(blobEndpoint=None, storageAccount='acct')
        self.assertEqual(cfg['bucket'], 'ckpt')
        self.assertEqual(agent.cloud_for(cfg).storage().where('k'), 'https://acct.blob.core.windows.net/ckpt/k')

    def test_checkpoints_go_to_blob_storage_with_the_manifest_last_and_restore_back(self):
        cfg = self.config()
        big = os.urandom(3 * 4096 + 7)
        self.write('checkpoints/model.pt', big)
        self.write('checkpoints/progress.json', b'{"step": 40}')
        self.write('workspace/train.py', b'print(1)\n')
        journal = agent.Journal(cfg['journal'])
        with mock.patch.object(agent, 'PART', 4096):
            first = agent.take_checkpoint(cfg, agent.cloud_for(cfg).storage(), journal, 'periodic', 'vm-1')
            self.write('checkpoints/progress.json', b'{"step": 80}')
            second = agent.take_checkpoint(cfg, agent.cloud_for(cfg).storage(), journal, 'periodic', 'vm-1')
        self.assertEqual((first['seq'], second['seq'], second['step']), (1, 2, 80))
        self.assertEqual(self.puts()[-1], 'sb/run-1/000002/manifest.json', 'the manifest is the last blob written')
        self.assertEqual(len([r for r in FakeAzure.requests if r[2].get('comp') == 'block']), 4, 'the model went as 4 blocks')
        self.assertEqual(json.loads(FakeAzure.objects['sb/run-1/000002/manifest.json']), second)
        copies = [r for r in FakeAzure.requests if 'x-ms-copy-source' in r[3]]
        self.assertEqual(len(copies), 2, 'the unchanged model and train.py are copied, not uploaded again')
        self.assertEqual([(e['seq'], e['copied'], e['parts']) for e in events(cfg['journal'], 'checkpoint-committed')], [(1, 0, 4), (2, 2, 0)])
        self.assertEqual(FakeAzure.problems, [])
        session = runpy.run_path(os.path.join(AGENT_DIR, 'spotbox_session.py'))
        with mock.patch.object(agent, 'PART', 4096):
            result = session['restore_checkpoint'](agent, cfg, None, os.path.join(self.tmp, 'files'), os.path.join(self.tmp, 'ws'))
        self.assertEqual((result['seq'], result['step'], result['files']), (2, 80, 3))
        with open(os.path.join(self.tmp, 'files', 'model.pt'), 'rb') as f:
            self.assertEqual(f.read(), big)

    def test_a_preempt_event_brings_the_handoff_the_notice_checkpoint_then_the_acknowledgement(self):
        cfg = self.config(pollSeconds=0.2, idleReportSeconds=0, noticeMarginSeconds=0, quietSeconds=0.2)
        self.write('checkpoints/progress.json', b'{"step": 5}')
        self.run_daemon(cfg)
        self.assertEqual(events(cfg['journal'], 'agent-started')[0]['instance'], FakeAzure.compute['vmId'])
        deadline = time.time() + 5
        while not FakeAzure.scheduled_calls and time.time() < deadline:
            time.sleep(0.05)
        self.assertGreaterEqual(FakeAzure.scheduled_calls, 1, 'Scheduled Events is called at agent start')
        self.assertEqual(FakeAzure.token_requests, 1, 'the storage token is fetched at start, not when the notice comes')
        FakeAzure.add_event('Preempt', not_before=time.time() + 10, event_id='E-1')
        acknowledged = self.wait_for(cfg, 'notice-acknowledged')
        self.assertEqual(acknowledged[0]['eventIds'], ['E-1'], events(cfg['journal']))
        notice = events(cfg['journal'], 'notice')
        self.assertEqual(len(notice), 1)
        self.assertEqual(notice[0]['action'], 'preempt')
        handoff = json.loads(FakeAzure.objects['sb/run-1/handoff.json'])
        self.assertEqual((handoff['instanceId'], handoff['actionTime']), (FakeAzure.compute['vmId'], notice[0]['actionTime']))
        committed = events(cfg['journal'], 'checkpoint-committed')
        self.assertEqual((committed[0]['reason'], committed[0]['step']), ('notice', 5))
        written = [r[0] for r in FakeAzure.requests if (r[0] == 'PUT' and r[1].endswith('/000001/manifest.json')) or r[0] == 'POST']
        self.assertEqual(written, ['PUT', 'POST'], 'acknowledged once, after the manifest is in')
        self.assertEqual(FakeAzure.started, ['E-1'])
        self.assertEqual(FakeAzure.problems, [])

    def test_a_failed_notice_checkpoint_is_not_acknowledged(self):
        # No checkpoint folder: the notice checkpoint fails, and Azure must be left to wait for NotBefore.
        cfg = self.config(pollSeconds=0.2, idleReportSeconds=0, noticeMarginSeconds=0)
        self.run_daemon(cfg)
        FakeAzure.add_event('Preempt', not_before=time.time() + 10, event_id='E-2')
        failed = self.wait_for(cfg, 'checkpoint-failed')
        self.assertEqual(failed[0]['reason'], 'notice')
        time.sleep(1.5)
        self.assertEqual(FakeAzure.started, [])
        self.assertEqual([r for r in FakeAzure.requests if r[0] == 'POST'], [])
        self.assertEqual(events(cfg['journal'], 'notice-acknowledged'), [])

    def test_a_refused_acknowledgement_is_a_warning_and_the_checkpoint_stands(self):
        cfg = self.config(pollSeconds=0.2, idleReportSeconds=0, noticeMarginSeconds=0, quietSeconds=0.2)
        self.write('checkpoints/progress.json', b'{"step": 9}')
        FakeAzure.fail['events-post'] = [400]
        self.run_daemon(cfg)
        FakeAzure.add_event('Preempt', not_before=time.time() + 6, event_id='E-3')
        deadline, warnings = time.time() + 30, []
        while not warnings and time.time() < deadline:
            time.sleep(0.1)
            warnings = [w for w in events(cfg['journal'], 'warning') if w['code'] == 'acknowledge-failed']
        self.assertEqual(len(warnings), 1, events(cfg['journal']))
        self.assertIn('E-3: HTTP 400', warnings[0]['message'])
        self.assertEqual(events(cfg['journal'], 'checkpoint-committed')[0]['reason'], 'notice')
        self.assertEqual(events(cfg['journal'], 'notice-acknowledged'), [])


if __name__ == '__main__':
    unittest.main()
