import * as assert from 'node:assert/strict';
import { agentForProfile, autoIntervalMinutes } from '../../../src/core/agent/agentForProfile';
import { autoIntervalFor, observedExposure } from '../../../src/core/agent/autoInterval';
import type { BoxSession, InterruptionKind } from '../../../src/core/dashboard/usageTypes';
import { parseProfile } from '../../../src/core/profile/parseProfile';
import { rateFromBucket } from '../../../src/core/pricing/interruption';
import { HOUR, session, T0 } from '../dashboard/fixtures';
import { AGENT_INSTALL } from './agentInstall';

const advisor5to10 = rateFromBucket(1);
const pool = { instanceType: 'g5.xlarge', region: 'us-east-1', interruption: advisor5to10 };

let next = 0;
/** A spot session of g5.xlarge in us-east-1 lasting `hours`, with interruptions of these kinds near its end. */
function ran(hours: number, kinds: InterruptionKind[] = [], overrides: Partial<BoxSession> = {}): BoxSession {
  const start = T0 + next++ * 1000 * HOUR;
  const end = start + hours * HOUR;
  return session({ instanceId: `i-${next}`, start, end, lastSeenAt: end, interruptions: kinds.map((kind) => ({ kind, time: end - 120_000 })), ...overrides });
}

/** 41 spot hours of the pool, 3 of them ended by EC2, and what must not count beside them. */
const history: BoxSession[] = [
  ran(10, ['notice']),
  ran(15, ['rebalance', 'notice']),
  ran(6, ['notice']),
  ran(5, ['hard']),
  ran(5, ['rebalance']),
  ran(100, [], { lifecycle: 'on-demand' }),
  ran(20, ['notice'], { region: 'eu-west-1', availabilityZone: 'eu-west-1a' }),
  ran(20, ['notice'], { instanceType: 'g6.xlarge' }),
];

describe('observedExposure', () => {
  it("counts the pool's spot hours and the sessions EC2 ended with a notice, once each", () => {
    const observed = observedExposure(history, pool);
    assert.equal(observed.interruptions, 3, 'rebalance-only and hard losses are not EC2 interruptions the ledger can vouch for');
    assert.ok(Math.abs(observed.hours - 41) < 1e-9, `${observed.hours} h`);
  });

  it('counts a running session up to when it was last seen', () => {
    const running = session({ start: T0, end: undefined, endReason: undefined, lastSeenAt: T0 + 3 * HOUR });
    assert.deepEqual(observedExposure([running], pool), { interruptions: 0, hours: 3 });
  });
});

describe('autoIntervalFor', () => {
  it('with no history is the Advisor prior alone, as "auto" was before', () => {
    const auto = autoIntervalFor(pool, []);
    assert.ok(Math.abs(auto.perHour - advisor5to10.perHour) < 1e-15);
    assert.equal(auto.minutes, autoIntervalMinutes(advisor5to10.perHour));
    assert.equal(auto.explanation, 'no Spotbox history on g5.xlarge/us-east-1, Advisor prior 5-10%/month (worth 100 h) → 0.00011/h → checkpoint every 720 min (the 12 h cap)');
  });

  it('uses the observed interruptions and says which rate it used', () => {
    const auto = autoIntervalFor(pool, history);
    // (100 h x 0.000107/h + 3) / (100 h + 41 h) = 0.0213/h; Daly at 5-minute saves: 164 min.
    assert.ok(Math.abs(auto.perHour - (advisor5to10.perHour * 100 + 3) / 141) < 1e-12);
    assert.equal(auto.minutes, 164);
    assert.ok(auto.minutes < autoIntervalFor(pool, []).minutes, 'observed interruptions shorten the interval');
    assert.equal(auto.explanation, 'observed 3 interruptions in 41 h on g5.xlarge/us-east-1, Advisor prior 5-10%/month (worth 100 h) → 0.021/h → checkpoint every 164 min');
  });

  it('approaches the observed rate with a long history', () => {
    // A year of one interruption a day: the 100-hour prior is 1 % of the weight.
    const daily = Array.from({ length: 365 }, () => ran(24, ['notice']));
    const auto = autoIntervalFor(pool, daily);
    assert.ok(Math.abs(auto.minutes - autoIntervalMinutes(1 / 24)) <= 1, `${auto.minutes} min against 117 min for one interruption a day`);
  });

  it('names a prior that is not an Advisor bucket by its source and rate', () => {
    const auto = autoIntervalFor({ ...pool, interruption: { perHour: 0.02, source: 'preset' } }, []);
    assert.match(auto.explanation, /^no Spotbox history on g5\.xlarge\/us-east-1, preset prior 0\.02\/h \(worth 100 h\) → 0\.02\/h → checkpoint every \d+ min$/);
  });

  it("is the interval the agent is configured with when the launch passes the posterior rate", () => {
    const { profile } = parseProfile(
      JSON.stringify({ name: 'llama', regions: ['us-east-1'], instanceTypes: ['g5.xlarge'], maxPrice: 1, checkpoint: { bucket: 'ckpts', prefix: 'runs', intervalMinutes: 'auto' } }),
      '.spotbox/profile.json',
    );
    assert.ok(profile);
    const auto = autoIntervalFor(pool, history);
    assert.equal(agentForProfile(profile, 'us-east-1', '# bootstrap', { install: AGENT_INSTALL,  interruptionsPerHour: auto.perHour })?.config.intervalSeconds, 164 * 60);
  });
});
