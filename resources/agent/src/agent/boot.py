"""Restore at boot (a fleet lineage's replacement box), and the marker of a restore running."""
import json
import os
import sys

from .files import write_file
from .formats import now_iso


def boot_restore(cfg, s3, journal, instance, **clock):
    """A box of a fleet lineage brings itself back with no editor open (the config's `boot`): the session runner
    (spotbox_session.py, boot), which the user data's bootstrap installed beside the agent, pinned by its sha256,
    waits for the predecessor's notice checkpoint, restores the newest one and starts the session in tmux. Once
    per box: ~/.spotbox/boot-done holds the outcome."""
    done = os.path.join(os.path.dirname(cfg['journal']), 'boot-done')
    if os.path.exists(done):
        return None
    try:
        journal.write('boot-restore', phase='started', instance=instance, session=cfg['session'])
        import runpy
        # The session runner gets the whole agent: once assembled, this module is all of it.
        outcome = runpy.run_path(os.path.expanduser('~/.spotbox/spotbox_session.py'))['boot'](sys.modules[__name__], cfg, s3, journal, instance, **clock)
    except Exception as e:
        outcome = dict(phase='failed', stage='tools', error='%s: %s' % (type(e).__name__, e))
        journal.write('boot-restore', **outcome)
    write_file(done, json.dumps(dict(outcome, time=now_iso())).encode())
    return outcome


def restore_running(cfg):
    try:
        with open(os.path.join(os.path.dirname(cfg['journal']), 'restoring')) as f:
            os.kill(int(f.read()), 0)
        return True
    except (OSError, ValueError):
        return False
