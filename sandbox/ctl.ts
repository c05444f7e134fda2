import * as fs from 'node:fs';
import * as path from 'node:path';

const USAGE = `Usage: npm run sandbox:ctl -- <command> [options]   (talks to a running \`npm run sandbox\`)
  interrupt <instance-id> [--lead SECONDS] [--action terminate|stop|hibernate]   spot interruption notice, then termination
  rebalance <instance-id>                     rebalance recommendation
  terminate <instance-id>                     hard termination without notice
  price-spike <region> <type> <price> [--az AZ] [--duration SECONDS]
  capacity <region> <type> [--az AZ] [--count N]     InsufficientInstanceCapacity for that pool
  throttle <count>                            RequestLimitExceeded for the next <count> EC2 calls
  latency <ms> [--region REGION]              added latency per EC2 call
  s3-errors <count> [--status 500|503]        S3 5xx for the next <count> requests
  pricing-errors <count> [--status 500|503]   Price List API 5xx for the next <count> calls
  drop-ssh <instance-id>                      drop the box's SSH connections
  preempt <instance-name> [--zone ZONE]       Compute Engine Spot preemption (preempted=TRUE, soft off, 30 s, off); alias gce-preempt
  gce-maintenance <instance-name> [--zone ZONE] [--event NONE|MIGRATE_ON_HOST_MAINTENANCE|TERMINATE_ON_HOST_MAINTENANCE]
                                              instance/maintenance-event (default TERMINATE_...; not carried out)
  gce-capacity <zone> [--machine-type TYPE] [--with-details] [--count N]   ZONE_RESOURCE_POOL_EXHAUSTED for inserts there
  gce-quota <metric> [--region REGION] [--count N]   QUOTA_EXCEEDED, e.g. PREEMPTIBLE_NVIDIA_A100_GPUS or GPUS_ALL_REGIONS
  gcs-errors <count> [--status 500|503]       Cloud Storage 5xx for the next <count> requests
  evict <vm-name> [--resource-group GROUP]    Azure Spot eviction (Preempt Scheduled Event, NotBefore +30 s, then evicted)
  azure-capacity [--size SIZE] [--location LOC] [--code SkuNotAvailable|AllocationFailed|OverconstrainedAllocationRequest] [--count N]
  azure-quota [--family FAMILY] [--size SIZE] [--count N]   OperationNotAllowed (quota) for VM creations
  azure-throttle <count>                      ARM 429 TooManyRequests for the next <count> calls
  azure-spot-price <size> <usd-per-hour>      the sandbox's Spot price of a size (maxPrice below it is refused)
  clear                                       clear capacity/throttle/latency/Price List/Compute Engine/Azure faults
  events [--kind KIND]                        the event log
  state                                       instances as the sandbox sees them
Options: --dir DIR (default .sandbox) or --control URL.`;

function flag(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  if (index < 0) {
    return undefined;
  }
  const [, value] = args.splice(index, 2);
  if (value === undefined) {
    throw new Error(`${name} needs a value`);
  }
  return value;
}

const numberOf = (value: string | undefined, name: string): number | undefined => {
  if (value === undefined) {
    return undefined;
  }
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) {
    throw new Error(`${name} must be a non-negative number, got "${value}"`);
  }
  return parsed;
};

