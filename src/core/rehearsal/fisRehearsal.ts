import type { Experiment, FisClient } from '@aws-sdk/client-fis';
import { Ec2ClientPool } from '../aws/ec2ClientPool';
import { TAGS } from '../aws/spotboxTags';
import { SpotboxError } from '../errors';
import { silentLogger, type Logger } from '../logging/logger';
import { systemClock } from '../time/clock';
import { done, notYet, pollUntil } from '../time/poll';
import { createFisClient } from './fisClient';
import { experimentFailure, fisCallError } from './fisErrors';
import { validateRehearsalRequest, type RehearsalRequest, type ValidRehearsal } from './rehearsalRequest';
import { resolveSpotTarget, type SpotTarget } from './spotTarget';

/** Marks a template or experiment as a rehearsal of this instance, so a leftover one can be traced. */
export const REHEARSAL_TAG = 'spotbox:rehearsal';
export const SPOT_INTERRUPTION_ACTION = 'aws:ec2:send-spot-instance-interruptions';
/** The action's target key; FIS accepts no other name for aws:ec2:send-spot-instance-interruptions. */
const TARGET_KEY = 'SpotInstances';
/** Experiment states after which polling has its answer: under way, done, or given up. */
const SETTLED = new Set(['running', 'completed', 'failed', 'stopping', 'stopped', 'cancelled']);

export interface RehearsalDeps {
  /** EC2 clients for the same profile; a pool of its own (disposed afterwards) when absent. */
  readonly ec2Clients?: Ec2ClientPool;
  readonly logger?: Logger;
  /** Between two GetExperiment calls (default 2 s). */
  readonly pollIntervalMs?: number;
  /** How long FIS may take to start the experiment before Spotbox stops it (default 2 min). */
  readonly startTimeoutMs?: number;
  readonly now?: () => number;
}

export interface RehearsalResult {
  readonly instanceId: string;
  readonly experimentId: string;
  readonly experimentTemplateId: string;
  /** `running` once the notice is on its way; `completed` when FIS already finished the action. */
  readonly state: 'running' | 'completed';
  readonly leadSeconds: number;
  /** When EC2 interrupts the instance: the experiment's start plus the lead. */
  readonly interruptionAt: Date;
  /** False only when deleting the template failed; the log names it, and it carries spotbox:managed. */
  readonly templateDeleted: boolean;
}

/**
 * Interrupts a running spot box on purpose, the way AWS does it: an AWS FIS experiment with
 * aws:ec2:send-spot-instance-interruptions, so the box sees the real instance-action notice (and,
 * for leads over 2 minutes, a rebalance recommendation first). The experiment template exists only
 * for this call: it is deleted afterwards whatever happened, since a template left behind could
 * interrupt the box again if anyone started it.
 */
export async function rehearseSpotInterruption(request: RehearsalRequest, deps: RehearsalDeps = {}): Promise<RehearsalResult> {
  const rehearsal = validateRehearsalRequest(request);
  const { signal } = request;
  signal?.throwIfAborted();
  const ownPool = deps.ec2Clients ? undefined : new Ec2ClientPool({ profile: request.profile });
  const ec2Clients = deps.ec2Clients ?? ownPool!;
  let fis: FisClient | undefined;
  try {
    const target = await resolveSpotTarget(ec2Clients, rehearsal.region, rehearsal.instanceId, signal);
    fis = await createFisClient({ region: rehearsal.region, profile: request.profile, ec2Clients });
    return await new Rehearsal(fis, rehearsal, target, deps, signal).run();
  } finally {
    fis?.destroy();
    ownPool?.dispose();
  }
}

class Rehearsal {
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(
    private readonly fis: FisClient,
    private readonly rehearsal: ValidRehearsal,
    private readonly target: SpotTarget,
    private readonly deps: RehearsalDeps,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.log = (deps.logger ?? silentLogger).child('rehearsal');
    this.now = deps.now ?? Date.now;
  }

  async run(): Promise<RehearsalResult> {
    const templateId = await this.createTemplate();
    let templateDeleted = false;
    let started: { experiment: Experiment; state: 'running' | 'completed' };
    try {
      started = await this.startAndWatch(templateId);
    } finally {
      // After a failure too: a template left behind is a loaded interruption for this box.
      templateDeleted = await this.deleteTemplate(templateId);
    }
    const startedAt = started.experiment.startTime?.getTime() ?? this.now();
    return {
      instanceId: this.rehearsal.instanceId,
      experimentId: started.experiment.id ?? '',
      experimentTemplateId: templateId,
      state: started.state,
      leadSeconds: this.rehearsal.leadSeconds,
      interruptionAt: new Date(startedAt + this.rehearsal.leadSeconds * 1000),
      templateDeleted,
    };
  }

  private get sendOptions(): { abortSignal?: AbortSignal } {
    return this.signal ? { abortSignal: this.signal } : {};
  }

  private get tags(): Record<string, string> {
    return { [TAGS.managed]: 'true', [REHEARSAL_TAG]: this.rehearsal.instanceId };
  }

