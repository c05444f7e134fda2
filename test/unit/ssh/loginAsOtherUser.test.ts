import * as assert from 'node:assert/strict';
import { loginAsOtherUserError } from '../../../src/core/ssh/loginAsOtherUser';

describe("loginAsOtherUserError (cloud-init's refusal of a root login)", () => {
  const refusal = 'Please login as the user "ubuntu" rather than the user "root".\n\n';

  it('names the image user to set as sshUser', () => {
    const error = loginAsOtherUserError({ stdout: refusal, stderr: '', code: 142 });
    assert.equal(error?.message, 'The box logs in as "ubuntu", not "root": the image ran nothing for "root".');
    assert.equal(error?.nextStep, 'Set "sshUser": "ubuntu" in .spotbox/profile.json.');
  });

  it('reads Amazon Linux too', () => {
    assert.match(loginAsOtherUserError({ stdout: refusal.replace('ubuntu', 'ec2-user'), stderr: '', code: 142 })?.nextStep ?? '', /"sshUser": "ec2-user"/);
  });

  it('leaves every other result alone: another exit code, or the text without the exit code', () => {
    assert.equal(loginAsOtherUserError({ stdout: refusal, stderr: '', code: 0 }), undefined);
    assert.equal(loginAsOtherUserError({ stdout: 'training done', stderr: '', code: 142 }), undefined);
  });

  it('does not carry box text other than a plain user name into the message', () => {
    assert.equal(loginAsOtherUserError({ stdout: 'Please login as the user "x; rm -rf ~" rather than the user "root".', stderr: '', code: 142 }), undefined);
  });
});
