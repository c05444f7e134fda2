#!/usr/bin/env python3
"""A plain PyTorch training loop that Spotbox can interrupt and resume with nothing lost.

The recipe of the README's "Make your training loop resumable", run as it is by Spotbox's tests.
What makes it resumable:
- it saves everything the next step depends on: model, optimizer state, LR schedule, the RNG
  states, and the step (each step's batch is derived from the step number, so the data position
  is the step);
- on SIGUSR1 it saves at the end of the step and goes on; on SIGTERM it saves and exits;
- it saves to a temporary name and renames (spotbox_train.save_atomically), writes progress.json
  last (spotbox_train.mark_checkpoint), and resumes from the newest save it finds.
Without Spotbox it trains the same way (copy spotbox_train.py next to it).
"""
import argparse
import hashlib
import os
import random
import sys
import time

import torch
from torch import nn

import spotbox_train as spotbox


def batch_for(step, size=32):
    """The batch of a step, from the step number alone: resuming at step n sees exactly the data of step n."""
    generator = torch.Generator().manual_seed(10_000 + step)
    x = torch.randn(size, 16, generator=generator)
    y = x[:, :4].sum(dim=1, keepdim=True) * 0.5 + 0.1 * torch.randn(size, 1, generator=generator)
    return x, y


def build(total_steps):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 1))
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, total_steps=total_steps)
    return model, optimizer, schedule


def save(directory, step, model, optimizer, schedule, keep=2):
    name = 'step-%d.pt' % step
    state = {
        'step': step, 'model': model.state_dict(), 'optimizer': optimizer.state_dict(), 'schedule': schedule.state_dict(),
        # Dropout draws from torch's RNG: without its state the resumed run would differ.
        'torch_rng': torch.get_rng_state(), 'python_rng': random.getstate(),
    }
    spotbox.save_atomically(os.path.join(directory, name), lambda temporary: torch.save(state, temporary))
    spotbox.mark_checkpoint(step, name)
    for old in sorted((f for f in os.listdir(directory) if f.startswith('step-') and f.endswith('.pt')), key=lambda f: int(f[5:-3]))[:-keep]:
        os.unlink(os.path.join(directory, old))
    print('checkpoint saved at step %d' % step, flush=True)


def resume(directory, model, optimizer, schedule):
    latest = spotbox.latest_checkpoint(directory)
    if not latest:
        return 0
    state = torch.load(latest['path'])
    model.load_state_dict(state['model'])
    optimizer.load_state_dict(state['optimizer'])
    schedule.load_state_dict(state['schedule'])
    torch.set_rng_state(state['torch_rng'])
    random.setstate(state['python_rng'])
    return state['step']


def weights_digest(model):
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().contiguous().numpy().tobytes())
    return digest.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--total-steps', type=int, default=2000)
    parser.add_argument('--save-every', type=int, default=0, help='also save every N steps (0: only when Spotbox asks)')
    parser.add_argument('--checkpoint-dir', default='checkpoints', help='used when Spotbox does not name one')
    parser.add_argument('--no-signal-handlers', action='store_true', help='handle no signal: rely on --save-every alone')
    parser.add_argument('--step-seconds', type=float, default=0.0, help='extra time per step, standing in for a bigger model')
    args = parser.parse_args()

    torch.set_num_threads(1)
    if not args.no_signal_handlers:
        spotbox.install_handlers()  # SIGUSR1: save and go on; SIGTERM: save and stop
    directory = spotbox.checkpoint_dir(args.checkpoint_dir)
    model, optimizer, schedule = build(args.total_steps)
    step = resume(directory, model, optimizer, schedule)
    print('resumed at step %d' % step if step else 'starting at step 0', flush=True)
    loss_fn = nn.MSELoss()
    while step < args.total_steps:
        x, y = batch_for(step)
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        schedule.step()
        step += 1
        spotbox.write_step(step)
        if args.step_seconds:
            time.sleep(args.step_seconds)
        stopping = spotbox.stop_requested()
        if stopping or spotbox.checkpoint_requested() or (args.save_every and step % args.save_every == 0):
            save(directory, step, model, optimizer, schedule)
        if stopping:
            print('stopping at step %d: the box is going' % step, flush=True)
            return 0
        if step % 100 == 0:
            print('step %d loss %.5f' % (step, loss.item()), flush=True)
    save(directory, step, model, optimizer, schedule)
    print('done at step %d weights %s' % (step, weights_digest(model)), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
