import { randomBytes } from 'node:crypto';
import type { EventSink, InstanceLifecycle } from '../contract';
import type { InterruptOptions } from '../ec2/faultApi';
import { notFound } from './fisErrors';
import { resolveTarget } from './targetResolution';
import { leadSecondsOf, type ActionSpec, type TemplateRecord } from './templates';

/** The part of the EC2 emulator that FIS reads and drives. */
export interface FisEc2 {
  instances(): ReadonlyArray<FisInstance>;
  interruptSpot(instanceId: string, options: InterruptOptions): unknown;
  recommendRebalance(instanceId: string): unknown;
}

export interface FisInstance {
  readonly instanceId: string;
  readonly region: string;
  readonly lifecycle: InstanceLifecycle;
  readonly state: string;
  readonly tags: Readonly<Record<string, string>>;
}

interface State {
  status: string;
  reason: string;
}

interface ActionRun extends ActionSpec {
  state: State;
  startTime?: number;
  endTime?: number;
}

export interface ExperimentRecord {
  readonly id: string;
  readonly arn: string;
  readonly region: string;
  readonly template: TemplateRecord;
  readonly tags: Record<string, string>;
  readonly actions: Record<string, ActionRun>;
  readonly creationTime: number;
  state: State;
  startTime?: number;
  endTime?: number;
}

/** AWS's notice comes two minutes before the end; longer leads get a rebalance recommendation first. */
const NOTICE_SECONDS = 120;

/**
 * Runs experiments like FIS: StartExperiment answers `initiating`, targets are resolved a moment
 * later (so clients really poll GetExperiment), then the action sends each instance its rebalance
 * recommendation and interruption notice through the EC2 emulator and completes when the lead is
 * over. Kept in memory: an experiment does not outlive the sandbox process, and EC2 keeps the
 * interruptions it was given.
 */
export class ExperimentRunner {
  private readonly experiments = new Map<string, ExperimentRecord>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly ec2: FisEc2,
    private readonly events: EventSink,
    private readonly accountId: string,
    private readonly clock: () => number = Date.now,
    private readonly initiatingMs = 200,
  ) {}

  start(template: TemplateRecord, tags: Record<string, string>): ExperimentRecord {
    const id = `EXP${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x').slice(0, 15)}`;
    const experiment: ExperimentRecord = {
      id,
      arn: `arn:aws:fis:${template.region}:${this.accountId}:experiment/${id}`,
      region: template.region,
      template,
      tags,
      actions: Object.fromEntries(Object.entries(template.actions).map(([name, action]) => [name, { ...action, state: { status: 'pending', reason: 'Initial state' } }])),
      creationTime: this.clock(),
      state: { status: 'initiating', reason: 'Experiment is initiating.' },
    };
    this.experiments.set(id, experiment);
    this.record(experiment);
    this.later(this.initiatingMs, () => this.begin(experiment));
    return experiment;
  }

  get(region: string, id: string): ExperimentRecord {
    const experiment = this.experiments.get(id);
    if (!experiment || experiment.region !== region) throw notFound('Experiment not found.');
    return experiment;
  }

  list(region: string): ExperimentRecord[] {
    return [...this.experiments.values()].filter((experiment) => experiment.region === region);
  }

  /** StopExperiment: what is still to come is cancelled; a notice already sent stays sent, as on AWS. */
  stop(region: string, id: string): ExperimentRecord {
    const experiment = this.get(region, id);
    if (!isFinal(experiment.state.status)) {
      this.finish(experiment, 'stopped', 'Experiment stopped by user.');
    }
    return experiment;
  }

  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private begin(experiment: ExperimentRecord): void {
    if (isFinal(experiment.state.status)) return;
    const resolved = new Map<string, string[]>();
    for (const [name, target] of Object.entries(experiment.template.targets)) {
      const resolution = resolveTarget(target, experiment.region, this.accountId, this.ec2.instances());
      if (resolution.instanceIds.length === 0) {
        this.finish(experiment, 'failed', `Target resolution returned empty set of resources for target '${name}'${resolution.why ? `: ${resolution.why}` : ''}.`);
        return;
      }
      resolved.set(name, resolution.instanceIds);
    }
    experiment.startTime = this.clock();
    experiment.state = { status: 'running', reason: 'Experiment is running.' };
    this.record(experiment, { targets: Object.fromEntries(resolved) });
    let remaining = Object.keys(experiment.actions).length;
    for (const action of Object.values(experiment.actions)) {
      const instanceIds = resolved.get(action.targets.SpotInstances) ?? [];
      this.runAction(experiment, action, instanceIds, () => {
        remaining -= 1;
        if (remaining === 0) this.finish(experiment, 'completed', 'Experiment completed.');
      });
    }
  }

  private runAction(experiment: ExperimentRecord, action: ActionRun, instanceIds: string[], done: () => void): void {
    const lead = leadSecondsOf(action);
    action.startTime = this.clock();
    action.state = { status: 'running', reason: 'Action is running.' };
    const attempt = (step: () => void): boolean => {
      try {
        step();
        return true;
      } catch (error) {
        action.state = { status: 'failed', reason: String(error instanceof Error ? error.message : error) };
        action.endTime = this.clock();
        this.finish(experiment, 'failed', `Action ${action.actionId} failed: ${action.state.reason}.`);
        return false;
      }
    };
    for (const instanceId of instanceIds) {
      if (lead > NOTICE_SECONDS) {
        if (!attempt(() => this.ec2.recommendRebalance(instanceId))) return;
        this.later((lead - NOTICE_SECONDS) * 1000, () => {
          if (experiment.state.status === 'running') attempt(() => this.ec2.interruptSpot(instanceId, { leadSeconds: NOTICE_SECONDS }));
        });
      } else if (!attempt(() => this.ec2.interruptSpot(instanceId, { leadSeconds: lead }))) {
        return;
      }
    }
    this.later(lead * 1000, () => {
      if (experiment.state.status !== 'running') return;
      action.state = { status: 'completed', reason: 'Action was completed.' };
      action.endTime = this.clock();
      done();
    });
  }

  private finish(experiment: ExperimentRecord, status: string, reason: string): void {
    experiment.state = { status, reason };
    experiment.endTime = this.clock();
    for (const action of Object.values(experiment.actions)) {
      if (!isFinal(action.state.status)) {
        action.state = { status: status === 'completed' ? 'completed' : 'cancelled', reason };
        action.endTime = experiment.endTime;
      }
    }
    this.record(experiment);
  }

  private record(experiment: ExperimentRecord, extra: Record<string, unknown> = {}): void {
    this.events.record('fis-experiment', {
      experimentId: experiment.id,
      experimentTemplateId: experiment.template.id,
      region: experiment.region,
      status: experiment.state.status,
      reason: experiment.state.reason,
      ...extra,
    });
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }
}

function isFinal(status: string): boolean {
  return ['completed', 'stopped', 'failed', 'cancelled', 'skipped'].includes(status);
}
