/**
 * The drivers the conformance suite runs every scenario against: one per SDK. Every one is
 * run by default (what CI does); a driver that is not built fails each of its scenarios with
 * the way to build it, it is never skipped.
 *
 * `TESSERA_SDK_DRIVERS=node,python` runs only the named drivers: a developer aid for working
 * on one SDK, never set in CI.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The developer aid that narrows the suite to some drivers. */
export const DRIVER_FILTER_ENV = 'TESSERA_SDK_DRIVERS';

export interface DriverSpec {
  name: 'node' | 'c' | 'python';
  /** Program and arguments, run with the repository root as working directory. */
  command: readonly string[];
  env: Readonly<Record<string, string>>;
  /** Why the driver cannot run here (with how to build it), or undefined when it can. */
  missing(): string | undefined;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const C_DRIVER = join(REPO_ROOT, 'sdk/c/build/tessera-conformance-driver');
const PYTHON = '/usr/bin/python3';
const PYTHON_DRIVER = join(REPO_ROOT, 'sdk/python/conformance_driver.py');

export const DRIVERS: readonly DriverSpec[] = [
  {
    name: 'node',
    command: [
      process.execPath,
      '--conditions=tessera-src',
      '--import',
      'tsx',
      join(REPO_ROOT, 'sdk/conformance/drivers/node.ts'),
    ],
    env: {},
    missing: () => undefined,
  },
  {
    name: 'c',
    command: [C_DRIVER],
    env: {},
    missing: () =>
      executable(C_DRIVER)
        ? undefined
        : `the C driver ${C_DRIVER} is not built: run \`node sdk/c/build.mjs\` (npm test runs it through scripts/build-sdks.mjs)`,
  },
  {
    name: 'python',
    command: [PYTHON, PYTHON_DRIVER],
    env: { PYTHONPATH: join(REPO_ROOT, 'sdk/python/src') },
    missing: () => {
      if (!executable(PYTHON)) return `${PYTHON} is missing: install Python 3 (apt-get install -y python3)`;
      if (!existsSync(PYTHON_DRIVER)) return `the Python driver ${PYTHON_DRIVER} is missing: it comes with sdk/python`;
      return undefined;
    },
  },
];

/** The drivers to run: all of them, unless {@link DRIVER_FILTER_ENV} names some. */
export function selectedDrivers(env: NodeJS.ProcessEnv = process.env): readonly DriverSpec[] {
  const filter = env[DRIVER_FILTER_ENV]?.trim();
  if (!filter) return DRIVERS;
  const names = filter.split(',').map((n) => n.trim());
  const unknown = names.filter((n) => !DRIVERS.some((d) => d.name === n));
  if (unknown.length > 0) {
    throw new Error(
      `${DRIVER_FILTER_ENV} names unknown drivers ${unknown.join(', ')}; known: ${DRIVERS.map((d) => d.name).join(', ')}`,
    );
  }
  return DRIVERS.filter((d) => names.includes(d.name));
}
