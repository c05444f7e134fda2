import * as assert from 'node:assert/strict';
import { buildDashboardModel } from '../../../src/core/dashboard/dashboardModel';
import { hours, percent, usd, usdFine } from '../../../src/core/dashboard/dashboardFormat';
import { LEDGER_VERSION, parseLedger } from '../../../src/core/dashboard/ledgerFile';
import { monthlyProjection } from '../../../src/core/dashboard/monthlyProjection';
import { DAY, HOUR, session, T0, withoutCloud } from './fixtures';

const near = (actual: number | undefined, expected: number, what = ''): void => assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `${what}: expected ${expected}, got ${actual}`);

describe('buildDashboardModel', () => {
  it('is empty without sessions', () => {
    const model = buildDashboardModel([], T0);
    assert.equal(model.empty, true);
    assert.deepEqual(model.boxes, []);
    assert.equal(model.totals.savingsUsd, 0);
  });

  it('measures savings in total and per box, over sessions priced both ways only', () => {
    const model = buildDashboardModel(
      [
        session({ instanceId: 'i-a1', boxName: 'llama', accruedUsd: 3, onDemandEquivalentUsd: 10, start: T0, end: T0 + 2 * HOUR, lastSeenAt: T0 + 2 * HOUR }),
        // A replacement after an interruption keeps the box's name: one row for both.
        session({ instanceId: 'i-a2', boxName: 'llama', accruedUsd: 1, onDemandEquivalentUsd: 4, start: T0 + 3 * HOUR, end: undefined, lastSeenAt: T0 + 4 * HOUR, instanceType: 'g5.2xlarge' }),
        session({ instanceId: 'i-b', boxName: 'mistral', accruedUsd: 6, onDemandEquivalentUsd: 6, lifecycle: 'on-demand', start: T0, end: T0 + HOUR, lastSeenAt: T0 + HOUR }),
        session({ instanceId: 'i-c', boxName: 'dark', accruedUsd: 2, onDemandEquivalentUsd: undefined, start: T0, end: T0 + HOUR, lastSeenAt: T0 + HOUR }),
      ],
      T0 + 4 * HOUR,
    );
    near(model.totals.spotUsd, 12, 'spent');
    near(model.totals.onDemandUsd, 20, 'on-demand of the sessions priced both ways');
    near(model.totals.savingsUsd, 10, 'saved');
    near(model.totals.savingsPercent, 50, 'percent');
    near(model.totals.boxHours, 5, 'hours');
    assert.equal(model.totals.unpricedSessions, 1);
    assert.equal(model.totals.runningSessions, 1);
    const llama = model.boxes.find((row) => row.boxName === 'llama');
    assert.equal(model.boxes[0]?.boxName, 'llama', 'the most recently used box first');
    assert.equal(llama?.sessions, 2);
    assert.deepEqual(llama?.instanceTypes, ['g5.xlarge', 'g5.2xlarge']);
    assert.equal(llama?.running, true);
    near(llama?.savingsUsd, 10, 'llama saved');
    near(llama?.savingsPercent, (10 / 14) * 100, 'llama percent');
    near(model.boxes.find((row) => row.boxName === 'mistral')?.savingsUsd, 0, 'on-demand box');
  });

  it('counts interruptions by instance type and by region, next to the spot hours exposed', () => {
    const model = buildDashboardModel(
      [
        session({ instanceId: 'i-1', instanceType: 'p5.48xlarge', region: 'us-east-1', start: T0, end: T0 + 10 * HOUR, interruptions: [{ kind: 'notice', time: T0 + 1 }, { kind: 'rebalance', time: T0 + 2 }] }),
        session({ instanceId: 'i-2', instanceType: 'p5.48xlarge', region: 'us-west-2', start: T0, end: T0 + 10 * HOUR, interruptions: [{ kind: 'hard', time: T0 + 3 }] }),
        session({ instanceId: 'i-3', instanceType: 'g5.xlarge', region: 'us-west-2', start: T0, end: T0 + 40 * HOUR, interruptions: [] }),
        session({ instanceId: 'i-4', instanceType: 'g5.xlarge', region: 'eu-west-1', lifecycle: 'on-demand', start: T0, end: T0 + 50 * HOUR, interruptions: [] }),
      ],
      T0 + 50 * HOUR,
    );
    assert.deepEqual(
      model.interruptionsByType.map((row) => [row.key, row.notice, row.rebalance, row.hard, row.total, row.spotHours]),
      [
        ['p5.48xlarge', 1, 1, 1, 3, 20],
        ['g5.xlarge', 0, 0, 0, 0, 40],
      ],
    );
    near(model.interruptionsByType[0]?.per100Hours, 15, 'p5 rate');
    assert.deepEqual(
      model.interruptionsByRegion.map((row) => [row.key, row.total, row.spotHours]),
      [
        ['us-east-1', 2, 10],
        ['us-west-2', 1, 50],
      ],
      'on-demand hours are not exposure',
    );
  });

  it('divides the whole cost of the sessions that reported epochs by the distinct epochs finished', () => {
    const model = buildDashboardModel(
      [
        session({ instanceId: 'i-1', boxName: 'llama', accruedUsd: 6, onDemandEquivalentUsd: 20, epochs: [1, 2, 3].map((epoch) => ({ epoch, time: T0 + epoch })) }),
        // Resumed on a replacement: epoch 3 redone, then 4 and 5; it costs, but counts once.
        session({ instanceId: 'i-2', boxName: 'llama', accruedUsd: 4, onDemandEquivalentUsd: 10, start: T0 + 2 * HOUR, epochs: [3, 4, 5].map((epoch) => ({ epoch, time: T0 + 2 * HOUR + epoch })) }),
        session({ instanceId: 'i-3', boxName: 'mistral', accruedUsd: 3, onDemandEquivalentUsd: undefined, epochs: [{ epoch: 1, time: T0 }] }),
        session({ instanceId: 'i-4', boxName: 'idle', accruedUsd: 50, epochs: [] }),
      ],
      T0 + 4 * HOUR,
    );
    assert.deepEqual(
      model.epochs.map((row) => [row.boxName, row.epochs, row.spotUsd, row.spotPerEpochUsd, row.onDemandPerEpochUsd]),
      [
        ['llama', 5, 10, 2, 6],
        ['mistral', 1, 3, 3, undefined],
      ],
    );
    assert.deepEqual(model.epochTotals, { epochs: 6, spotUsd: 13, spotPerEpochUsd: 13 / 6, onDemandPerEpochUsd: undefined });
  });
});

