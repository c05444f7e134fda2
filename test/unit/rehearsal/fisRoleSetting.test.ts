import * as assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, parseSettings, SETTING_KEYS, type SettingKey } from '../../../src/core/config/settings';

const reading = (values: Partial<Record<SettingKey, unknown>>) => (key: SettingKey) => values[key];

describe('spotbox.fisRoleArn setting', () => {
  it('is empty by default, so a rehearsal asks for it', () => {
    assert.equal(DEFAULT_SETTINGS.fisRoleArn, '');
    assert.equal(SETTING_KEYS.fisRoleArn, 'fisRoleArn');
  });

  it('keeps a role ARN, trimmed', () => {
    const { settings, problems } = parseSettings(reading({ fisRoleArn: ' arn:aws:iam::123456789012:role/SpotboxFis ' }));
    assert.equal(settings.fisRoleArn, 'arn:aws:iam::123456789012:role/SpotboxFis');
    assert.deepEqual(problems, []);
  });

  it('reports a value that is not a string and falls back to none', () => {
    const { settings, problems } = parseSettings(reading({ fisRoleArn: 42 }));
    assert.equal(settings.fisRoleArn, '');
    assert.deepEqual(problems.map((problem) => problem.key), ['fisRoleArn']);
    assert.match(problems[0]?.message ?? '', /IAM role ARN/);
  });
});
