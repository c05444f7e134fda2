/**
 * images.get and images.getFromFamily for Google's public image projects, which gcloud calls to
 * resolve `--image-family`/`--image-project` before it writes an instance template. The sandbox
 * boots any `sourceImage` as the same box, so these images are stand-ins: one per family, named
 * `<family>-v20250601`, READY. Other projects, families and names are not found, as on GCE.
 */
import { GoogleApiError } from '../http/googleError';
import { catalogId } from './catalog';
import { computeTimestamp, projectLink } from './links';

const FAMILIES: Readonly<Record<string, readonly string[]>> = {
  'ubuntu-os-cloud': ['ubuntu-2204-lts', 'ubuntu-2404-lts-amd64'],
  'debian-cloud': ['debian-11', 'debian-12'],
  'deeplearning-platform-release': ['pytorch-latest-gpu', 'common-cu124-ubuntu-2204', 'common-cu124-debian-11-py310'],
};

const IMAGE_DATE = 'v20250601';

export function isPublicImageProject(project: string): boolean {
  return project in FAMILIES;
}

/** GET projects/{project}/global/images/{name} or .../images/family/{family}. */
export function publicImage(project: string, path: readonly string[]): Record<string, unknown> {
  const families = FAMILIES[project] ?? [];
  const family = path.length === 2 && path[0] === 'family'
    ? families.find((candidate) => candidate === path[1])
    : path.length === 1 ? families.find((candidate) => `${candidate}-${IMAGE_DATE}` === path[0]) : undefined;
  if (!family) {
    throw GoogleApiError.notFound(`projects/${project}/global/images/${path.join('/')}`);
  }
  const name = `${family}-${IMAGE_DATE}`;
  return {
    kind: 'compute#image',
    id: catalogId(`${project}/${name}`),
    creationTimestamp: computeTimestamp(Date.UTC(2025, 5, 1)),
    name,
    description: `${family}, a stand-in for the family's current image in the sandbox`,
    family,
    sourceType: 'RAW',
    status: 'READY',
    diskSizeGb: '10',
    architecture: 'X86_64',
    selfLink: `${projectLink(project)}/global/images/${name}`,
  };
}
