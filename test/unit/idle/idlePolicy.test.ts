import * as assert from 'node:assert/strict';
import type { ActivityReport } from '../../../src/core/idle/activityReport';
import { activityReportOf, idlePeriodOf } from '../../../src/core/idle/activityReport';
import { IDLE_REPORT_FRESH_MS, idleLimits, type IdleDecision, type IdleLimits } from '../../../src/core/idle/idlePolicy';
import { IDLE_SETTLE_MS, IdleWatch } from '../../../src/core/idle/idleWatch';
import { parseAgentEvent } from '../../../src/core/recovery/agentEvents';
import { FakeClock } from '../billing/fakeClock';

const T0 = Date.parse('2026-11-27T10:00:00Z');
const MINUTE = 60_000;
/** Terminate after 10 idle minutes, warn 2 minutes before. */
const LIMITS: IdleLimits = { stopAfterMs: 10 * MINUTE, warnBeforeMs: 2 * MINUTE, freshForMs: IDLE_REPORT_FRESH_MS };

/** A box whose agent reports every minute, and the editor's IdleWatch over it on a fake clock. */
class Box {
  /** Reports come at whole minutes of T0 and are judged IDLE_SETTLE_MS later. */
  readonly clock = new FakeClock(T0 + IDLE_SETTLE_MS);
  readonly decisions: Array<IdleDecision & { at: number }> = [];
  readonly watch = new IdleWatch(this.clock, (_box, decision) => this.decisions.push({ ...decision, at: this.clock.now() }));
  /** Box clock, epoch ms, of the start of the current idle period; undefined while busy. */
  private idleSince: number | undefined = T0;

  /** One minute passes on the box and a report about it arrives (and settles). */
  minute(options: { busy?: boolean; deliver?: boolean } = {}): ActivityReport {
    this.clock.advance(MINUTE - IDLE_SETTLE_MS);
    const now = this.clock.now();
    this.idleSince = options.busy ? undefined : (this.idleSince ?? now - MINUTE);
    const report = { time: now, sshSessions: options.busy ? 1 : 0, cpuPercent: 1, idleSeconds: this.idleSince === undefined ? 0 : (now - this.idleSince) / 1000 };
    if (options.deliver !== false) {
      this.watch.report('i-1', report, LIMITS);
    }
    this.clock.advance(IDLE_SETTLE_MS);
    return report;
  }

  minutes(count: number, options: { busy?: boolean; deliver?: boolean } = {}): void {
    for (let n = 0; n < count; n++) {
      this.minute(options);
    }
  }

  kinds(): string[] {
    return this.decisions.map((decision) => decision.kind);
  }
}

