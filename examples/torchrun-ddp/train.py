#!/usr/bin/env python3
"""Data-parallel training under torchrun that Spotbox can interrupt and resume with nothing lost.

    torchrun --standalone --nproc_per_node 2 train.py

The recipe of the README's "torchrun" section, run as it is by Spotbox's tests (gloo, CPU).
Spotbox passes torchrun through and signals each worker that handles the signal. The signal
reaches the ranks at slightly different moments, so the ranks agree on it before acting: every
step they all-reduce their flags (MAX), and all save or stop at the end of the same step. Rank 0
saves the shared state (model, optimizer, schedule), every rank its own RNG state, and rank 0
writes progress.json last, after a barrier, so a checkpoint is never named before all of it is on disk.
"""
import argparse
import hashlib
import os
import sys

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

import spotbox_train as spotbox


def batch_for(step, rank, size=16):
    generator = torch.Generator().manual_seed(1_000_000 * (rank + 1) + step)
    x = torch.randn(size, 8, generator=generator)
    return x, x.sum(dim=1, keepdim=True)


def say(rank, text):
    # stderr: torchrun's --redirects (needed with Debian's torch 1.13, see the tests) only takes stdout.
    print('rank %d %s' % (rank, text), file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--total-steps', type=int, default=1000)
    parser.add_argument('--checkpoint-dir', default='checkpoints')
    args = parser.parse_args()
    dist.init_process_group('gloo')
    rank = dist.get_rank()
    torch.set_num_threads(1)
    spotbox.install_handlers()
    directory = spotbox.checkpoint_dir(args.checkpoint_dir)

    torch.manual_seed(0)
    model = DistributedDataParallel(nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 1)))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    schedule = torch.optim.lr_scheduler.StepLR(optimizer, step_size=200, gamma=0.5)
    step = 0
    latest = spotbox.latest_checkpoint(directory)
    if latest:
        shared = torch.load(latest['path'])
        model.module.load_state_dict(shared['model'])
        optimizer.load_state_dict(shared['optimizer'])
        schedule.load_state_dict(shared['schedule'])
        torch.set_rng_state(torch.load(os.path.join(directory, 'rng-rank%d-%d.pt' % (rank, shared['step']))))
        step = shared['step']
    say(rank, 'resumed at step %d' % step if step else 'starting at step 0')

    def save():
        spotbox.save_atomically(os.path.join(directory, 'rng-rank%d-%d.pt' % (rank, step)), lambda tmp: torch.save(torch.get_rng_state(), tmp))
        if rank == 0:
            name = 'step-%d.pt' % step
            state = {'step': step, 'model': model.module.state_dict(), 'optimizer': optimizer.state_dict(), 'schedule': schedule.state_dict()}
            spotbox.save_atomically(os.path.join(directory, name), lambda tmp: torch.save(state, tmp))
        dist.barrier()
        if rank == 0:
            spotbox.mark_checkpoint(step, 'step-%d.pt' % step, ranks=dist.get_world_size())
        say(rank, 'saved step %d' % step)

    while step < args.total_steps:
        x, y = batch_for(step, rank)
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
        schedule.step()
        step += 1
        if rank == 0:
            spotbox.write_step(step)
        # [stop, checkpoint] agreed by all ranks: one rank's signal is everyone's.
        flags = torch.tensor([float(spotbox.stop_requested()), float(spotbox.checkpoint_requested())])
        dist.all_reduce(flags, op=dist.ReduceOp.MAX)
        if flags.any():
            save()
        if flags[0]:
            say(rank, 'stopping at step %d: the box is going' % step)
            break
    else:
        save()
        digest = hashlib.sha256(b''.join(t.detach().numpy().tobytes() for _, t in sorted(model.module.state_dict().items()))).hexdigest()
        say(rank, 'done at step %d weights %s' % (step, digest))
    dist.destroy_process_group()
    return 0


if __name__ == '__main__':
    sys.exit(main())
