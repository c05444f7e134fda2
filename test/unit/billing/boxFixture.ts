import type { Box } from '../../../src/core/boxes/box';

/** A running spot g5.xlarge named llama in us-east-1a, launched at `launchTime`; the billing tests vary the rest. */
export function billingBox(launchTime: number, overrides: Partial<Box> = {}): Box {
  return {
    cloud: 'aws', instanceId: 'i-1',
    name: 'llama',
    region: 'us-east-1',
    availabilityZone: 'us-east-1a',
    instanceType: 'g5.xlarge',
    lifecycle: 'spot',
    state: 'running',
    launchTime,
    ...overrides,
  };
}
