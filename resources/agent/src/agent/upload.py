"""Taking a checkpoint: the files in parallel, then the manifest; old checkpoints pruned."""
import concurrent.futures as cf
import hashlib
import json
import os
import threading
import time

from .errors import Cancelled, Fail, StoreError
from .files import collect, read_step, sha256_of
from .formats import now_iso
from .layout import load_manifest, newest_complete, seq_folders, session_base
from .s3 import PART


# CopyObject copies at most 5 GiB in one request; bigger unchanged files are uploaded again.
COPY_MAX = 5 << 30


class Uploader:
    """One checkpoint's files: in parallel, big ones in 8 MiB parts (in parallel on S3 and Blob storage, in order on GCS),
    unchanged ones copied. `store` is the bucket's client, S3, Gcs or Blob, which share these calls."""

    def __init__(self, store, cfg, previous, folder):
        self.store, self.folder = store, folder
        self.previous = dict(((f['area'], f['path']), f) for f in (previous or {}).get('files', []))
        n = max(1, int(cfg['concurrency']))
        self.files, self.parts = cf.ThreadPoolExecutor(n), cf.ThreadPoolExecutor(n)
        # Bounds the memory held by parts read but not yet sent.
        self.slots = threading.BoundedSemaphore(2 * n)
        self.lock = threading.Lock()
        self.stats = {'uploaded': 0, 'copied': 0, 'uploadedBytes': 0, 'parts': 0}
        self.vanished = []

    def run(self, items):
        try:
            jobs = [self.files.submit(self.one, *item) for item in items]
            cf.wait(jobs, return_when=cf.FIRST_EXCEPTION)
            for job in jobs:
                if job.done() and job.exception():
                    # The others stop at their next request rather than fill a checkpoint that will not be committed.
                    self.store.stop.set()
                    raise job.exception()
            return [job.result() for job in jobs if job.result()]
        finally:
            self.files.shutdown()
            self.parts.shutdown()

    def one(self, area, rel, path, _):
        key = '%s%s/%s' % (self.folder, area, rel)
        try:
            st = os.stat(path)
            sha = sha256_of(path, (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))
            prev = self.previous.get((area, rel))
            # Copied, not referenced: each seq folder then holds all its objects, so deleting an old
            # folder (keep last K) can never take away a file that a newer manifest points to.
            if prev and prev['sha256'] == sha and prev['size'] == st.st_size <= COPY_MAX:
                try:
                    self.store.copy(prev['key'], key)
                    return self.done('copied', dict(path=rel, area=area, size=st.st_size, sha256=sha, key=key))
                except StoreError:
                    pass  # The source is gone or the store cannot copy it: upload instead.
            if st.st_size <= PART:
                with open(path, 'rb') as f:
                    data = f.read()
                self.store.put(key, data)
                sha, size = hashlib.sha256(data).hexdigest(), len(data)
            else:
                sha, size = self.store.upload_large(path, key, self.parts, self.slots, lambda: self.done('parts', None))
        except FileNotFoundError:
            with self.lock:
                self.vanished.append(rel)
            return None
        # The hash of the bytes sent, which is what restore checks, even if the file changed meanwhile.
        return self.done('uploaded', dict(path=rel, area=area, size=size, sha256=sha, key=key))

    def done(self, kind, entry):
        with self.lock:
            self.stats[kind] += 1
            if kind == 'uploaded':
                self.stats['uploadedBytes'] += entry['size']
        return entry


def take_checkpoint(cfg, store, journal, reason, instance=None, request=None, on_commit=None):
    """Uploads the files, then the manifest: a checkpoint exists only once its manifest is written. `on_commit` is
    called once it is, before old checkpoints are pruned (a notice's acknowledgement should not wait for that)."""
    started, base, seq = time.time(), session_base(cfg), None
    try:
        # An empty checkpoint would become the newest and, with keep-last-K, push out the good ones
        # (think of a fresh replacement box syncing before its restore).
        if not os.path.isdir(cfg['checkpointDir']):
            raise Fail('the checkpoint directory %s does not exist; nothing saved' % cfg['checkpointDir'])
        folders = seq_folders(store, base)
        previous = newest_complete(store, base, folders)
        # Above every folder, torn ones included, so a failed attempt's leftovers are never mixed in.
        seq = max(list(folders) + [0]) + 1
        folder = '%s%06d/' % (base, seq)
        note = json.dumps({'session': cfg['session'], 'seq': seq, 'reason': reason, 'sourceInstance': instance, 'startedAt': now_iso()}).encode()
        # Objects right inside the session and seq folders: listings with a delimiter then show the
        # session and every seq (S3 does anyway; s3rver only sees objects one level down), and a
        # seq that has started.json but no manifest is plainly a failed or running checkpoint.
        if not folders:
            store.put(base + 'session.json', note)
        store.put(folder + 'started.json', note)
        step = read_step(cfg['checkpointDir'])
        uploader = Uploader(store, cfg, previous, folder)
        files = uploader.run(collect(cfg, journal))
        if not files:
            raise Fail('nothing to save in %s or the workspace' % cfg['checkpointDir'])
        if uploader.vanished:
            journal.write('warning', code='file-vanished', paths=uploader.vanished[:20], message='%d file(s) disappeared during the checkpoint' % len(uploader.vanished))
        manifest = {'version': 1, 'session': cfg['session'], 'seq': seq, 'createdAt': now_iso(), 'sourceInstance': instance, 'reason': reason,
                    'files': sorted(files, key=lambda f: (f['area'], f['path']))}
        if step is not None:
            manifest['step'] = step
        store.put(folder + 'manifest.json', json.dumps(manifest, indent=1).encode(), headers={'content-type': 'application/json'})
    except Exception as e:
        journal.write('checkpoint-failed', reason=reason, seq=seq, request=request, error=str(e), cancelled=isinstance(e, Cancelled) or None)
        return None
    journal.write('checkpoint-committed', reason=reason, seq=seq, request=request, step=step, files=len(files), bytes=sum(f['size'] for f in files),
                  seconds=round(time.time() - started, 3), **uploader.stats)
    if on_commit:
        on_commit()
    try:
        prune(store, base, seq, int(cfg['keep']), journal)
    except Exception as e:
        journal.write('warning', code='prune-failed', message=str(e))
    return manifest


def prune(store, base, committed, keep, journal):
    folders = seq_folders(store, base)
    kept = [seq for seq in sorted(folders, reverse=True) if seq <= committed and load_manifest(store, base, seq)][:max(1, keep)]
    # Torn folders below our commit are abandoned attempts (one writer per session); above it, they may be in progress.
    doomed = [seq for seq in sorted(folders) if seq < committed and seq not in kept]
    for seq in doomed:
        # The manifest goes first: a folder half deleted is never taken for a complete checkpoint.
        store.delete([folders[seq] + 'manifest.json'])
        store.delete(store.list(folders[seq])[0])
    if doomed:
        journal.write('checkpoints-pruned', seqs=doomed, kept=sorted(kept))
