"""spotbox_train: what a training loop needs from Spotbox, in one standard-library file.

On a Spotbox box the session runner puts this module on PYTHONPATH (~/.spotbox/python). Copy it
into your repository to run the same script anywhere else: without Spotbox every call is a no-op
or answers "nothing asked", so the script trains as before.

    import spotbox_train as spotbox
    spotbox.install_handlers()                 # SIGUSR1 = checkpoint, SIGTERM = save and stop
    for step in range(start, total):
        train_step(step)
        spotbox.write_step(step + 1, epoch)
        if spotbox.checkpoint_requested() or spotbox.stop_requested():
            spotbox.save_atomically(path, lambda tmp: torch.save(state, tmp))
            spotbox.mark_checkpoint(step + 1, os.path.basename(path))
        if spotbox.stop_requested():
            break

Everything here is safe to call from the training loop on every step: the flags are set by signal
handlers, and the notice is read from the end of the agent's journal only when it has grown.
"""
import json
import os
import signal
import time

__all__ = [
    'install_handlers', 'checkpoint_requested', 'stop_requested', 'preemption_info', 'checkpoint_dir', 'write_step',
    'save_atomically', 'mark_checkpoint', 'latest_checkpoint', 'restored',
]

_flags = {'checkpoint': False, 'stop': False}
_journal = {'offset': 0, 'notice': None}


def _state_dir():
    return os.environ.get('SPOTBOX_STATE_DIR') or os.path.expanduser('~/.spotbox')


def install_handlers(checkpoint=signal.SIGUSR1, stop=signal.SIGTERM):
    """Handlers that only set flags: the loop saves at the end of its step, never inside a signal handler."""
    def on_checkpoint(*_):
        _flags['checkpoint'] = True

    def on_stop(*_):
        _flags['stop'] = True
    if checkpoint is not None:
        signal.signal(checkpoint, on_checkpoint)
    if stop is not None:
        signal.signal(stop, on_stop)


def checkpoint_requested(clear=True):
    """True once after a checkpoint was asked for (the profile's `checkpoint.signal`)."""
    asked = _flags['checkpoint']
    if clear:
        _flags['checkpoint'] = False
    return asked


def stop_requested():
    """True once the box is going (the notice signal): save at the end of this step and exit."""
    return _flags['stop']


def preemption_info():
    """The pending spot notice, as {"action", "deadline" (epoch seconds), "seconds_left"}, or None.

    Read from the agent's journal, so it also answers in processes that got no signal (ranks of a
    launcher, a trainer that handles none). Like Ray Train's get_preemption_info().
    """
    path = os.path.join(_state_dir(), 'journal.jsonl')
    try:
        size = os.path.getsize(path)
        if size < _journal['offset']:
            _journal['offset'] = 0  # Rotated or truncated: read it again.
        if size > _journal['offset']:
            with open(path, 'rb') as f:
                f.seek(_journal['offset'])
                chunk = f.read()
            # Only whole lines; a line being written is read next time.
            whole = chunk[:chunk.rfind(b'\n') + 1]
            _journal['offset'] += len(whole)
            for line in whole.splitlines():
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if event.get('type') == 'notice':
                    _journal['notice'] = event
    except OSError:
        return None
    notice = _journal['notice']
    if not notice:
        return None
    deadline = _epoch(notice.get('actionTime'))
    return {
        'action': notice.get('action'),
        'deadline': deadline,
        'seconds_left': None if deadline is None else max(0.0, deadline - time.time()),
    }


def _epoch(text):
    try:
        import datetime
        stamp = datetime.datetime.strptime(str(text).rstrip('Z').split('.')[0], '%Y-%m-%dT%H:%M:%S')
        return stamp.replace(tzinfo=datetime.timezone.utc).timestamp()
    except ValueError:
        return None


def _checkpoint_folder(default='checkpoints'):
    return os.path.expanduser(os.environ.get('SPOTBOX_CHECKPOINT_DIR') or default)


def checkpoint_dir(default='checkpoints'):
    """The folder Spotbox saves (the profile's checkpoint.directory), else `default`; created."""
    directory = _checkpoint_folder(default)
    os.makedirs(directory, exist_ok=True)
    return directory


def _replace(path, write):
    temporary = '%s.tmp-%d' % (path, os.getpid())
    try:
        write(temporary)
        with open(temporary, 'rb') as f:
            os.fsync(f.fileno())
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def save_atomically(path, write):
    """Calls write(temporary_path), then renames it to path: a reader (the agent) never sees half a file."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    _replace(path, write)
    return path


def _write_text(path, text):
    def write(temporary):
        with open(temporary, 'w') as f:
            f.write(text)
    _replace(path, write)


def write_step(step, epoch=None):
    """The trainer's progress for the tree and the recovery summary (the profile's session.stepFile); no-op without one."""
    path = os.environ.get('SPOTBOX_STEP_FILE')
    if path:
        _write_text(path, '%d' % step if epoch is None else '%d %d' % (step, epoch))


def mark_checkpoint(step, file=None, directory=None, **extra):
    """Writes progress.json next to the checkpoint, last: its step goes into Spotbox's manifest."""
    directory = directory or checkpoint_dir()
    _write_text(os.path.join(directory, 'progress.json'), json.dumps(dict(extra, step=int(step), **({'file': file} if file else {}))))


def latest_checkpoint(directory=None):
    """{"step", "file", "path"} of the newest checkpoint progress.json names, when that file is there; else None."""
    directory = directory or _checkpoint_folder()
    try:
        with open(os.path.join(directory, 'progress.json')) as f:
            progress = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(progress, dict) or type(progress.get('step')) is not int:
        return None
    name = progress.get('file')
    path = os.path.join(directory, name) if isinstance(name, str) else None
    if path is not None and not os.path.exists(path):
        return None
    return dict(progress, path=path)


def restored():
    """What Spotbox restored on this box before the session started ({"seq", "step", ...}), or None on a fresh box."""
    try:
        with open(os.path.join(_state_dir(), 'restored.json')) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