describe('idle stop policy (src/core/idle)', () => {
  it('is off for idleStopMinutes 0 or absent, and warns 5 minutes ahead (half the limit for short ones)', () => {
    assert.equal(idleLimits(0), undefined);
    assert.equal(idleLimits(undefined), undefined);
    assert.deepEqual(idleLimits(60), { stopAfterMs: 60 * MINUTE, warnBeforeMs: 5 * MINUTE, freshForMs: IDLE_REPORT_FRESH_MS });
    assert.equal(idleLimits(6)?.warnBeforeMs, 3 * MINUTE);
  });

  it('reads activity events from the journal and places the idle period', () => {
    const event = parseAgentEvent('{"time":"2026-11-27T10:05:00.000Z","type":"activity","sshSessions":0,"cpuPercent":2.5,"idleSeconds":120.5}');
    const report = activityReportOf(event!)!;
    assert.deepEqual(report, { time: T0 + 5 * MINUTE, sshSessions: 0, cpuPercent: 2.5, idleSeconds: 120.5 });
    assert.equal(idlePeriodOf(report), T0 + 3 * MINUTE - 500);
    assert.equal(idlePeriodOf({ ...report, sshSessions: 1, idleSeconds: 0 }), undefined, 'busy');
    assert.equal(activityReportOf(parseAgentEvent('{"time":"2026-11-27T10:05:00Z","type":"progress","step":3}')!), undefined);
    assert.equal(activityReportOf(parseAgentEvent('{"time":"2026-11-27T10:05:00Z","type":"activity","cpuPercent":3}')!), undefined, 'no session count');
  });

  it('warns once the box has been idle for the limit minus the warning, and terminates on the first report after the warning ran out', () => {
    const box = new Box();
    box.minutes(7);
    assert.deepEqual(box.kinds(), [], 'idle 7 of 10 minutes: too early');
    box.minute();
    assert.deepEqual(box.kinds(), ['warn']);
    const warning = box.decisions[0] as Extract<IdleDecision, { kind: 'warn' }> & { at: number };
    assert.equal(warning.idleMs, 8 * MINUTE);
    assert.equal(warning.terminateAt, warning.at + 2 * MINUTE, 'the warning gives the whole 2 minutes');
    box.minute();
    assert.deepEqual(box.kinds(), ['warn'], 'one warning, no termination before the deadline');
    box.minute();
    assert.deepEqual(box.kinds(), ['warn'], 'the report that came just before the deadline does not terminate');
    box.minute();
    assert.deepEqual(box.kinds(), ['warn', 'terminate']);
    assert.deepEqual(box.decisions[1], { kind: 'terminate', period: T0, idleMs: 11 * MINUTE, at: T0 + 11 * MINUTE + IDLE_SETTLE_MS });
    box.minutes(3);
    assert.deepEqual(box.kinds(), ['warn', 'terminate'], 'decided once');
  });

  it('does not terminate without a report after the deadline (lost link or agent): it fails safe', () => {
    const box = new Box();
    box.minutes(8);
    assert.deepEqual(box.kinds(), ['warn']);
    box.minutes(10, { deliver: false });
    box.clock.advance(60 * MINUTE);
    assert.deepEqual(box.kinds(), ['warn']);
    assert.equal(box.watch.state('i-1')?.phase.kind, 'warned');
  });

  it('withdraws the warning when the box is used again, and warns again after a new idle stretch', () => {
    const box = new Box();
    box.minutes(8);
    box.minute({ busy: true });
    assert.deepEqual(box.kinds(), ['warn', 'resumed']);
    box.minutes(5);
    assert.deepEqual(box.kinds(), ['warn', 'resumed'], 'the new idle period starts from zero');
    box.minutes(3);
    assert.deepEqual(box.kinds(), ['warn', 'resumed', 'warn']);
  });

  it('sees a new idle period even when the busy reports were missed', () => {
    const box = new Box();
    box.minutes(8);
    box.minute({ busy: true, deliver: false });
    box.minute();
    assert.deepEqual(box.kinds(), ['warn', 'resumed'], 'idle for 1 minute since a moment the editor did not see');
    box.minutes(10);
    assert.deepEqual(box.kinds(), ['warn', 'resumed', 'warn', 'terminate']);
  });

  it('Keep Running lets the box idle on until it is busy and idle again', () => {
    const box = new Box();
    box.minutes(8);
    box.watch.keepRunning('i-1');
    box.minutes(30);
    assert.deepEqual(box.kinds(), ['warn'], 'no termination, no second warning in the same idle period');
    box.minute({ busy: true });
    box.minutes(8);
    assert.deepEqual(box.kinds(), ['warn', 'warn']);
  });

  it('takes a Keep Running chosen in another window for the idle period it names', () => {
    const box = new Box();
    box.minutes(8);
    const period = (box.decisions[0] as Extract<IdleDecision, { kind: 'warn' }>).period;
    box.watch.forget('i-1');
    box.minute();
    assert.equal(box.kinds().length, 2, 'a fresh watch warns again');
    box.watch.keepRunning('i-1', period + 400);
    box.minutes(5);
    assert.deepEqual(box.kinds(), ['warn', 'warn']);
  });

  it('decides on the last report of a burst: a replayed journal neither warns about old idle time nor misses new activity', () => {
    const clock = new FakeClock(T0 + 21 * MINUTE);
    const decisions: IdleDecision[] = [];
    const watch = new IdleWatch(clock, (_box, decision) => decisions.push(decision));
    // A reloaded window reads the whole journal at once: idle for 20 minutes up to a minute ago, busy now.
    for (let minute = 1; minute <= 20; minute++) {
      watch.report('i-1', { time: T0 + minute * MINUTE, sshSessions: 0, idleSeconds: minute * 60 }, LIMITS);
    }
    watch.report('i-1', { time: clock.now(), sshSessions: 1, idleSeconds: 0 }, LIMITS);
    clock.advance(IDLE_SETTLE_MS);
    assert.deepEqual(decisions, []);
    // The same journal of a box whose agent stopped writing 40 minutes ago: history, not a reason to warn.
    clock.advance(40 * MINUTE);
    watch.forget('i-1');
    for (let minute = 1; minute <= 20; minute++) {
      watch.report('i-1', { time: T0 + minute * MINUTE, sshSessions: 0, idleSeconds: minute * 60 }, LIMITS);
    }
    clock.advance(IDLE_SETTLE_MS);
    assert.deepEqual(decisions, []);
  });

  it('ignores reports older than the newest it has seen', () => {
    const box = new Box();
    box.minutes(7);
    const recent = box.minute();
    box.watch.report('i-1', { ...recent, time: recent.time - 30_000, sshSessions: 1, idleSeconds: 0 }, LIMITS);
    box.clock.advance(IDLE_SETTLE_MS);
    assert.deepEqual(box.kinds(), ['warn'], 'the late busy report did not withdraw the warning');
  });

  it('stops deciding for a box that is forgotten (gone, or its termination failed)', () => {
    const box = new Box();
    box.minutes(7);
    box.watch.report('i-1', { time: T0 + 8 * MINUTE, sshSessions: 0, idleSeconds: 8 * 60 }, LIMITS);
    box.watch.forget('i-1');
    box.clock.advance(MINUTE);
    assert.deepEqual(box.watch.watched(), []);
    assert.deepEqual(box.kinds(), []);
    assert.deepEqual(box.clock.pending(), [], 'no timer left behind');
  });
});
