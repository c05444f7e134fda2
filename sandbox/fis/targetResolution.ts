import type { FisInstance } from './experiments';
import type { TargetSpec } from './templates';

export interface Resolution {
  readonly instanceIds: string[];
  /** Why resources named by ARN were left out, for the experiment's failure reason. */
  readonly why?: string;
}

const INSTANCE_ARN = /^arn:aws(?:-cn|-us-gov)?:ec2:([a-z0-9-]+):(\d{12}):instance\/(i-[0-9a-f]+)$/;

/**
 * Resolves an aws:ec2:spot-instance target as FIS does: the named ARNs (or the instances with all
 * the tags), kept only when they are live Spot Instances of this account and region, then the
 * filters, then the selection mode. COUNT and PERCENT take the first instances where FIS picks at
 * random, so tests stay repeatable.
 */
export function resolveTarget(target: TargetSpec, region: string, accountId: string, instances: ReadonlyArray<FisInstance>): Resolution {
  const reasons: string[] = [];
  let candidates: FisInstance[];
  if (target.resourceArns?.length) {
    candidates = [];
    for (const arn of target.resourceArns) {
      const problem = arnProblem(arn, region, accountId, instances);
      if (problem) {
        reasons.push(problem);
      } else {
        candidates.push(instances.find((instance) => instance.instanceId === INSTANCE_ARN.exec(arn)![3])!);
      }
    }
  } else {
    const wanted = Object.entries(target.resourceTags ?? {});
    candidates = instances.filter((instance) => instance.region === region && isLiveSpot(instance) && wanted.every(([key, value]) => instance.tags[key] === value));
  }
  for (const filter of target.filters ?? []) {
    if (filter.path !== 'State.Name') {
      return { instanceIds: [], why: `filter path ${filter.path} is not supported by the Spotbox sandbox (State.Name is)` };
    }
    candidates = candidates.filter((instance) => filter.values.includes(instance.state));
  }
  const ids = candidates.map((instance) => instance.instanceId);
  return { instanceIds: select(ids, target.selectionMode), why: reasons.length ? reasons.join('; ') : undefined };
}

function arnProblem(arn: string, region: string, accountId: string, instances: ReadonlyArray<FisInstance>): string | undefined {
  const match = INSTANCE_ARN.exec(arn);
  if (!match) return `${arn} is not an EC2 instance ARN`;
  const [, arnRegion, arnAccount, instanceId] = match;
  if (arnRegion !== region) return `${arn} is in ${arnRegion}, not in the experiment's region ${region}`;
  if (arnAccount !== accountId) return `${arn} belongs to account ${arnAccount}, not ${accountId}`;
  const instance = instances.find((candidate) => candidate.instanceId === instanceId && candidate.region === region);
  if (!instance) return `${instanceId} does not exist`;
  if (instance.lifecycle !== 'spot') return `${instanceId} is an on-demand instance, not a Spot Instance`;
  if (!isLiveSpot(instance)) return `${instanceId} is ${instance.state}`;
  return undefined;
}

function isLiveSpot(instance: FisInstance): boolean {
  return instance.lifecycle === 'spot' && (instance.state === 'pending' || instance.state === 'running');
}

function select(ids: string[], mode: string): string[] {
  const count = /^COUNT\((\d+)\)$/.exec(mode);
  if (count) return ids.slice(0, Number(count[1]));
  const percent = /^PERCENT\((\d+)\)$/.exec(mode);
  if (percent) return ids.slice(0, Math.round((ids.length * Number(percent[1])) / 100));
  return ids;
}
