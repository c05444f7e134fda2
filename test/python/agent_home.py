"""What the tests of the assembled agent's flows on one cloud share (test_agent_gcp_flows.py, test_agent_azure_flows.py):
a box's home folder with ~/.spotbox, the agent's config written there, the trainer's files, the journal read back and a
daemon started in a thread."""
import json
import os
import shutil
import tempfile
import threading
import time
import unittest
from unittest import mock

from assembled_agent import import_agent

agent = import_agent()


def events(journal, kind=None):
    return [e for e in agent.read_journal(journal) if kind is None or e['type'] == kind]


class AgentHomeTest(unittest.TestCase):
    def make_home(self, prefix, environment, unset=()):
        """A fresh temporary folder (self.tmp) holding the box's home (self.home) and ~/.spotbox (self.state), all
        removed after the test; HOME, SHELL and `environment` set, and `unset` and SPOTBOX_STATE_DIR unset, meanwhile."""
        self.tmp = tempfile.mkdtemp(prefix=prefix)
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.home = os.path.join(self.tmp, 'home')
        self.state = os.path.join(self.home, '.spotbox')
        os.makedirs(self.state)
        env = mock.patch.dict(os.environ, dict({'HOME': self.home, 'SHELL': '/bin/sh'}, **environment))
        env.start()
        self.addCleanup(env.stop)
        for name in tuple(unset) + ('SPOTBOX_STATE_DIR',):
            os.environ.pop(name, None)

    def write_config(self, raw):
        """~/.spotbox/agent.json = raw, loaded as the agent loads it."""
        path = os.path.join(self.state, 'agent.json')
        with open(path, 'w') as f:
            json.dump(raw, f)
        return agent.load_config(path)

    def write(self, rel, data):
        path = os.path.join(self.home, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'wb') as f:
            f.write(data)

    def run_daemon(self, cfg):
        daemon = agent.Daemon(cfg)
        threading.Thread(target=daemon.run, daemon=True).start()
        deadline = time.time() + 10
        while not events(cfg['journal'], 'agent-started') and time.time() < deadline:
            time.sleep(0.05)
        return daemon

    def wait_for(self, cfg, kind, seconds=30):
        deadline = time.time() + seconds
        while not events(cfg['journal'], kind) and time.time() < deadline:
            time.sleep(0.1)
        return events(cfg['journal'], kind)