function request(args: string[]): { method: 'GET' | 'POST'; path: string; body?: Record<string, unknown> } {
  const [command, ...rest] = args;
  const need = (count: number): string[] => {
    if (rest.length < count) {
      throw new Error(`${command} needs ${count} argument(s)\n${USAGE}`);
    }
    return rest;
  };
  switch (command) {
    case 'interrupt': {
      const lead = numberOf(flag(rest, '--lead'), '--lead');
      const action = flag(rest, '--action');
      return { method: 'POST', path: '/faults/interrupt', body: { instanceId: need(1)[0], leadSeconds: lead, action } };
    }
    case 'rebalance':
      return { method: 'POST', path: '/faults/rebalance', body: { instanceId: need(1)[0] } };
    case 'terminate':
      return { method: 'POST', path: '/faults/terminate', body: { instanceId: need(1)[0] } };
    case 'price-spike': {
      const availabilityZone = flag(rest, '--az');
      const durationSeconds = numberOf(flag(rest, '--duration'), '--duration');
      const [region, instanceType, price] = need(3);
      return { method: 'POST', path: '/faults/price-spike', body: { region, instanceType, price: numberOf(price, 'price'), availabilityZone, durationSeconds } };
    }
    case 'capacity': {
      const availabilityZone = flag(rest, '--az');
      const count = numberOf(flag(rest, '--count'), '--count');
      const [region, instanceType] = need(2);
      return { method: 'POST', path: '/faults/capacity', body: { region, instanceType, availabilityZone, count } };
    }
    case 'throttle':
      return { method: 'POST', path: '/faults/throttle', body: { count: numberOf(need(1)[0], 'count') } };
    case 'latency': {
      const region = flag(rest, '--region');
      return { method: 'POST', path: '/faults/latency', body: { ms: numberOf(need(1)[0], 'ms'), region } };
    }
    case 's3-errors': {
      const status = numberOf(flag(rest, '--status'), '--status');
      return { method: 'POST', path: '/faults/s3-errors', body: { count: numberOf(need(1)[0], 'count'), status } };
    }
    case 'pricing-errors': {
      const status = numberOf(flag(rest, '--status'), '--status');
      return { method: 'POST', path: '/faults/pricing-errors', body: { count: numberOf(need(1)[0], 'count'), status } };
    }
    case 'drop-ssh':
      return { method: 'POST', path: '/faults/drop-ssh', body: { instanceId: need(1)[0] } };
    case 'preempt':
    case 'gce-preempt': {
      const zone = flag(rest, '--zone');
      return { method: 'POST', path: '/gcp/faults/preempt', body: { instance: need(1)[0], zone } };
    }
    case 'gce-maintenance': {
      const zone = flag(rest, '--zone');
      const event = flag(rest, '--event');
      return { method: 'POST', path: '/gcp/faults/maintenance', body: { instance: need(1)[0], zone, event } };
    }
    case 'gce-capacity': {
      const machineType = flag(rest, '--machine-type');
      const count = numberOf(flag(rest, '--count'), '--count');
      const withDetails = rest.includes('--with-details');
      const args = rest.filter((arg) => arg !== '--with-details');
      if (args.length < 1) {
        throw new Error(`gce-capacity needs a zone\n${USAGE}`);
      }
      return { method: 'POST', path: '/gcp/faults/capacity', body: { zone: args[0], machineType, withDetails, count } };
    }
    case 'gce-quota': {
      const region = flag(rest, '--region');
      const count = numberOf(flag(rest, '--count'), '--count');
      return { method: 'POST', path: '/gcp/faults/quota', body: { metric: need(1)[0], region, count } };
    }
    case 'gcs-errors': {
      const status = numberOf(flag(rest, '--status'), '--status');
      return { method: 'POST', path: '/gcp/faults/gcs-errors', body: { count: numberOf(need(1)[0], 'count'), status } };
    }
    case 'evict': {
      const resourceGroup = flag(rest, '--resource-group');
      return { method: 'POST', path: '/azure/evict', body: { vm: need(1)[0], resourceGroup } };
    }
    case 'azure-capacity': {
      const vmSize = flag(rest, '--size');
      const location = flag(rest, '--location');
      const code = flag(rest, '--code');
      const count = numberOf(flag(rest, '--count'), '--count');
      return { method: 'POST', path: '/azure/faults/capacity', body: { vmSize, location, code, count } };
    }
    case 'azure-quota': {
      const family = flag(rest, '--family');
      const vmSize = flag(rest, '--size');
      const count = numberOf(flag(rest, '--count'), '--count');
      return { method: 'POST', path: '/azure/faults/quota', body: { family, vmSize, count } };
    }
    case 'azure-throttle':
      return { method: 'POST', path: '/azure/faults/throttle', body: { count: numberOf(need(1)[0], 'count') } };
    case 'azure-spot-price': {
      const [vmSize, price] = need(2);
      return { method: 'POST', path: '/azure/faults/spot-price', body: { vmSize, pricePerHour: numberOf(price, 'price') } };
    }
    case 'clear':
      return { method: 'POST', path: '/faults/clear' };
    case 'events': {
      const kind = flag(rest, '--kind');
      return { method: 'GET', path: `/events${kind ? `?kind=${encodeURIComponent(kind)}` : ''}` };
    }
    case 'state':
      return { method: 'GET', path: '/state' };
    default:
      throw new Error(USAGE);
  }
}

/** `npm run sandbox:ctl`: the fault-injection CLI over the sandbox's control API. */
async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const explicitControl = flag(args, '--control');
  const directory = path.resolve(flag(args, '--dir') ?? path.join(__dirname, '../../.sandbox'));
  let control = explicitControl;
  if (!control) {
    const endpointsFile = path.join(directory, 'endpoints.json');
    if (!fs.existsSync(endpointsFile)) {
      console.error(`No running sandbox found in ${directory}: start one with \`npm run sandbox\` (or pass --control URL).`);
      return 2;
    }
    control = (JSON.parse(fs.readFileSync(endpointsFile, 'utf8')) as { control: string }).control;
  }
  const { method, path: route, body } = request(args);
  const response = await fetch(`${control}${route}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : undefined,
    body: body ? JSON.stringify(body) : undefined,
  }).catch((error: unknown) => {
    throw new Error(`The sandbox's control API at ${control} did not answer (${String(error)}); is \`npm run sandbox\` running?`);
  });
  const text = await response.text();
  (response.ok ? console.log : console.error)(text);
  return response.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  },
);
