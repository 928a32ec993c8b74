/**
 * The Python SDK under `npm test`: mypy --strict on everything in sdk/python, the pytest suite
 * (one subtest per pytest test, so each shows in the report), and the packaging check (a wheel
 * built from a copy of the package with Debian's setuptools, installed with pip, then imported).
 * Always Debian's `/usr/bin/python3`: its pytest, mypy and setuptools are what `.ci/run` installs.
 * A missing tool fails these tests; it never skips them.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
/** What mypy checks: the package and every Python file beside it. */
const MYPY_TARGETS = ['src', 'tests', 'bench', 'examples', 'conformance_driver.py'];

const work = mkdtempSync(join(tmpdir(), 'tessera-python-sdk-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `/usr/bin/python3 ...args` to its end; never rejects for a non-zero exit. */
function python(args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}) {
  return new Promise<Run>((resolve, reject) => {
    execFile(
      PYTHON,
      args,
      {
        cwd: opts.cwd ?? PACKAGE_DIR,
        // No bytecode or pip chatter left in the tree; no index is reachable here, so never ask one.
        env: {
          ...process.env,
          PYTHONDONTWRITEBYTECODE: '1',
          PIP_NO_INDEX: '1',
          PIP_DISABLE_PIP_VERSION_CHECK: '1',
          ...opts.env,
        },
        timeout: opts.timeoutMs ?? 300_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          reject(new Error(`${PYTHON} ${args.join(' ')} did not run: ${err.message}\n${stderr}`));
          return;
        }
        resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
      },
    );
  });
}

test(`${PYTHON} is Python 3.9 or later`, async () => {
  assert.ok(existsSync(PYTHON), `${PYTHON} is missing: install Debian's python3 (see .ci/run)`);
  const r = await python(['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
  const [major, minor] = r.stdout.trim().split('.').map(Number);
  assert.ok(major === 3 && minor! >= 9, `got Python ${r.stdout.trim()}`);
});

test('mypy --strict is clean on the package, its tests, driver, bench and example', async () => {
  const r = await python(['-m', 'mypy', '--strict', '--cache-dir', join(work, 'mypy-cache'), ...MYPY_TARGETS]);
  assert.equal(r.code, 0, `mypy found problems:\n${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /^Success: no issues found in \d+ source files/m);
});

interface PytestCase {
  name: string;
  failure: string | undefined;
  skipped: string | undefined;
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function unescapeXml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) =>
    e.startsWith('#x')
      ? String.fromCodePoint(Number.parseInt(e.slice(2), 16))
      : e.startsWith('#')
        ? String.fromCodePoint(Number(e.slice(1)))
        : XML_ENTITIES[e]!,
  );
}
function attr(attrs: string, name: string): string {
  return unescapeXml(new RegExp(`\\b${name}="([^"]*)"`).exec(attrs)?.[1] ?? '');
}

/** The test cases of pytest's JUnit XML report: enough of it for a pass/fail line per test. */
function parseJunit(xml: string): PytestCase[] {
  const cases: PytestCase[] = [];
  for (const m of xml.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const attrs = m[1]!;
    const body = m[2] ?? '';
    const failed = /<(failure|error)\b([^>]*)>([\s\S]*?)<\/\1>|<(failure|error)\b([^>]*)\/>/.exec(body);
    const skipped = /<skipped\b([^>]*)/.exec(body);
    cases.push({
      name: `${attr(attrs, 'classname')}::${attr(attrs, 'name')}`,
      failure: failed ? unescapeXml(failed[3] ?? attr(failed[2] ?? failed[5] ?? '', 'message')) || 'failed' : undefined,
      skipped: skipped ? attr(skipped[1]!, 'message') || 'skipped' : undefined,
    });
  }
  return cases;
}

describe('pytest', () => {
  test('the pytest suite passes (each pytest test is a subtest)', async (t) => {
    const report = join(work, 'pytest.xml');
    const r = await python(['-m', 'pytest', '-q', '-p', 'no:cacheprovider', `--junit-xml=${report}`], {
      timeoutMs: 600_000,
    });
    assert.ok(existsSync(report), `pytest wrote no report (exit ${r.code}):\n${r.stdout}${r.stderr}`);
    const cases = parseJunit(readFileSync(report, 'utf8'));
    assert.ok(cases.length > 0, 'pytest ran no tests');
    for (const c of cases) {
      await t.test(c.name, () => {
        assert.equal(c.skipped, undefined, `skipped: ${c.skipped} (a skipped test proves nothing; none may skip)`);
        if (c.failure !== undefined) assert.fail(c.failure);
      });
    }
    const summary = /(\d+) passed/.exec(r.stdout);
    assert.equal(r.code, 0, `pytest exited ${r.code}:\n${r.stdout.slice(-4000)}${r.stderr}`);
    assert.equal(Number(summary?.[1]), cases.length, `pytest summary: ${r.stdout.split('\n').slice(-3).join(' ')}`);
  });
});

describe('packaging', () => {
  test('pip builds a wheel with py.typed and installs it; the installed package imports', async () => {
    // Built from a copy, so setuptools' build/ and *.egg-info never land in the tree.
    const source = join(work, 'source');
    for (const entry of ['pyproject.toml', 'README.md', 'src']) {
      cpSync(join(PACKAGE_DIR, entry), join(source, entry), { recursive: true });
    }
    const wheels = join(work, 'wheels');
    const built = await python(['-m', 'pip', 'wheel', '--no-build-isolation', '--no-deps', '-w', wheels, source]);
    assert.equal(built.code, 0, `pip wheel failed:\n${built.stdout}${built.stderr}`);
    const wheel = readdirSync(wheels).find((f) => f.endsWith('.whl'));
    assert.ok(wheel, `no wheel in ${readdirSync(wheels).join(', ')}`);
    assert.match(wheel, /^tessera_client-\d+\.\d+\.\d+-py3-none-any\.whl$/);
    const listing = await python([
      '-c',
      'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))',
      join(wheels, wheel),
    ]);
    const files = listing.stdout.split('\n');
    assert.ok(files.includes('tessera_client/py.typed'), `py.typed missing from the wheel: ${files.join(', ')}`);
    assert.ok(files.includes('tessera_client/__init__.py'));
    assert.ok(!files.some((f) => f.startsWith('tests/') || f.includes('conformance_driver')), files.join(', '));

    const site = join(work, 'site');
    const installed = await python([
      '-m',
      'pip',
      'install',
      '--no-build-isolation',
      '--no-deps',
      '--target',
      site,
      source,
    ]);
    assert.equal(installed.code, 0, `pip install failed:\n${installed.stdout}${installed.stderr}`);
    // -I: isolated from PYTHONPATH and the working directory, so only the installed copy can be found.
    const imported = await python(
      [
        '-I',
        '-c',
        'import sys; sys.path.insert(0, sys.argv[1]); import tessera_client as t; ' +
          'print(t.__file__); print(t.__version__); print(t.LicenseClient.__name__)',
        site,
      ],
      { cwd: work },
    );
    assert.equal(imported.code, 0, imported.stderr);
    const [file, version, name] = imported.stdout.trim().split('\n');
    assert.ok(file?.startsWith(join(site, 'tessera_client')), `imported from ${file}`);
    assert.match(version ?? '', /^\d+\.\d+\.\d+$/);
    assert.equal(name, 'LicenseClient');
    assert.ok(existsSync(join(site, 'tessera_client', 'py.typed')));
  });
});
