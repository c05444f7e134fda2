import * as assert from 'node:assert/strict';
import { createdAtOf } from '../../../src/core/hygiene/createdAt';

describe('createdAtOf (a listed resource\'s creation time for the sweep)', () => {
  it("reads Compute Engine's and ARM's timestamps, and gives nothing for a missing or unreadable one", () => {
    assert.deepEqual(createdAtOf('2026-01-10T04:05:06.789-08:00'), { createdAt: Date.parse('2026-01-10T12:05:06.789Z') });
    assert.deepEqual(createdAtOf('2026-01-10T12:00:00.1234567+00:00'), { createdAt: Date.parse('2026-01-10T12:00:00.123Z') });
    assert.deepEqual(createdAtOf(undefined), {});
    assert.deepEqual(createdAtOf(''), {});
    assert.deepEqual(createdAtOf('yesterday'), {});
  });
});