describe('buildDashboardModel by cloud', () => {
  const gcp = { cloud: 'gcp' as const, region: 'us-central1', availabilityZone: 'us-central1-a', instanceType: 'g2-standard-4' };
  const sessions = [
    session({ instanceId: 'i-1', accruedUsd: 3, onDemandEquivalentUsd: 10, end: T0 + 10 * HOUR, lastSeenAt: T0 + 10 * HOUR, interruptions: [{ kind: 'notice', time: T0 + HOUR }, { kind: 'rebalance', time: T0 + 2 * HOUR }] }),
    session({ instanceId: 'i-2', accruedUsd: 1, onDemandEquivalentUsd: undefined, lifecycle: 'on-demand', start: T0 + 20 * HOUR, end: T0 + 25 * HOUR, lastSeenAt: T0 + 25 * HOUR }),
    session({ ...gcp, instanceId: 'gce-1', boxName: 'gemma', accruedUsd: 2, onDemandEquivalentUsd: 8, end: T0 + 4 * HOUR, lastSeenAt: T0 + 4 * HOUR, interruptions: [{ kind: 'notice', time: T0 + 3 * HOUR }], epochs: [1, 2, 3, 4].map((epoch) => ({ epoch, time: T0 + epoch })) }),
    session({ ...gcp, instanceId: 'gce-2', boxName: 'gemma', accruedUsd: 1, onDemandEquivalentUsd: 4, start: T0 + 5 * HOUR, end: T0 + 6 * HOUR, lastSeenAt: T0 + 6 * HOUR, interruptions: [{ kind: 'hard', time: T0 + 6 * HOUR }] }),
  ];

  it('sums each cloud the way the totals are summed, with its interruptions by kind and its cost per epoch', () => {
    const model = buildDashboardModel(sessions, T0 + 30 * HOUR);
    assert.deepEqual(model.byCloud.map((row) => [row.cloud, row.label]), [['aws', 'AWS'], ['gcp', 'Google Cloud']], 'one row per cloud used, Azure absent');
    const [aws, google] = model.byCloud;
    assert.equal(aws.totals.sessions, 2);
    near(aws.totals.boxHours, 15, 'AWS hours');
    near(aws.totals.spotUsd, 4, 'AWS spent, the unpriced session included');
    near(aws.totals.onDemandUsd, 10, 'AWS on-demand');
    near(aws.totals.savingsPercent, 70, 'AWS percent');
    assert.equal(aws.totals.unpricedSessions, 1);
    assert.deepEqual([aws.interruptions?.notice, aws.interruptions?.rebalance, aws.interruptions?.hard, aws.interruptions?.spotHours], [1, 1, 0, 10], 'spot hours only');
    assert.equal(aws.epochs, undefined, 'no epochs reported on AWS');
    near(google.totals.savingsUsd, 9, 'Google Cloud saved');
    near(google.totals.savingsPercent, 75, 'Google Cloud percent');
    assert.deepEqual([google.interruptions?.notice, google.interruptions?.hard, google.interruptions?.total], [1, 1, 2]);
    near(google.interruptions?.per100Hours, 40, 'Google Cloud per 100 h');
    near(google.epochs?.spotPerEpochUsd, 2 / 4, 'the sessions that reported epochs, over the epochs');
    near(google.epochs?.onDemandPerEpochUsd, 8 / 4, 'on-demand per epoch');
    for (const key of ['spotUsd', 'onDemandUsd', 'savingsUsd', 'boxHours', 'sessions'] as const) {
      near(aws.totals[key] + google.totals[key], model.totals[key], `${key}: the clouds add up to the total`);
    }
  });

  it('says whose region it is when more than one cloud ran', () => {
    const model = buildDashboardModel(sessions, T0 + 30 * HOUR);
    assert.deepEqual(model.interruptionsByRegion.map((row) => [row.key, row.total]), [['AWS us-east-1', 2], ['Google Cloud us-central1', 2]]);
    const awsOnly = buildDashboardModel(sessions.filter((entry) => entry.cloud === 'aws'), T0 + 30 * HOUR);
    assert.deepEqual(awsOnly.interruptionsByRegion.map((row) => row.key), ['us-east-1']);
    assert.deepEqual(awsOnly.byCloud.map((row) => row.cloud), ['aws']);
  });

  it('puts an old ledger, written before sessions recorded their cloud, under AWS', () => {
    const written = withoutCloud(session({ accruedUsd: 2, onDemandEquivalentUsd: 5 }));
    const { data } = parseLedger(JSON.stringify({ version: LEDGER_VERSION, sessions: [written], pendingEvents: [] }));
    const model = buildDashboardModel(data.sessions, T0 + 2 * HOUR);
    assert.deepEqual(model.byCloud.map((row) => [row.label, row.totals.sessions, row.totals.savingsUsd]), [['AWS', 1, 3]]);
  });

  it('has no cloud rows without sessions', () => {
    assert.deepEqual(buildDashboardModel([], T0).byCloud, []);
  });
});

