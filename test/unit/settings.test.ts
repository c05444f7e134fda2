import * as assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, parseSettings, type SettingKey } from '../../src/core/config/settings';

const reading = (values: Partial<Record<SettingKey, unknown>>) => (key: SettingKey) => values[key];

describe('parseSettings', () => {
  it('uses the defaults when nothing is set', () => {
    const { settings, problems } = parseSettings(reading({}));
    assert.deepEqual(settings, DEFAULT_SETTINGS);
    assert.deepEqual(problems, []);
  });

  it('keeps valid values and removes duplicate regions', () => {
    const { settings, problems } = parseSettings(
      reading({ regions: ['eu-central-1', 'us-gov-west-1', 'eu-central-1'], awsProfile: ' research ', 'statusBar.costTicker': false }),
    );
    assert.deepEqual(settings, { regions: ['eu-central-1', 'us-gov-west-1'], awsProfile: 'research', costTickerEnabled: false, checkIpUrl: DEFAULT_SETTINGS.checkIpUrl, fisRoleArn: '' });
    assert.deepEqual(problems, []);
  });

  it('reports bad regions by name and keeps the good ones', () => {
    const { settings, problems } = parseSettings(reading({ regions: ['us-east-1', 'Virginia', 42] }));
    assert.deepEqual(settings.regions, ['us-east-1']);
    assert.equal(problems.length, 1);
    assert.match(problems[0]?.message ?? '', /Virginia, 42/);
    assert.match(problems[0]?.message ?? '', /us-east-1/);
  });

  it('falls back to defaults for values of the wrong type', () => {
    const { settings, problems } = parseSettings(reading({ regions: 'us-east-1', awsProfile: 'a b', 'statusBar.costTicker': 'yes', checkIpUrl: 'ftp://example.invalid' }));
    assert.deepEqual(settings, DEFAULT_SETTINGS);
    assert.deepEqual(
      problems.map((problem) => problem.key),
      ['regions', 'awsProfile', 'statusBar.costTicker', 'checkIpUrl'],
    );
  });
});
