import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientTally } from './client-tally.js';

test('the tally sums a window per source, names denial codes, then starts afresh', () => {
  const tally = new ClientTally();
  assert.equal(tally.summary(5, 0), undefined, 'nothing happened: no line');
  tally.count('server', 'granted');
  tally.count('server', 'granted');
  tally.count('server', 'released');
  tally.count('server', 'denied', 'NO_SEATS');
  tally.count('cloud', 'granted');
  tally.count('server', 'denied', 'NO_SEATS');
  assert.equal(
    tally.summary(5, 7),
    'last 5 s: License Server: 2 granted, 1 released, 2 denied · Cloud subscription: 1 granted, 0 released' +
      ' (denials: NO_SEATS x2) · 7 seats held now',
  );
  assert.equal(tally.summary(5, 7), undefined, 'the window was reset');
});
