/**
 * A Sync signed by a key this server does not trust, in words (docs/flexible.md, "A Sync the server
 * does not trust"): which key signed it, which keys the server trusts and where each came from, and
 * what an operator can do about it. The code stays DOC_UNKNOWN_KEY; only the message says more.
 */
import { TesseraError } from '@tessera/core';

/** Where the vendor keys a server trusts came from: the keyring shipped with it, and `--vendor-key` files. */
export interface KeyOrigins {
  shipped: readonly string[];
  files: readonly { file: string; kid: string }[];
}

/** Where the Sync came from, as the operator knows it. */
export interface SyncOrigin {
  source: 'online' | 'file';
  /** The Cloud nodes this server syncs with (empty when it has none). */
  cloudUrls: readonly string[];
}

/** `err` itself unless it is DOC_UNKNOWN_KEY; then the same code with a message an operator can act on. */
export function explainUntrustedSync(err: unknown, keys: KeyOrigins, origin: SyncOrigin): unknown {
  if (!(err instanceof TesseraError) || err.code !== 'DOC_UNKNOWN_KEY') return err;
  const kid = typeof err.details?.kid === 'string' ? err.details.kid : 'unknown';
  const from =
    origin.source === 'online'
      ? `The Sync came from the Cloud${origin.cloudUrls.length > 0 ? ` at ${origin.cloudUrls.join(', ')}` : ''}`
      : 'The Sync File was imported';
  const trusted = [
    `${plural(keys.shipped.length, 'key')} shipped with Tessera${keys.shipped.length > 0 ? ` (${keys.shipped.join(', ')})` : ''}`,
    keys.files.length > 0
      ? `${plural(keys.files.length, 'key')} given with --vendor-key (${keys.files.map((f) => `${f.file}: ${f.kid}`).join('; ')})`
      : 'no key given with --vendor-key',
  ];
  const message =
    `this Sync is signed by vendor key ${kid} (its thumbprint), which this server does not trust; nothing was changed. ` +
    `${from}. The server trusts ${trusted.join(' and ')}. It learns no key from the Cloud: the key the Cloud ` +
    `it enrolled with signs Syncs with must be one of these. If the Cloud is your vendor's, ask the vendor for its ` +
    `public key file and start the server with --vendor-key FILE; otherwise check the Cloud nodes (--cloud, cloud_nodes).`;
  return new TesseraError('DOC_UNKNOWN_KEY', message, {
    details: {
      ...err.details,
      kid,
      source: origin.source,
      cloudUrls: [...origin.cloudUrls],
      trusted: { shipped: [...keys.shipped], vendorKeyFiles: keys.files.map((f) => ({ ...f })) },
    },
  });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
