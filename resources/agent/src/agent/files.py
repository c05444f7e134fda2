"""The local side of a checkpoint: what it holds, file hashes, the trainer's step, atomic writes."""
import hashlib
import json
import os
import re

from .gitignore import GitIgnore


def read_step(directory):
    """The trainer's step: `step` in progress.json, else the last number in `latest` (DeepSpeed's tag file)."""
    try:
        with open(os.path.join(directory, 'progress.json')) as f:
            step = json.load(f).get('step')
        if type(step) is int:
            return step
    except (OSError, ValueError, AttributeError):
        pass
    try:
        with open(os.path.join(directory, 'latest')) as f:
            return int(re.findall(r'\d+', f.read(200))[-1])
    except (OSError, IndexError):
        return None


def walk(root, ignore=None, skip=(), unnamed=None):
    """Regular files under root as (relative path, absolute path, size); symlinks are not followed."""
    found, todo, unnamed = [], [''], [] if unnamed is None else unnamed
    while todo:
        rel_dir = todo.pop()
        try:
            entries = list(os.scandir(os.path.join(root, rel_dir)))
        except OSError:
            continue
        for entry in entries:
            rel = rel_dir + entry.name
            try:
                rel.encode()
            except UnicodeError:
                # Not UTF-8: it cannot be an S3 key. Left out rather than failing the checkpoint.
                unnamed.append(rel.encode('utf-8', 'replace').decode())
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                if entry.is_symlink() or entry.path in skip or (ignore and ignore.ignored(rel, is_dir)):
                    continue
                if is_dir:
                    todo.append(rel + '/')
                elif entry.is_file():
                    found.append((rel, entry.path, entry.stat().st_size))
            except OSError:
                pass
    return sorted(found)


def collect(cfg, journal):
    """What a checkpoint holds: the checkpoint dir, then the workspace within its byte budget."""
    ckpt, workspace, unnamed = cfg['checkpointDir'], cfg.get('workspaceDir'), []
    items = [('files',) + f for f in walk(ckpt, unnamed=unnamed)]
    if workspace and os.path.isdir(workspace):
        try:
            with open(os.path.join(workspace, '.gitignore')) as f:
                ignore = GitIgnore(f.read())
        except OSError:
            ignore = None
        budget, skipped = int(cfg['workspaceMaxBytes']), []
        # The checkpoint dir is often inside the workspace, and the agent's own folder may be too.
        # .git holds the remote's URL, credentials and all (cloneFrom): never uploaded.
        for rel, path, size in walk(workspace, ignore, (ckpt, os.path.dirname(cfg['journal']), os.path.join(workspace, '.git')), unnamed):
            if size > budget:
                skipped.append(rel)
            else:
                budget -= size
                items.append(('workspace', rel, path, size))
        if skipped:
            journal.write('warning', code='workspace-over-limit', paths=skipped[:20],
                          message='%d workspace file(s) left out: over workspaceMaxBytes (%d)' % (len(skipped), cfg['workspaceMaxBytes']))
    if unnamed:
        journal.write('warning', code='name-not-utf8', paths=unnamed[:20], message='%d file(s) left out: their names are not UTF-8' % len(unnamed))
    return items


_hashes = {}


def sha256_of(path, identity=None):
    """Hashes a file, or answers from memory while its (device, inode, size, mtime) is what was hashed."""
    if identity and _hashes.get(path, (None,))[0] == identity:
        return _hashes[path][1]
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    _hashes[path] = (identity, digest.hexdigest())
    return digest.hexdigest()


def dir_state(directory):
    state = {}
    for rel, path, size in walk(directory):
        try:
            state[rel] = (size, os.stat(path).st_mtime_ns)
        except OSError:
            pass
    return state


def write_file(path, data, mode=0o600):
    """Written to a new temporary file beside it (never through a symlink), then renamed."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = path + '.tmp'
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
    with os.fdopen(fd, 'wb') as f:
        os.fchmod(fd, mode)
        f.write(data)
    os.replace(temporary, path)
