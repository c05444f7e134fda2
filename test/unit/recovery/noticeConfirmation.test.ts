import * as assert from 'node:assert/strict';
import type { Box } from '../../../src/core/boxes/box';
import { silentLogger } from '../../../src/core/logging/logger';
import { routeAgentEvent, type AgentEventTargets } from '../../../src/core/recovery/agentEventRouter';
import { parseAgentEvent } from '../../../src/core/recovery/agentEvents';
import { NoticeBoard } from '../../../src/core/recovery/noticeBoard';
import { confirmSpotNotice, isInterruptionStatus, NoticeChecks, type NoticeCloud, type NoticeInstanceView, type NoticeVerdict } from '../../../src/core/recovery/noticeConfirmation';
import type { InterruptionFacts } from '../../../src/core/recovery/recoveryCoordinatorPorts';

/** A fake EC2 whose answers change over (fake) time, and a clock that only moves when the check sleeps. */
function fakeEc2(answer: (now: number) => { instance?: NoticeInstanceView; status?: string } | Error) {
  let now = 0;
  const calls: number[] = [];
  const cloud: NoticeCloud = {
    describeInstance: async () => {
      calls.push(now);
      const current = answer(now);
      if (current instanceof Error) {
        throw current;
      }
      return current.instance;
    },
    spotRequestStatus: async () => {
      const current = answer(now);
      return current instanceof Error ? undefined : current.status;
    },
  };
  const options = { now: () => now, sleep: async (ms: number) => void (now += ms) };
  return { cloud, options, calls, elapsed: () => now };
}

const SPOT: NoticeInstanceView = { state: 'running', spotInstanceRequestId: 'sir-1' };

describe('confirming a spot notice with EC2 (src/core/recovery/noticeConfirmation)', () => {
  it('knows the status codes of an interruption, and not those of a healthy or user-ended request', () => {
    for (const code of ['marked-for-termination', 'marked-for-stop', 'marked-for-hibernation', 'instance-terminated-by-price', 'instance-terminated-no-capacity', 'instance-stopped-by-price']) {
      assert.ok(isInterruptionStatus(code), code);
    }
    for (const code of ['fulfilled', 'pending-fulfillment', 'capacity-not-available', undefined]) {
      assert.ok(!isInterruptionStatus(code), String(code));
    }
  });

  it('confirms at once when the spot request is marked for termination: a genuine recovery is not held up', async () => {
    const ec2 = fakeEc2(() => ({ instance: SPOT, status: 'marked-for-termination' }));
    const verdict = await confirmSpotNotice(ec2.cloud, 'i-1', ec2.options);
    assert.deepEqual(verdict, { confirmed: true, evidence: 'spot request sir-1 is marked-for-termination' });
    assert.equal(ec2.elapsed(), 0);
    assert.equal(ec2.calls.length, 1);
  });

  it('waits for EC2 to catch up with the box\'s metadata, with backoff', async () => {
    const ec2 = fakeEc2((now) => ({ instance: SPOT, status: now >= 1_200 ? 'marked-for-termination' : 'fulfilled' }));
    const verdict = await confirmSpotNotice(ec2.cloud, 'i-1', ec2.options);
    assert.equal(verdict.confirmed, true);
    assert.deepEqual(ec2.calls, [0, 500, 1_500], 'asked again after 0.5 s, then 1 s');
  });

  it('takes an instance EC2 is already ending as confirmation', async () => {
    const ec2 = fakeEc2(() => ({ instance: { ...SPOT, state: 'shutting-down' }, status: 'fulfilled' }));
    assert.deepEqual(await confirmSpotNotice(ec2.cloud, 'i-1', ec2.options), { confirmed: true, evidence: 'i-1 is shutting-down' });
  });

  it('refuses a notice EC2 never marks, after about 10 s and a handful of calls', async () => {
    const ec2 = fakeEc2(() => ({ instance: SPOT, status: 'fulfilled' }));
    const verdict = await confirmSpotNotice(ec2.cloud, 'i-1', ec2.options);
    assert.equal(verdict.confirmed, false);
    assert.equal(!verdict.confirmed && verdict.reason, 'not-marked');
    assert.ok(ec2.elapsed() <= 10_000, `gave up within the budget (${ec2.elapsed()} ms)`);
    assert.ok(ec2.elapsed() >= 6_000, `but not before EC2 had time to catch up (${ec2.elapsed()} ms)`);
    assert.ok(ec2.calls.length <= 6, `${ec2.calls.length} calls`);
  });

  it('refuses an on-demand box at once: it has no spot request, so it gets no spot notice', async () => {
    const ec2 = fakeEc2(() => ({ instance: { state: 'running' } }));
    const verdict = await confirmSpotNotice(ec2.cloud, 'i-1', ec2.options);
    assert.equal(!verdict.confirmed && verdict.reason, 'on-demand');
    assert.equal(ec2.calls.length, 1);
  });

  it('refuses when EC2 cannot be reached within the budget, and confirms if it answers in time', async () => {
    const down = fakeEc2(() => new Error('connect ECONNREFUSED'));
    const verdict = await confirmSpotNotice(down.cloud, 'i-1', down.options);
    assert.equal(!verdict.confirmed && verdict.reason, 'unreachable');
    const flaky = fakeEc2((now) => (now < 500 ? new Error('throttled') : { instance: SPOT, status: 'marked-for-termination' }));
    assert.equal((await confirmSpotNotice(flaky.cloud, 'i-1', flaky.options)).confirmed, true);
  });

  it('checks one notice once however many ask, keeps a confirmation, and checks again after a refusal', async () => {
    const verdicts: NoticeVerdict[] = [{ confirmed: false, reason: 'not-marked', detail: 'fulfilled' }, { confirmed: true, evidence: 'marked' }];
    let checks = 0;
    let finish: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (finish = resolve));
    const checksOf = new NoticeChecks(async () => {
      await gate;
      return verdicts[checks++];
    });
    const both = Promise.all([checksOf.confirm('us-east-1', 'i-1'), checksOf.confirm('us-east-1', 'i-1')]);
    finish();
    const [first, second] = await both;
    assert.equal(checks, 1, 'the router and the coordinator share one check');
    assert.equal(first, second);
    assert.equal(first.confirmed, false);
    assert.equal((await checksOf.confirm('us-east-1', 'i-1')).confirmed, true, 'a later genuine notice is not refused for an earlier forged one');
    assert.equal((await checksOf.confirm('us-east-1', 'i-1')).confirmed, true);
    assert.equal(checks, 2, 'a confirmation is remembered');
  });
});

