/** Real shapes of the GPU families the sandbox offers (vCPU, memory, GPU model and memory). */
interface Gpu {
  readonly name: string;
  readonly memoryMiB: number;
}

const GPUS: Record<string, Gpu> = {
  T4: { name: 'T4', memoryMiB: 16384 },
  A10G: { name: 'A10G', memoryMiB: 24576 },
  L4: { name: 'L4', memoryMiB: 22888 },
  L40S: { name: 'L40S', memoryMiB: 45776 },
  V100: { name: 'V100', memoryMiB: 16384 },
  A100: { name: 'A100', memoryMiB: 40960 },
  H100: { name: 'H100', memoryMiB: 81920 },
  H200: { name: 'H200', memoryMiB: 144384 },
};

export interface InstanceTypeSpec {
  readonly instanceType: string;
  readonly family: string;
  readonly vcpus: number;
  readonly memoryGiB: number;
  readonly gpu: Gpu;
  readonly gpuCount: number;
  readonly network: string;
}

type Row = [size: string, vcpus: number, memoryGiB: number, gpus: number, network: string];

function family(name: string, gpu: string, rows: Row[]): InstanceTypeSpec[] {
  return rows.map(([size, vcpus, memoryGiB, gpuCount, network]) => ({
    instanceType: `${name}.${size}`,
    family: name,
    vcpus,
    memoryGiB,
    gpu: GPUS[gpu],
    gpuCount,
    network,
  }));
}

const ALL: InstanceTypeSpec[] = [
  ...family('g4dn', 'T4', [
    ['xlarge', 4, 16, 1, 'Up to 25 Gigabit'], ['2xlarge', 8, 32, 1, 'Up to 25 Gigabit'],
    ['4xlarge', 16, 64, 1, 'Up to 25 Gigabit'], ['8xlarge', 32, 128, 1, '50 Gigabit'],
    ['12xlarge', 48, 192, 4, '50 Gigabit'], ['16xlarge', 64, 256, 1, '50 Gigabit'], ['metal', 96, 384, 8, '100 Gigabit'],
  ]),
  ...family('g5', 'A10G', [
    ['xlarge', 4, 16, 1, 'Up to 10 Gigabit'], ['2xlarge', 8, 32, 1, 'Up to 10 Gigabit'],
    ['4xlarge', 16, 64, 1, 'Up to 25 Gigabit'], ['8xlarge', 32, 128, 1, '25 Gigabit'],
    ['12xlarge', 48, 192, 4, '40 Gigabit'], ['16xlarge', 64, 256, 1, '25 Gigabit'],
    ['24xlarge', 96, 384, 4, '50 Gigabit'], ['48xlarge', 192, 768, 8, '100 Gigabit'],
  ]),
  ...family('g6', 'L4', [
    ['xlarge', 4, 16, 1, 'Up to 10 Gigabit'], ['2xlarge', 8, 32, 1, 'Up to 10 Gigabit'],
    ['4xlarge', 16, 64, 1, 'Up to 25 Gigabit'], ['8xlarge', 32, 128, 1, '25 Gigabit'],
    ['12xlarge', 48, 192, 4, '40 Gigabit'], ['16xlarge', 64, 256, 1, '25 Gigabit'],
    ['24xlarge', 96, 384, 4, '50 Gigabit'], ['48xlarge', 192, 768, 8, '100 Gigabit'],
  ]),
  ...family('g6e', 'L40S', [
    ['xlarge', 4, 32, 1, 'Up to 20 Gigabit'], ['2xlarge', 8, 64, 1, 'Up to 20 Gigabit'],
    ['4xlarge', 16, 128, 1, '20 Gigabit'], ['8xlarge', 32, 256, 1, '25 Gigabit'],
    ['12xlarge', 48, 384, 4, '100 Gigabit'], ['16xlarge', 64, 512, 1, '35 Gigabit'],
    ['24xlarge', 96, 768, 4, '200 Gigabit'], ['48xlarge', 192, 1536, 8, '400 Gigabit'],
  ]),
  ...family('p3', 'V100', [
    ['2xlarge', 8, 61, 1, 'Up to 10 Gigabit'], ['8xlarge', 32, 244, 4, '10 Gigabit'], ['16xlarge', 64, 488, 8, '25 Gigabit'],
  ]),
  ...family('p4d', 'A100', [['24xlarge', 96, 1152, 8, '4x 100 Gigabit']]),
  ...family('p5', 'H100', [['48xlarge', 192, 2048, 8, '3200 Gigabit']]),
  ...family('p5e', 'H200', [['48xlarge', 192, 2048, 8, '3200 Gigabit']]),
];

const BY_NAME = new Map(ALL.map((t) => [t.instanceType, t]));

export function allInstanceTypes(): readonly InstanceTypeSpec[] {
  return ALL;
}

export function instanceTypeSpec(name: string): InstanceTypeSpec | undefined {
  return BY_NAME.get(name);
}

/** Rough scarcity rank: newer and bigger GPUs are harder to get as spot. 0 = plentiful. */
export function scarcity(spec: InstanceTypeSpec): number {
  const familyRank: Record<string, number> = { g4dn: 0, p3: 1, g5: 1, g6: 2, g6e: 3, p4d: 5, p5: 6, p5e: 7 };
  const sizeRank = Math.log2(Math.max(1, spec.vcpus / 4)) / 2;
  return (familyRank[spec.family] ?? 3) + sizeRank;
}
