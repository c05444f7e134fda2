"""The command line: run (the daemon) and checkpoint-now."""
import argparse
import json
import os
import signal
import sys
import time
import uuid

from .config import load_config
from .daemon import Daemon
from .errors import Fail
from .journal import read_journal


def checkpoint_now(cfg, wait, timeout):
    request = uuid.uuid4().hex[:12]
    os.makedirs(os.path.dirname(cfg['triggerFile']), exist_ok=True)
    with open(cfg['triggerFile'] + '.tmp', 'w') as f:
        f.write(request)
    os.replace(cfg['triggerFile'] + '.tmp', cfg['triggerFile'])
    deadline = time.time() + timeout
    while wait and time.time() < deadline:
        for event in read_journal(cfg['journal']):
            if event.get('request') == request and event['type'] in ('checkpoint-committed', 'checkpoint-failed'):
                print(json.dumps(event))
                return 0 if event['type'] == 'checkpoint-committed' else 1
        time.sleep(0.3)
    print(json.dumps({'request': request, 'error': 'no answer from the agent within %d s' % timeout} if wait else {'request': request}))
    return 2 if wait else 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog='spotbox_agent')
    commands = parser.add_subparsers(dest='command')
    commands.required = True
    # `restore` lives in spotbox_session.py, which the editor installs over SSH: it is not needed before then.
    for name in ('run', 'checkpoint-now'):
        command = commands.add_parser(name)
        command.add_argument('--config', default='~/.spotbox/agent.json')
    commands.choices['checkpoint-now'].add_argument('--wait', action='store_true')
    commands.choices['checkpoint-now'].add_argument('--timeout', type=float, default=600)
    args = parser.parse_args(argv)
    try:
        cfg = load_config(args.config)
        if args.command == 'run':
            daemon = Daemon(cfg)
            signal.signal(signal.SIGTERM, lambda *_: daemon.request_shutdown())
            daemon.run()
        if args.command == 'checkpoint-now':
            return checkpoint_now(cfg, args.wait, args.timeout)
    except Fail as e:
        sys.stderr.write('spotbox agent: %s\n' % e)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
