/**
 * The sweep and the release of a launch's leftovers, as one lazily loaded bundle (esbuild.mjs):
 * registerBoxes reaches it through import() the first time either runs.
 */
export { sweepOrphansCommand } from '../commands/sweepOrphans';
export { ec2HygieneCloud } from '../core/hygiene/ec2HygieneCloud';
export { releaseSessionResources } from '../core/hygiene/releaseSessionResources';
