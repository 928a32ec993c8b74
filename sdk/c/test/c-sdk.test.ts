/**
 * The C library's own tests, run from `npm test`: every C test (one CTest test per TEST() in
 * sdk/c/test/test_*.c) under AddressSanitizer + UndefinedBehaviorSanitizer, one node subtest
 * each; then every C test program under valgrind, with no definite or indirect leak allowed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PLAIN, SANITIZED, sh, shOk } from './harness.js';

const SUITES = ['config', 'checkout', 'lease', 'cache', 'api'];

interface CaseResult {
  status: string;
  output: string;
}

/** The tests CTest knows, by name ("suite.test"). */
function ctestNames(): string[] {
  const json = JSON.parse(shOk('ctest', ['--test-dir', SANITIZED, '-N', '--show-only=json-v1'])) as {
    tests: { name: string }[];
  };
  return json.tests.map((t) => t.name);
}

function parseJunit(xml: string): Map<string, CaseResult> {
  const results = new Map<string, CaseResult>();
  const fromXml = (s: string) =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  for (const m of xml.matchAll(/<testcase name="([^"]+)"[^>]*status="([^"]+)"[^>]*>([\s\S]*?)<\/testcase>/g)) {
    const out = /<system-out>([\s\S]*?)<\/system-out>/.exec(m[3]!)?.[1] ?? '';
    results.set(m[1]!, { status: m[2]!, output: fromXml(out) });
  }
  return results;
}

describe('C library: unit tests under ASan + UBSan', () => {
  const names = ctestNames();
  let results = new Map<string, CaseResult>();
  const dir = mkdtempSync(join(tmpdir(), 'tessera-ctest-'));

  before(() => {
    const junit = join(dir, 'junit.xml');
    // Exit status ignored here: each subtest below asserts its own test's result.
    sh('ctest', ['--test-dir', SANITIZED, '--parallel', '2', '--output-junit', junit]);
    results = parseJunit(readFileSync(junit, 'utf8'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('CTest runs every TEST() of every test program', () => {
    for (const suite of SUITES) {
      const listed = shOk(join(SANITIZED, `test_${suite}`), ['--list'])
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => `${suite}.${l}`)
        .sort();
      const registered = names.filter((n) => n.startsWith(`${suite}.`)).sort();
      assert.deepEqual(registered, listed, `CMake registers the tests of test_${suite}.c`);
    }
    assert.ok(names.length >= 60, `only ${names.length} C tests`);
  });

  for (const name of names) {
    test(name, () => {
      const r = results.get(name);
      assert.ok(r, `${name} did not run`);
      assert.equal(r.status, 'run', `${name} ${r.status}:\n${r.output}`);
      assert.doesNotMatch(r.output, /runtime error|AddressSanitizer|LeakSanitizer/, r.output);
    });
  }
});

describe('C library: unit tests under valgrind, no leaks', () => {
  const valgrind = sh('valgrind', ['--version']);
  for (const suite of SUITES) {
    test(`test_${suite} under valgrind`, { timeout: 600_000 }, () => {
      assert.equal(valgrind.status, 0, 'valgrind is missing: apt-get install valgrind');
      const r = sh(
        'valgrind',
        [
          '--leak-check=full',
          '--errors-for-leak-kinds=definite,indirect',
          '--error-exitcode=99',
          join(PLAIN, `test_${suite}`),
        ],
        // Valgrind runs code some 20 times slower: the tests' timeouts and lease times grow with it.
        { env: { ...process.env, TESSERA_TEST_SLOWDOWN: '5', TESSERA_TEST_PATIENCE_MS: '120000' } },
      );
      assert.equal(r.status, 0, `exit ${r.status}:\n${r.stderr.slice(-6000)}`);
      assert.match(r.stderr, /ERROR SUMMARY: 0 errors/);
      assert.match(r.stderr, /definitely lost: 0 bytes|All heap blocks were freed/);
    });
  }
});
