"""The daemon: watches for the notice, the trigger file and the trainer's step; runs checkpoints one at a time."""
import fcntl
import json
import os
import subprocess
import sys
import threading
import time

from .activity import Activity
from .boot import boot_restore, restore_running
from .clouds import cloud_for
from .errors import Fail, NET_ERRORS
from .files import dir_state
from .formats import as_json, now_iso, parse_time
from .journal import Journal
from .layout import session_base
from .upload import take_checkpoint


# Seconds a SIGTERM waits for a notice it may come with (GCE sends both at once; the watcher long-polls).
SHUTDOWN_NOTICE_WAIT = 5


class Daemon:
    def __init__(self, cfg):
        self.cfg, self.journal = cfg, Journal(cfg['journal'], int(cfg['journalMaxBytes']))
        # The cloud the box runs on (the config's `cloud`): its metadata server, notice and object store.
        self.cloud = cloud_for(cfg, lambda **kw: self.journal.write('warning', **kw))
        self.notices = self.cloud.notice_watcher()
        self.instance = self.notice = self.rebalance = self.worker = self.imds_error = None
        self.pending, self.stop, self.booting = [], threading.Event(), False
        self.last_step, self.step_reported_at = None, 0.0
        self.shutdown_at = None

    def request_shutdown(self):
        """SIGTERM. On GCE it is the ACPI soft off of a preemption, sent with the notice itself and 30 s before the
        VM is gone; the agent must outlive it long enough to upload the notice checkpoint (run() decides when to go)."""
        if self.shutdown_at is None:
            self.shutdown_at = time.time()

    def run(self):
        state_dir = os.path.dirname(self.cfg['journal'])
        self.lock = open(os.path.join(state_dir, 'agent.lock'), 'a')
        try:
            fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise Fail('another agent already runs with ' + state_dir)
        try:
            self.instance = self.cloud.instance_id()
        except NET_ERRORS + (Fail,):
            pass
        self.notices.start()
        interval = float(self.cfg['intervalSeconds'] or 0)
        self.journal.write('agent-started', pid=os.getpid(), session=self.cfg['session'], instance=self.instance, intervalSeconds=interval)
        self.last_periodic = time.time()
        if self.cfg.get('boot'):
            # Its own thread: a replacement box can get its notice while it restores.
            self.booting = True
            threading.Thread(target=self.boot, daemon=True).start()
        every = float(self.cfg['idleReportSeconds'] or 0)
        if every > 0:
            # Its own thread: nvidia-smi can take seconds, and the notice watch must not wait for it.
            threading.Thread(target=self.report_activity, args=(every,), daemon=True).start()
        while True:
            if self.shutdown_at is not None and self.may_stop():
                self.journal.write('agent-stopping', reason='SIGTERM', notice=self.notice is not None)
                return
            try:
                self.poll_metadata()
                self.poll_trigger()
                self.poll_step()
                # While EC2 recommends a rebalance (a raised risk of interruption), checkpoints come twice as often.
                if interval > 0 and time.time() - self.last_periodic >= interval / (2 if self.rebalance else 1):
                    self.last_periodic = time.time()
                    self.enqueue('periodic')
                if self.pending and not (self.worker and self.worker.is_alive()):
                    self.stop = threading.Event()
                    self.worker = threading.Thread(target=self.checkpoint, args=self.pending.pop(0) + (self.stop,), daemon=True)
                    self.worker.start()
            except Exception as e:
                # A bug here must not end the watch for notices.
                self.journal.write('warning', code='agent-error', message='%s: %s' % (type(e).__name__, e))
            time.sleep(self.cfg['pollSeconds'])

    def may_stop(self):
        """After SIGTERM: at once when nothing needs saving; with a notice, once its checkpoint is done. A SIGTERM with
        no notice yet waits SHUTDOWN_NOTICE_WAIT for one: GCE's preemption and soft off come together."""
        if self.notice is not None:
            return not self.pending and not (self.worker and self.worker.is_alive())
        return time.time() - self.shutdown_at >= SHUTDOWN_NOTICE_WAIT

    def boot(self):
        try:
            boot_restore(self.cfg, self.cloud.storage(lambda **kw: self.journal.write('upload-retry', **kw)), self.journal, self.instance)
        finally:
            self.booting = False

    def report_activity(self, every):
        activity = Activity(self.cfg)
        while True:
            time.sleep(every)
            try:
                self.journal.write('activity', **activity.sample())
            except Exception as e:
                self.journal.write('warning', code='agent-error', message='%s: %s' % (type(e).__name__, e))

    def poll_metadata(self):
        try:
            action, rebalance = self.notices.poll()
            self.imds_error = None
        except NET_ERRORS + (Fail,) as e:
            if not self.imds_error:
                self.journal.write('warning', code=self.notices.unreachable_code, message=str(e))
            self.imds_error = e
            return
        if rebalance != self.rebalance:
            # Gone again (404) once the risk has passed.
            self.rebalance = rebalance
            if rebalance:
                self.journal.write('rebalance', noticeTime=(as_json(rebalance) or {}).get('noticeTime'))
                self.last_periodic = time.time()
                self.enqueue('rebalance')
        if action and action != self.notice:
            self.notice = action
            doc = as_json(action) or {}
            # A box still restoring at boot has no checkpoint to come: its successor need not wait for one.
            if not self.booting:
                self.handoff(doc.get('time'))
            self.journal.write('notice', action=doc.get('action'), actionTime=doc.get('time'))
            # The notice checkpoint holds the newest state: a periodic or manual one still uploading is dropped.
            self.stop.set()
            self.pending = [('notice', None, (parse_time(doc.get('time')) or time.time() + 120) - float(self.cfg['noticeMarginSeconds']))]

    def handoff(self, action_time):
        """handoff.json: the box that replaces this one waits for its notice checkpoint (boot_restore). Written before
        the journal's notice line, which the editor acts on; a few seconds at most, the checkpoint matters more."""
        try:
            s3 = self.cloud.storage(deadline=time.time() + 4)
            # Two tries of 2 s each (http_call applies each request's timeout).
            s3.attempts = s3.timeout = 2
            s3.put(session_base(self.cfg) + 'handoff.json', json.dumps(dict(instanceId=self.instance, noticeTime=now_iso(), actionTime=action_time, step=self.last_step)).encode())
        except Exception as e:
            self.journal.write('warning', code='handoff-failed', message=str(e))

    def poll_step(self):
        """Journals the trainer's step (stepFile: "<step> [<epoch>]") every few seconds, so the editor knows what a lost box had reached."""
        path = self.cfg.get('stepFile')
        if not path or time.time() - self.step_reported_at < 2:
            return
        try:
            with open(path) as f:
                words = f.read().split()
            step, epoch = int(words[0]), (int(words[1]) if len(words) > 1 else None)
        except (OSError, ValueError, IndexError):
            return
        if step != self.last_step:
            self.last_step, self.step_reported_at = step, time.time()
            self.journal.write('progress', step=step, epoch=epoch)

    def poll_trigger(self):
        try:
            with open(self.cfg['triggerFile']) as f:
                request = f.read().strip() or None
            os.unlink(self.cfg['triggerFile'])
        except OSError:
            return
        if self.notice:
            self.journal.write('checkpoint-failed', reason='manual', request=request, error='a spot notice came first; its checkpoint is the last one')
        else:
            self.enqueue('manual', request)

    def enqueue(self, reason, request=None):
        if not self.notice and (request or (reason, None, None) not in self.pending):
            self.pending.append((reason, request, None))

    def checkpoint(self, reason, request, deadline, stop):
        try:
            if self.booting or restore_running(self.cfg):
                # What is on disk is half a checkpoint (or not yet restored): the one being restored stays the newest.
                self.journal.write('checkpoint-failed', reason=reason, request=request, error='a restore is writing the checkpoint folders')
                return
            self.journal.write('checkpoint-started', reason=reason, request=request)
            started = time.time()
            # On a notice, half of what is left goes to the trainer's save and half to the upload.
            settle_until = (started + deadline) / 2 if deadline else started + float(self.cfg['settleTimeoutSeconds'])
            before = dir_state(self.cfg['checkpointDir'])
            told = self.tell_trainer(settle_until, stop, reason)
            # A trainer told nothing on a notice goes on saving by itself: wait for its saves of the first half too.
            self.wait_quiet(before, told, settle_until, stop, not told and deadline is not None)
            s3 = self.cloud.storage(lambda **kw: self.journal.write('upload-retry', **kw), stop, deadline)
            # Only a committed notice checkpoint lets the cloud evict the box early (Azure's acknowledgement).
            take_checkpoint(self.cfg, s3, self.journal, reason, self.instance, request, self.notice_checkpointed if reason == 'notice' else None)
        except Exception as e:
            self.journal.write('checkpoint-failed', reason=reason, request=request, error='%s: %s' % (type(e).__name__, e))

    def notice_checkpointed(self):
        """The notice checkpoint is committed: the cloud may be told (Azure's Scheduled Events then evict at once)."""
        try:
            acknowledged = self.notices.notice_checkpointed()
        except Exception as e:
            # The checkpoint is safe; the cloud just goes at the notice's time instead of now.
            self.journal.write('warning', code='acknowledge-failed', message='%s: %s' % (type(e).__name__, e))
        else:
            if acknowledged:
                self.journal.write('notice-acknowledged', **acknowledged)

    def tell_trainer(self, until, stop, reason):
        told = False
        # On a notice the trainer may be told to save and stop (noticeSignal): steps it would take after its save are lost anyway.
        name = (reason == 'notice' and self.cfg.get('noticeSignal')) or self.cfg.get('signal')
        pid_file, command = self.cfg.get('sessionPidFile'), self.cfg.get('checkpointCommand')
        if name and pid_file:
            # spotbox_session.py (installed with the session) signals only the training processes that
            # handle this signal: a script without a handler is never killed by a checkpoint.
            try:
                out = subprocess.run([sys.executable, os.path.join(os.path.dirname(pid_file), 'spotbox_session.py'), 'deliver', name, pid_file], capture_output=True, timeout=20)
                got = as_json(out.stdout) or dict(error=out.stderr.decode()[-300:])
            except (OSError, subprocess.SubprocessError) as e:
                got = dict(error=str(e))
            if got.get('pids'):
                self.journal.write('trainer-notified', signal=name, pids=got['pids'], commands=got.get('commands'))
                told = True
            else:
                self.journal.write('warning', code='signal-not-sent', message='%s: %s' % (name, got.get('error') or 'no training process handles it'), paths=got.get('unhandled'))
        if command:
            try:
                with open(os.path.join(os.path.dirname(self.cfg['journal']), 'command.log'), 'ab') as log:
                    process = subprocess.Popen(['sh', '-c', command], cwd=self.cfg.get('checkpointCommandDir'), stdin=subprocess.DEVNULL, stdout=log, stderr=log)
                # Not a blocking wait: a notice must not queue behind a slow command of a periodic checkpoint.
                while process.poll() is None and time.time() < until and not stop.is_set():
                    time.sleep(0.1)
                self.journal.write('trainer-notified', command=command, exitCode=process.returncode)
                told = told or process.returncode == 0
            except OSError as e:
                self.journal.write('warning', code='command-failed', message='%s: %s' % (command, e))
        return told

    def wait_quiet(self, before, told, until, stop, late=False):
        """Until the checkpoint dir has not changed for quietSeconds (once the trainer was told, changed at all; when late, from `until` on)."""
        last, last_change, changed, quiet = before, time.time(), not told, float(self.cfg['quietSeconds'])
        while time.time() < until + late * 3 * quiet and not stop.is_set():
            time.sleep(0.2)
            state = dir_state(self.cfg['checkpointDir'])
            if state != last:
                last, last_change, changed = state, time.time(), True
            elif changed and time.time() - last_change >= quiet and not (late and time.time() < until):
                return
