import * as assert from 'node:assert/strict';
import { ageLabel, countByKind, describeOrphan } from '../../../src/core/hygiene/orphanLabels';

describe('orphan labels', () => {
  it('says how old a resource is, or that EC2 does not know', () => {
    const now = Date.UTC(2025, 0, 10);
    assert.equal(ageLabel(undefined, now), 'age unknown');
    assert.equal(ageLabel(now - 10_000, now), 'just created');
    assert.equal(ageLabel(now - 5 * 60_000, now), '5 min old');
    assert.equal(ageLabel(now - 47 * 3_600_000, now), '47 h old');
    assert.equal(ageLabel(now - 72 * 3_600_000, now), '3 days old');
  });

  it('names a resource by its id and, where different, its name; counts by kind in deletion order', () => {
    assert.equal(describeOrphan({ kind: 'security-group', id: 'sg-1', name: 'spotbox-a' }), 'security group sg-1 (spotbox-a)');
    assert.equal(describeOrphan({ kind: 'key-pair', id: 'spotbox-a' }), 'key pair spotbox-a');
    assert.equal(countByKind([{ kind: 'security-group' }, { kind: 'instance' }, { kind: 'security-group' }]), '1 instance, 2 security groups');
  });
});
