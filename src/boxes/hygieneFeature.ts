/**
 * The sweep and the release of a launch's leftovers, as one lazily loaded bundle (esbuild.mjs):
 * the boxes feature (release) and the command registry (sweep) reach it through import() the first time
 * either runs.
 */
export { sweepOrphansCommand } from '../commands/orphans/sweep';
export { ec2HygieneCloud } from '../core/hygiene/ec2HygieneCloud';
export { GCE_SWEEP_SCOPE, gceHygieneCloud } from '../core/hygiene/gceHygieneCloud';
export { AZURE_SWEEP_SCOPE, azureHygieneCloud } from '../core/hygiene/azureHygieneCloud';
export { releaseSessionResources } from '../core/hygiene/releaseSessionResources';
