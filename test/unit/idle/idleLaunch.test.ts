import * as assert from 'node:assert/strict';
import { buildAgentConfig } from '../../../src/core/agent/agentConfig';
import { agentForProfile, IDLE_REPORT_SECONDS } from '../../../src/core/agent/agentForProfile';
import type { LaunchedBox, LaunchRequest } from '../../../src/core/launch/launchTypes';
import { PROFILE_DEFAULTS, type SpotboxProfile } from '../../../src/core/profile/profileTypes';
import { lineageFromLaunch } from '../../../src/core/recovery/lineageFromLaunch';
import { AGENT_INSTALL } from '../agent/agentInstall';

function profile(idleStopMinutes: number): SpotboxProfile {
  return { ...PROFILE_DEFAULTS, name: 'trainer', regions: ['us-east-1'], instanceTypes: ['g5.xlarge'], maxPrice: 2, idleStopMinutes, checkpoint: { bucket: 'my-ckpts', prefix: 'spotbox' } };
}

describe('idle stop at launch: the agent reports activity, the lineage remembers the limit', () => {
  it('asks the agent for activity reports only when the profile has idle stop', () => {
    assert.equal(agentForProfile(profile(45), 'us-east-1', '# bootstrap', { install: AGENT_INSTALL })!.config.idleReportSeconds, IDLE_REPORT_SECONDS);
    assert.equal(agentForProfile(profile(0), 'us-east-1', '# bootstrap', { install: AGENT_INSTALL })!.config.idleReportSeconds, 0, 'off: the agent default (60) must not apply');
    const tuned = agentForProfile(profile(45), 'us-east-1', '# bootstrap', { install: AGENT_INSTALL,  tuning: { idleReportSeconds: 2, idleCpuPercent: 100 } })!.config;
    assert.equal(tuned.idleReportSeconds, 2);
    assert.equal(tuned.idleCpuPercent, 100);
  });

  it('refuses idle tuning outside what the agent can do', () => {
    const input = { sessionId: 'run-1', region: 'us-east-1', workspaceDir: '~/ws', checkpoint: { bucket: 'my-ckpts', prefix: 'p' } };
    assert.throws(() => buildAgentConfig({ ...input, tuning: { idleCpuPercent: 101 } }), /idleCpuPercent must be a whole number from 0 to 100/);
    assert.throws(() => buildAgentConfig({ ...input, tuning: { idleReportSeconds: -1 } }), /idleReportSeconds/);
  });

  it('keeps idleStopMinutes in the lineage record, which replacements share', () => {
    const request = { boxName: 'trainer', region: 'us-east-1', lineage: 'lin-1' } as LaunchRequest & { lineage: string };
    const launched = { instanceId: 'i-1', region: 'us-east-1' } as LaunchedBox;
    assert.equal(lineageFromLaunch(profile(45), request, launched, '~/ckpt').idleStopMinutes, 45);
    assert.equal('idleStopMinutes' in lineageFromLaunch(profile(0), request, launched, '~/ckpt'), false);
  });
});
