"""The journal (journal.jsonl): one JSON event a line, rotated once it reaches journalMaxBytes."""
import json
import os
import threading

from .config import DEFAULTS
from .formats import now_iso


class Journal:
    def __init__(self, path, max_bytes=DEFAULTS['journalMaxBytes']):
        self.path, self.max_bytes, self.lock = path, max_bytes, threading.Lock()
        os.makedirs(os.path.dirname(path), exist_ok=True)

    def write(self, kind, **fields):
        event = dict(time=now_iso(), type=kind, **{k: v for k, v in fields.items() if v is not None})
        # One whole line per write, under a lock: readers never see half an event.
        with self.lock:
            with open(self.path, 'a') as f:
                f.write(json.dumps(event, separators=(',', ':')) + '\n')
                full = f.tell() >= self.max_bytes
            # One old generation is kept, renamed in one step: a reader finds the whole file under one of the two names,
            # and the editor's tail finishes `.1` before it reads the new journal (src/core/recovery/journalFollowCommand.ts).
            if full:
                os.replace(self.path, self.path + '.1')


def read_journal(path):
    events = []
    # The older generation first: an answer written just before a rotation is in `.1`.
    for name in (path + '.1', path):
        try:
            with open(name) as f:
                for line in f:
                    try:
                        events.append(json.loads(line))
                    except ValueError:
                        pass
        except OSError:
            pass
    return events