describe('routing a journal notice (src/core/recovery/agentEventRouter)', () => {
  const box = { instanceId: 'i-1', name: 'trainer', region: 'us-east-1', instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a', lifecycle: 'spot', state: 'running' } as Box;
  const line = JSON.stringify({ type: 'notice', time: '2026-12-01T10:00:00Z', action: 'terminate', actionTime: '2026-12-01T10:02:00Z' });

  function targets(verdict: NoticeVerdict) {
    const seen = { recovered: [] as InterruptionFacts[], announced: 0, ignored: [] as string[], warnings: [] as string[] };
    let settle: () => void = () => undefined;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const notices = new NoticeBoard();
    const routed: AgentEventTargets = {
      notices,
      confirmNotice: async () => verdict,
      recover: async (facts) => (seen.recovered.push(facts), settle()),
      noteStep: async () => undefined,
      announce: () => void seen.announced++,
      noticeIgnored: (_box, refused) => (seen.ignored.push(refused.reason), settle()),
      logger: { ...silentLogger, warn: (message) => void seen.warnings.push(message) },
    };
    return { routed, seen, settled, notices };
  }

  it('shows the countdown and starts the recovery once EC2 confirms', async () => {
    const { routed, seen, settled, notices } = targets({ confirmed: true, evidence: 'marked' });
    routeAgentEvent(box, parseAgentEvent(line)!, routed, Date.parse('2026-12-01T10:00:01Z'));
    await settled;
    assert.equal(notices.of('i-1')?.kind, 'interruption');
    assert.equal(seen.announced, 1);
    assert.equal(seen.recovered.length, 1);
    assert.equal(seen.recovered[0].actionTime, Date.parse('2026-12-01T10:02:00Z'));
  });

  it('a forged notice gets a warning in the log and a note, but no countdown, announcement or recovery', async () => {
    const { routed, seen, settled, notices } = targets({ confirmed: false, reason: 'not-marked', detail: 'spot request sir-1 is fulfilled and i-1 is running' });
    routeAgentEvent(box, parseAgentEvent(line)!, routed, Date.parse('2026-12-01T10:00:01Z'));
    await settled;
    assert.deepEqual(seen.ignored, ['not-marked']);
    assert.equal(notices.of('i-1'), undefined);
    assert.equal(seen.announced, 0);
    assert.deepEqual(seen.recovered, []);
    assert.equal(seen.warnings.length, 1);
    assert.match(seen.warnings[0], /trainer \(i-1\): the box's journal reported a spot notice that EC2 does not confirm; ignored/);
  });
});
