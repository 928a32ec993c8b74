import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withPortFallback } from './ports.js';

const inUse = (port?: number) => Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', port });

describe('the demo’s ports', () => {
  test('a busy port is replaced by a free one (0), and said so; the other port stays', async () => {
    const tried: number[][] = [];
    const lines: string[] = [];
    const got = await withPortFallback(
      async (ports) => {
        tried.push([...ports]);
        if (ports[1] === 7570) throw inUse(7570);
        return ports;
      },
      [
        { port: 7569, what: 'the client API' },
        { port: 7570, what: 'the admin API' },
      ],
      (l) => lines.push(l),
    );
    assert.deepEqual(tried, [
      [7569, 7570],
      [7569, 0],
    ]);
    assert.deepEqual(got, [7569, 0]);
    assert.deepEqual(lines, ['port 7570 is busy; the admin API takes a free port instead']);
  });

  test('an error that names no port moves the first wanted port, then the next', async () => {
    const lines: string[] = [];
    const got = await withPortFallback(
      async (ports) => {
        if (ports.some((p) => p !== 0)) throw inUse();
        return ports;
      },
      [
        { port: 7569, what: 'the client API' },
        { port: 7570, what: 'the admin API' },
      ],
      (l) => lines.push(l),
    );
    assert.deepEqual(got, [0, 0]);
    assert.deepEqual(lines, [
      'port 7569 is busy; the client API takes a free port instead',
      'port 7570 is busy; the admin API takes a free port instead',
    ]);
  });

  test('a busy port already moved, port 0 asked for, or another failure is thrown', async () => {
    let calls = 0;
    await assert.rejects(
      withPortFallback(
        async () => {
          calls++;
          throw inUse(8600);
        },
        [{ port: 8600, what: 'the Cloud' }],
        () => {},
      ),
      /EADDRINUSE/,
    );
    assert.equal(calls, 2, 'tried on 8600, then on a free port, then gave up');
    await assert.rejects(
      withPortFallback(
        async () => {
          throw inUse(0);
        },
        [{ port: 0, what: 'the Cloud' }],
        () => {},
      ),
      /EADDRINUSE/,
    );
    await assert.rejects(
      withPortFallback(
        async () => {
          throw Object.assign(new Error('listen EACCES'), { code: 'EACCES' });
        },
        [{ port: 80, what: 'the Cloud' }],
        () => {},
      ),
      /EACCES/,
    );
  });
});