  private async createTemplate(): Promise<string> {
    const { CreateExperimentTemplateCommand } = await import('@aws-sdk/client-fis');
    const { instanceId, leadSeconds, roleArn, durationBeforeInterruption } = this.rehearsal;
    try {
      const { experimentTemplate } = await this.fis.send(
        new CreateExperimentTemplateCommand({
          description: `Spotbox rehearsal: interrupt ${instanceId} ${leadSeconds} s after the start`,
          roleArn,
          stopConditions: [{ source: 'none' }],
          targets: { [TARGET_KEY]: { resourceType: 'aws:ec2:spot-instance', resourceArns: [this.target.arn], selectionMode: 'ALL' } },
          actions: {
            interrupt: { actionId: SPOT_INTERRUPTION_ACTION, parameters: { durationBeforeInterruption }, targets: { [TARGET_KEY]: TARGET_KEY } },
          },
          tags: this.tags,
        }),
        // No abort signal here nor on StartExperiment: a call cut short may still have happened on
        // AWS, and then Spotbox would not know the id to delete or stop.
      );
      if (!experimentTemplate?.id) {
        throw new SpotboxError(`AWS FIS created no experiment template for ${instanceId}.`, 'Try again; if it persists, check the endpoint_url of the AWS profile.');
      }
      this.log.info(`Experiment template ${experimentTemplate.id} targets ${this.target.arn} (${durationBeforeInterruption}).`);
      return experimentTemplate.id;
    } catch (error) {
      if (error instanceof SpotboxError) {
        throw error;
      }
      throw this.callError(error, 'creating the FIS experiment template', 'fis:CreateExperimentTemplate, fis:TagResource and iam:PassRole on the role in spotbox.fisRoleArn');
    }
  }

  private async startAndWatch(templateId: string): Promise<{ experiment: Experiment; state: 'running' | 'completed' }> {
    const { StartExperimentCommand } = await import('@aws-sdk/client-fis');
    let experiment: Experiment | undefined;
    try {
      this.signal?.throwIfAborted();
      experiment = (await this.fis.send(new StartExperimentCommand({ experimentTemplateId: templateId, tags: this.tags }))).experiment;
    } catch (error) {
      throw this.callError(error, 'starting the FIS experiment', 'fis:StartExperiment');
    }
    if (!experiment?.id) {
      throw new SpotboxError(`AWS FIS started no experiment for template ${templateId}.`, 'Try again; if it persists, check the endpoint_url of the AWS profile.');
    }
    this.log.info(`Experiment ${experiment.id} started for ${this.rehearsal.instanceId}.`);
    let settled: Experiment;
    try {
      settled = await this.waitForStart(experiment);
    } catch (error) {
      await this.stopExperiment(experiment.id);
      throw error;
    }
    const status = settled.state?.status;
    if (status === 'running' || status === 'completed') {
      return { experiment: settled, state: status };
    }
    throw experimentFailure(this.rehearsal.instanceId, experiment.id, status ?? 'unknown', settled.state?.reason);
  }

  /** Polls until FIS has either started the action or given up on the experiment; throws on timeout. */
  private async waitForStart(first: Experiment): Promise<Experiment> {
    const { GetExperimentCommand } = await import('@aws-sdk/client-fis');
    const id = first.id!;
    const timeoutMs = this.deps.startTimeoutMs ?? 120_000;
    let experiment = first;
    return pollUntil(
      async ({ attempt }) => {
        if (attempt > 0) {
          try {
            experiment = (await this.fis.send(new GetExperimentCommand({ id }), this.sendOptions)).experiment ?? experiment;
          } catch (error) {
            throw this.callError(error, `reading FIS experiment ${id}`, 'fis:GetExperiment');
          }
        }
        const status = experiment.state?.status ?? '';
        return SETTLED.has(status) ? done(experiment) : notYet(status || 'in no state');
      },
      {
        describe: `FIS experiment ${id} to start`,
        intervalMs: this.deps.pollIntervalMs ?? 2_000,
        timeoutMs,
        clock: { ...systemClock, now: this.now },
        timeoutError: () =>
          new SpotboxError(
            `AWS FIS did not start experiment ${id} within ${Math.round(timeoutMs / 1000)} s (it is ${experiment.state?.status ?? 'in no state'}); Spotbox asked FIS to stop it.`,
            'Try again later, or look up the experiment in the AWS FIS console.',
          ),
        ...(this.signal ? { signal: this.signal } : {}),
      },
    );
  }

  /** Best effort after a cancel or a timeout: a notice already sent cannot be taken back, but a pending one can. */
  private async stopExperiment(id: string): Promise<void> {
    try {
      const { StopExperimentCommand } = await import('@aws-sdk/client-fis');
      await this.fis.send(new StopExperimentCommand({ id }));
      this.log.info(`Experiment ${id} stopped.`);
    } catch (error) {
      this.log.warn(`Could not stop FIS experiment ${id}: ${String(error)}`);
    }
  }

  private async deleteTemplate(id: string): Promise<boolean> {
    try {
      const { DeleteExperimentTemplateCommand } = await import('@aws-sdk/client-fis');
      // No abort signal: a cancelled rehearsal must still remove its template.
      await this.fis.send(new DeleteExperimentTemplateCommand({ id }));
      return true;
    } catch (error) {
      if ((error as { name?: string } | undefined)?.name === 'ResourceNotFoundException') {
        return true;
      }
      this.log.warn(`Could not delete FIS experiment template ${id} (tagged ${REHEARSAL_TAG}=${this.rehearsal.instanceId}); delete it in the FIS console: ${String(error)}`);
      return false;
    }
  }

  private callError(error: unknown, action: string, permission: string): Error {
    if ((error as { name?: string } | undefined)?.name === 'AbortError') {
      return error as Error;
    }
    return fisCallError(error, { action: `${action} for ${this.rehearsal.instanceId}`, region: this.rehearsal.region, permission });
  }
}