describe('monthlyProjection', () => {
  const now = T0 + 30 * DAY;

  it('scales the last 7 days to 30, counting a straddling session by its share of time in the window', () => {
    const projection = monthlyProjection(
      [
        session({ instanceId: 'in', start: now - 2 * DAY, end: now - 2 * DAY + 10 * HOUR, accruedUsd: 4, onDemandEquivalentUsd: 14 }),
        // 10 of its 20 hours fall inside the window.
        session({ instanceId: 'straddle', start: now - 7 * DAY - 10 * HOUR, end: now - 7 * DAY + 10 * HOUR, accruedUsd: 6, onDemandEquivalentUsd: 16 }),
        session({ instanceId: 'old', start: now - 20 * DAY, end: now - 19 * DAY, accruedUsd: 100, onDemandEquivalentUsd: 300 }),
      ],
      now,
    );
    near(projection.windowSpotUsd, 4 + 3, 'window spot');
    near(projection.windowSavingsUsd, 10 + 5, 'window savings');
    near(projection.projectedSavingsUsd, (15 * 30) / 7, 'projected');
    near(projection.projectedSpotUsd, (7 * 30) / 7, 'projected spot');
    assert.equal(projection.coveredDays, 7);
  });

  it('says how much of the window a young ledger covers, and counts a running session up to now', () => {
    const projection = monthlyProjection([session({ start: now - 2 * DAY, end: undefined, lastSeenAt: now, accruedUsd: 2, onDemandEquivalentUsd: 5 })], now);
    near(projection.coveredDays, 2, 'covered');
    near(projection.projectedSavingsUsd, (3 * 30) / 7, 'projected');
  });
});

describe('dashboard figures as written', () => {
  it('formats money, percentages and hours the way the webview shows them', () => {
    assert.deepEqual([usd(0.4), usd(1234.5), usd(-2.5), usdFine(0.0123), usdFine(-0.5), usdFine(12), percent(63.84), percent(undefined), hours(2.25), hours(1234)], [
      '$0.40',
      '$1,235',
      '-$2.50',
      '$0.012',
      '-$0.500',
      '$12.00',
      '63.8 %',
      '–',
      '2.3 h',
      '1,234 h',
    ]);
  });
});
