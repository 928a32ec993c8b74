/**
 * Node-only: reads `client_property.conf` from disk. The parsing itself is portable and
 * lives in `../config/`.
 */
import { readFile } from 'node:fs/promises';
import { type ClientConfig, ConfigError, parseClientProperties } from '../config/client-properties.js';

/**
 * Reads and parses a `client_property.conf`. Messages name the file by `path` as given.
 *
 * @throws ConfigError when the file cannot be read (with the system error as `cause`) or is malformed.
 * @example
 * const config = await loadClientProperties('/etc/myapp/client_property.conf');
 * for (const w of config.warnings) console.warn(w);
 */
export async function loadClientProperties(path: string): Promise<ClientConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(err);
    throw new ConfigError(path, undefined, `cannot read: ${why}`, { cause: err });
  }
  return parseClientProperties(text, path);
}
