/**
 * The Compute emulator's state file: instances, firewalls, project metadata, instance templates
 * and managed instance groups, so that a restarted sandbox resumes them (operations are not kept).
 */
import { JsonStateFile } from '../../jsonStateFile';
import type { Firewalls } from './firewalls';
import type { InstanceGroupManagers } from './instanceGroupManagers';
import type { InstanceService } from './instances';
import type { InstanceTemplates } from './instanceTemplates';
import type { ProjectMetadata } from './projectMetadata';

export interface ComputeStateParts {
  readonly instances: InstanceService;
  readonly firewalls: Firewalls;
  readonly projectMetadata: ProjectMetadata;
  readonly templates: InstanceTemplates;
  readonly groups: InstanceGroupManagers;
}

interface SavedState {
  instances?: Parameters<InstanceService['restore']>[0];
  firewalls?: Parameters<Firewalls['restore']>[0];
  projectMetadata?: Parameters<ProjectMetadata['restore']>[0];
  instanceTemplates?: Parameters<InstanceTemplates['restore']>[0];
  instanceGroupManagers?: Parameters<InstanceGroupManagers['restore']>[0];
}

export class ComputeStateFile {
  private readonly state: JsonStateFile<SavedState>;

  constructor(file: string, private readonly parts: ComputeStateParts) {
    this.state = new JsonStateFile(file);
  }

  /** Writes the file when anything changed (records change in many places; a snapshot compare catches all). */
  save(): void {
    this.state.save({
      instances: this.parts.instances.snapshot(),
      firewalls: this.parts.firewalls.snapshot(),
      projectMetadata: this.parts.projectMetadata.snapshot(),
      instanceTemplates: this.parts.templates.snapshot(),
      instanceGroupManagers: this.parts.groups.snapshot(),
    });
  }

  restore(): void {
    const state = this.state.load();
    if (!state) {
      return;
    }
    this.parts.projectMetadata.restore(state.projectMetadata ?? []);
    this.parts.firewalls.restore(state.firewalls ?? []);
    this.parts.instances.restore(state.instances ?? []);
    this.parts.templates.restore(state.instanceTemplates ?? []);
    this.parts.groups.restore(state.instanceGroupManagers ?? []);
  }
}
