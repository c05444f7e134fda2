#!/usr/bin/env python3
"""A toy training loop for Spotbox's tests: it does nothing but count steps, and checkpoints like a real one.

- Every --step-seconds it takes one step and writes "<step> <epoch>" to --step-file (what "the step it
  reached" means in the tests; the agent's stepFile format).
- On SIGUSR1, and every --checkpoint-every steps (0 = never), it writes, at the end of the current
  step, `step-<n>.ckpt` into --checkpoint-dir (a JSON header line with the step, then
  --payload-bytes of bytes derived from the step) and then `progress.json` = {"step": n,
  "file": "step-<n>.ckpt"}: the marker the agent reads into the manifest's `step`. Both are written
  to a temporary name and renamed, so the agent never uploads half a file. Only the newest
  --keep-checkpoints checkpoint files stay.
- It prints `spotbox-progress epoch=<e> step=<n>` every --steps-per-epoch steps, and
  `spotbox-checkpoint step=<n> reason=<signal|every>` after each checkpoint.
- On start it resumes from the newest checkpoint in the dir (`resumed at step <n>`), else prints
  `starting at step 0`.
- It does nothing about process groups or pid files: like any user's script it handles SIGUSR1 and
  SIGTERM, and Spotbox's session runner must get the signals to it.
- It stops after --max-steps steps (0 = never), or on SIGTERM/SIGINT after saving a checkpoint of
  the step it finished (reason=stop): what an agent's notice signal asks of a trainer about to lose
  its box, so no step is taken that the checkpoint would not hold.
"""
import argparse
import hashlib
import json
import os
import re
import signal
import sys
import time


def payload(step, size):
    block = hashlib.sha256(('step %d' % step).encode()).digest()
    return (block * (size // len(block) + 1))[:size]


def write_atomically(path, data):
    temporary = path + '.tmp'
    with open(temporary, 'wb') as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


def newest_checkpoint(directory):
    """(step, path) of the newest readable checkpoint file, or None."""
    found = []
    for name in os.listdir(directory):
        match = re.match(r'^step-(\d+)\.ckpt$', name)
        if match:
            found.append((int(match.group(1)), os.path.join(directory, name)))
    for step, path in sorted(found, reverse=True):
        try:
            with open(path, 'rb') as f:
                header = json.loads(f.readline())
            if header.get('step') == step:
                return step, path
        except (OSError, ValueError):
            continue
    return None


def save(args, step, reason):
    name = 'step-%d.ckpt' % step
    header = json.dumps({'step': step, 'saved': time.time()}).encode() + b'\n'
    write_atomically(os.path.join(args.checkpoint_dir, name), header + payload(step, args.payload_bytes))
    write_atomically(os.path.join(args.checkpoint_dir, 'progress.json'), json.dumps({'step': step, 'file': name}).encode())
    old = sorted((int(m.group(1)), m.group(0)) for m in (re.match(r'^step-(\d+)\.ckpt$', n) for n in os.listdir(args.checkpoint_dir)) if m)
    for _, stale in old[:-args.keep_checkpoints]:
        os.unlink(os.path.join(args.checkpoint_dir, stale))
    print('spotbox-checkpoint step=%d reason=%s' % (step, reason), flush=True)


def main():
    parser = argparse.ArgumentParser(description='Toy trainer for Spotbox tests')
    parser.add_argument('--checkpoint-dir', required=True)
    parser.add_argument('--step-file', required=True)
    parser.add_argument('--step-seconds', type=float, default=0.1)
    parser.add_argument('--checkpoint-every', type=int, default=0)
    parser.add_argument('--steps-per-epoch', type=int, default=100)
    parser.add_argument('--payload-bytes', type=int, default=64 * 1024)
    parser.add_argument('--keep-checkpoints', type=int, default=2)
    parser.add_argument('--max-steps', type=int, default=0)
    args = parser.parse_args()

    os.makedirs(args.checkpoint_dir, exist_ok=True)

    requested = []
    signal.signal(signal.SIGUSR1, lambda *_: requested.append('signal'))
    stopping = []
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, lambda *_: stopping.append(True))

    resumed = newest_checkpoint(args.checkpoint_dir)
    step = resumed[0] if resumed else 0
    print('resumed at step %d' % step if resumed else 'starting at step 0', flush=True)
    while not stopping and not (args.max_steps and step >= args.max_steps):
        time.sleep(args.step_seconds)
        step += 1
        write_atomically(args.step_file, ('%d %d' % (step, step // args.steps_per_epoch)).encode())
        if step % args.steps_per_epoch == 0:
            print('spotbox-progress epoch=%d step=%d' % (step // args.steps_per_epoch, step), flush=True)
        if requested:
            del requested[:]
            save(args, step, 'signal')
        elif args.checkpoint_every and step % args.checkpoint_every == 0:
            save(args, step, 'every')
    if stopping:
        save(args, step, 'stop')
    return 0


if __name__ == '__main__':
    sys.exit(main())
