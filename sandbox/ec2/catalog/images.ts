import { unitHash } from './prices';

/** A few public images per region: AMI ids differ per region like real AMIs do. */
export interface ImageSpec {
  readonly imageId: string;
  readonly name: string;
  readonly description: string;
  readonly ownerId: string;
  readonly ownerAlias: string;
  readonly creationDate: string;
  /** As the real image: `/dev/sda1` on Ubuntu and the Deep Learning AMIs, `/dev/xvda` on Amazon Linux. */
  readonly rootDeviceName: string;
  readonly rootSnapshotId: string;
  /** GiB; a launch asking a smaller root volume is refused (InvalidBlockDeviceMapping). */
  readonly rootSnapshotGb: number;
  /**
   * The user cloud-init creates and puts the launch key on: `ubuntu` on Ubuntu and the Deep Learning
   * AMIs, `ec2-user` on Amazon Linux. Root's key only prints "Please login as the user ..." and exits.
   */
  readonly loginUser: string;
}

type ImageTemplate = Omit<ImageSpec, 'imageId' | 'rootSnapshotId'> & { readonly key: string };

const TEMPLATES: readonly ImageTemplate[] = [
  {
    key: 'dlami-pytorch',
    name: 'Deep Learning OSS Nvidia Driver AMI GPU PyTorch 2.7 (Ubuntu 22.04) 20251015',
    description: 'Supported EC2 instances: G4dn, G5, G6, Gr6, G6e, P4d, P4de, P5, P5e, P5en. PyTorch-2.7, CUDA 12.8, NVIDIA driver 570',
    ownerId: '898082745236',
    ownerAlias: 'amazon',
    creationDate: '2025-10-15T09:12:44.000Z',
    rootDeviceName: '/dev/sda1',
    rootSnapshotGb: 75,
    loginUser: 'ubuntu',
  },
  {
    key: 'dlami-base',
    name: 'Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) 20251015',
    description: 'Supported EC2 instances: G4dn, G5, G6, Gr6, G6e, P4d, P4de, P5, P5e, P5en. NVIDIA driver 570, CUDA 12.4-12.8',
    ownerId: '898082745236',
    ownerAlias: 'amazon',
    creationDate: '2025-10-15T08:40:02.000Z',
    rootDeviceName: '/dev/sda1',
    rootSnapshotGb: 75,
    loginUser: 'ubuntu',
  },
  {
    key: 'ubuntu-jammy',
    name: 'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20251007',
    description: 'Canonical, Ubuntu, 22.04 LTS, amd64 jammy image build on 2025-10-07',
    ownerId: '099720109477',
    ownerAlias: '',
    creationDate: '2025-10-07T05:33:19.000Z',
    rootDeviceName: '/dev/sda1',
    rootSnapshotGb: 8,
    loginUser: 'ubuntu',
  },
  {
    key: 'al2023',
    name: 'al2023-ami-2023.9.20251014.0-kernel-6.1-x86_64',
    description: 'Amazon Linux 2023 AMI 2023.9.20251014.0 x86_64 HVM kernel-6.1',
    ownerId: '137112412989',
    ownerAlias: 'amazon',
    creationDate: '2025-10-14T20:41:05.000Z',
    rootDeviceName: '/dev/xvda',
    rootSnapshotGb: 8,
    loginUser: 'ec2-user',
  },
];

function resourceId(prefix: 'ami' | 'snap', region: string, key: string): string {
  let hex = '';
  for (let i = 0; hex.length < 17; i++) hex += Math.floor(unitHash(prefix, region, key, i) * 0x10000).toString(16).padStart(4, '0');
  return `${prefix}-${hex.slice(0, 17)}`;
}

export function images(region: string): ImageSpec[] {
  return TEMPLATES.map((t) => ({
    imageId: resourceId('ami', region, t.key),
    name: t.name,
    description: t.description,
    ownerId: t.ownerId,
    ownerAlias: t.ownerAlias,
    creationDate: t.creationDate,
    rootDeviceName: t.rootDeviceName,
    rootSnapshotId: resourceId('snap', region, t.key),
    rootSnapshotGb: t.rootSnapshotGb,
    loginUser: t.loginUser,
  }));
}
