import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GIT_REMOTE, parseProfile } from '../../../src/core/profile/parseProfile';

const base = { name: 'llama', regions: ['us-east-1'], gpu: 'A10G', gpus: 1, maxPrice: 1 };

describe('profile "cloneFrom" (clone the repository on the box instead of uploading)', () => {
  it('is optional and read as written', () => {
    assert.equal(parseProfile(JSON.stringify(base), 'p.json').profile?.cloneFrom, undefined);
    for (const url of ['https://github.com/you/project.git', 'git@github.com:you/project.git', 'ssh://git@host:2222/x.git', '/srv/git/project.git']) {
      assert.equal(parseProfile(JSON.stringify({ ...base, cloneFrom: url }), 'p.json').profile?.cloneFrom, url);
    }
  });

  it('refuses what git could read as an option or split into words, at its position', () => {
    for (const bad of ['--upload-pack=touch /tmp/x', 'https://a b', '', 42]) {
      const { profile, problems } = parseProfile(`{"name":"llama","regions":["us-east-1"],"gpu":"A10G","gpus":1,"maxPrice":1,\n"cloneFrom": ${JSON.stringify(bad)}}`, 'p.json');
      assert.equal(profile, undefined, String(bad));
      assert.equal(problems.length, 1);
      assert.equal(problems[0].line, 2);
      assert.match(problems[0].message, /cloneFrom.*git remote URL/);
    }
  });

  it('has the same pattern in the JSON schema', () => {
    const schema = JSON.parse(fs.readFileSync(path.resolve('resources/schemas/profile.schema.json'), 'utf8')) as { properties: Record<string, { pattern?: string }> };
    assert.equal(schema.properties.cloneFrom.pattern, GIT_REMOTE.source);
  });
});
