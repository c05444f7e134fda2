"""The agent config (~/.spotbox/agent.json): defaults, required fields, paths expanded."""
import json
import os

from .errors import Fail


DEFAULTS = {
    'prefix': 'spotbox', 'journal': '~/.spotbox/journal.jsonl', 'triggerFile': '~/.spotbox/checkpoint-now',
    'quietSeconds': 2, 'intervalSeconds': 0, 'keep': 3, 'workspaceMaxBytes': 1 << 30, 'pollSeconds': 2,
    'noticeMarginSeconds': 10, 'settleTimeoutSeconds': 60, 'concurrency': 8, 'uploadAttempts': 6,
    'idleReportSeconds': 60, 'idleCpuPercent': 10, 'journalMaxBytes': 1 << 20, 'cloud': 'aws',
}
# Where the box runs: its metadata server, notice and object store (clouds.py).
CLOUD_NAMES = ('aws', 'gcp', 'azure')


def load_config(path):
    try:
        with open(os.path.expanduser(path)) as f:
            cfg = dict(DEFAULTS, **json.load(f))
    except (OSError, ValueError) as e:
        raise Fail('cannot read the agent config %s: %s' % (path, e))
    if cfg['cloud'] == 'azure':
        # Blob storage: the container plays the bucket's part, in the account that `blobEndpoint` (or `storageAccount`) names.
        if not cfg.get('blobEndpoint') and not cfg.get('storageAccount'):
            raise Fail('the agent config %s has neither "blobEndpoint" nor "storageAccount" (cloud azure)' % path)
        if not cfg.get('container'):
            raise Fail('the agent config %s has no "container" (cloud azure)' % path)
        cfg.setdefault('bucket', cfg['container'])
    for key in ('bucket', 'session', 'checkpointDir'):
        if not cfg.get(key):
            raise Fail('the agent config %s has no "%s"' % (path, key))
    if cfg['cloud'] not in CLOUD_NAMES:
        raise Fail('the agent config %s names an unknown cloud "%s" (%s)' % (path, cfg['cloud'], ' or '.join(CLOUD_NAMES)))
    cfg['configFile'] = os.path.abspath(os.path.expanduser(path))
    for key in ('journal', 'triggerFile', 'checkpointDir', 'workspaceDir', 'sessionPidFile', 'checkpointCommandDir', 'stepFile'):
        if cfg.get(key):
            cfg[key] = os.path.abspath(os.path.expanduser(cfg[key]))
    cfg['prefix'] = cfg['prefix'].strip('/')
    # AWS advises polling every 5 s; 2 s (as the node termination handler does) leaves more of the 2 minutes.
    cfg['pollSeconds'] = min(2.0, max(0.2, float(cfg['pollSeconds'])))
    return cfg
