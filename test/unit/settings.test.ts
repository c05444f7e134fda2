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
      reading({ regions: ['eu-central-1', 'us-gov-west-1', 'eu-central-1'], awsProfile: ' research ', 'statusBar.costTicker': false, gcpConfiguration: 'spotbox-sandbox', gcpProject: 'my-project-123', azureSubscription: '0b1f6471-1bf0-4dda-aec3-cb9272f09590' }),
    );
    assert.deepEqual(settings, {
      regions: ['eu-central-1', 'us-gov-west-1'],
      awsProfile: 'research',
      costTickerEnabled: false,
      checkIpUrl: DEFAULT_SETTINGS.checkIpUrl,
      fisRoleArn: '',
      gcpConfiguration: 'spotbox-sandbox',
      gcpProject: 'my-project-123',
      azureSubscription: '0b1f6471-1bf0-4dda-aec3-cb9272f09590',
    });
    assert.deepEqual(problems, []);
  });

  it("takes the editor process's SPOTBOX_CHECK_IP_URL as the check-IP default (the sandbox's editor), user settings first", () => {
    const sandbox = { SPOTBOX_CHECK_IP_URL: 'http://127.0.0.1:4123/checkip' };
    assert.equal(parseSettings(reading({}), sandbox).settings.checkIpUrl, 'http://127.0.0.1:4123/checkip');
    assert.equal(parseSettings(reading({ checkIpUrl: 'https://ip.example.com' }), sandbox).settings.checkIpUrl, 'https://ip.example.com');
    assert.equal(parseSettings(reading({}), { SPOTBOX_CHECK_IP_URL: 'http://ip.example.com' }).settings.checkIpUrl, DEFAULT_SETTINGS.checkIpUrl, 'plain http off loopback is refused from there too');
  });

  it('refuses a gcloud configuration or project name that is not one, leaving Google Cloud unconnected', () => {
    const { settings, problems } = parseSettings(reading({ gcpConfiguration: '../../etc', gcpProject: 'No Such Project' }));
    assert.deepEqual([settings.gcpConfiguration, settings.gcpProject], ['', '']);
    assert.deepEqual(problems.map((problem) => problem.key), ['gcpConfiguration', 'gcpProject']);
    assert.match(problems[0]?.message ?? '', /Choose GCP Project/);
  });

  it('refuses an Azure subscription that is not a GUID, leaving Azure unconnected', () => {
    const { settings, problems } = parseSettings(reading({ azureSubscription: 'my-subscription' }));
    assert.equal(settings.azureSubscription, '');
    assert.deepEqual(problems.map((problem) => problem.key), ['azureSubscription']);
    assert.match(problems[0]?.message ?? '', /Choose Azure Subscription/);
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

describe('spotbox.checkIpUrl must be https (its answer decides who may SSH in)', () => {
  it('refuses a plain-http service and says why, keeping the https default', () => {
    const { settings, problems } = parseSettings(reading({ checkIpUrl: 'http://checkip.example.com/' }));
    assert.equal(settings.checkIpUrl, DEFAULT_SETTINGS.checkIpUrl);
    assert.deepEqual(problems.map((problem) => problem.key), ['checkIpUrl']);
    assert.match(problems[0]?.message ?? '', /must use https: http:\/\/checkip\.example\.com answers over plain http/);
  });

  it('takes https anywhere and http only on a loopback host (the sandbox serves 127.0.0.1)', () => {
    for (const url of ['https://ip.example.org/me', 'http://127.0.0.1:4571/checkip', 'http://localhost:8080/checkip', 'http://[::1]:9/checkip']) {
      const { settings, problems } = parseSettings(reading({ checkIpUrl: url }));
      assert.deepEqual([settings.checkIpUrl, problems], [url, []], url);
    }
    for (const url of ['http://127.0.0.1.evil.example/', 'http://10.0.0.1/', 'not a url']) {
      assert.equal(parseSettings(reading({ checkIpUrl: url })).problems.length, 1, url);
    }
  });
});
