// The reference host's version ordering (www/extensions.js `compareVersions`), which decides
// whether an update is offered: SemVer 2.0.0 §11 precedence, run in Node (the function is pure).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareVersions } from '../../www/extensions.js';

test('versions sort by SemVer precedence (semver.org §11.4 example chain)', () => {
  // The specification's own example, in ascending order.
  const chain = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2',
    '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'];
  for (let i = 0; i < chain.length; i++) {
    for (let j = 0; j < chain.length; j++) {
      assert.equal(compareVersions(chain[i], chain[j]), Math.sign(i - j), `${chain[i]} vs ${chain[j]}`);
    }
  }
});

test('numeric prerelease identifiers compare as numbers: rc.10 is after rc.2', () => {
  assert.equal(compareVersions('1.0.0-rc.10', '1.0.0-rc.2'), 1);
  assert.equal(compareVersions('1.0.0-rc.2', '1.0.0-rc.10'), -1);
  assert.equal(compareVersions('2.0.0-9', '2.0.0-10'), -1);
});

test('major, minor and patch compare as numbers; build metadata is ignored', () => {
  assert.equal(compareVersions('1.10.0', '1.9.0'), 1);
  assert.equal(compareVersions('1.0.0', '1.0.0'), 0);
  assert.equal(compareVersions('1.0.0+build.1', '1.0.0+build.2'), 0);
  assert.equal(compareVersions('1.0.0-rc.1+a', '1.0.0-rc.1'), 0);
  assert.equal(compareVersions('0.9.9', '1.0.0-alpha'), -1);
});
