/**
 * Mutation operators of the document fuzzer: each takes a valid document file and makes a
 * variant a hand, a disk, a mail gateway or an attacker could make. A mutation is plain data
 * (op + parameters) so a failing case prints readably and replays from its seed.
 *
 * Mutations fall in two groups: those that may leave the signed content alone (comments,
 * whitespace the file format tolerates) and those that change signed bytes or the signature.
 * The fuzz properties do not rely on knowing which is which: whatever a parser accepts must
 * have exactly the original's signed line and claims.
 */
import { sign as edSign, type KeyObject } from 'node:crypto';
import { MAX_DOCUMENT_BYTES } from '../../file.js';
import { DOC_TYPES, type DocType } from '../../jws.js';
import type { Mutation } from './arbitraries.js';

export { type Mutation, mutationArb, mutationsArb } from './arbitraries.js';

/** The keys a mutation may sign with: none of them is trusted for the document under test. */
export interface MutationKeys {
  /** A key no verifier in the test trusts. */
  untrusted: KeyObject;
  untrustedKid: string;
  /** The trusted signer's kid, to forge headers that name it. */
  trustedKid: string;
  /** The trusted signer: used only to sign the same payload under another `typ`. */
  trusted: KeyObject;
  /** The kind under test: the trusted key signs only under other types, never this one. */
  ownTyp: DocType;
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DOC_TYPE_LIST = Object.values(DOC_TYPES);

const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64url');
const unb64 = (s: string) => Buffer.from(s, 'base64url').toString('utf8');

/** The file's lines and the index of its JWS line (the first non-comment, non-blank line). */
function splitFile(file: string): { lines: string[]; at: number } {
  const lines = file.split('\n');
  const at = lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  return { lines, at };
}

function withJwsLine(file: string, edit: (jws: string) => string): string {
  const { lines, at } = splitFile(file);
  if (at < 0) return file;
  lines[at] = edit(lines[at]!);
  return lines.join('\n');
}

function segments(jws: string): [string, string, string] {
  const p = jws.trim().split('.');
  return [p[0] ?? '', p[1] ?? '', p.slice(2).join('.')];
}

/** The header as an object, or {} when earlier mutations left it unreadable. */
function headerObject(h: string): Record<string, unknown> {
  try {
    const v = JSON.parse(unb64(h)) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function signEd(key: KeyObject, header: string, payload: string): string {
  return b64(edSign(null, Buffer.from(`${header}.${payload}`), key));
}

/** The JSON paths (as key lists) of a value, the value itself first. */
function pathsOf(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (out.length > 500) return out;
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) pathsOf(x, [...prefix, i], out);
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) pathsOf(x, [...prefix, k], out);
  }
  return out;
}

function parentOf(
  root: unknown,
  path: (string | number)[],
): { parent: Record<string | number, unknown>; key: string | number } | undefined {
  if (path.length === 0) return undefined;
  let cur = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  return { parent: cur, key: path[path.length - 1]! };
}

const NEST_MARK = '"@@fuzz-nest-mark@@"';

function mutatePayloadJson(text: string, change: Record<string, unknown>): string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return `${text}x`;
  }
  if ('replaceWith' in change) return JSON.stringify(change.replaceWith) ?? 'null';
  if ('reencode' in change) {
    switch (change.reencode) {
      case 'indent':
        return JSON.stringify(v, null, 2);
      case 'escape':
        return text.replace(/[a-z]/, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
      case 'reorder':
        return v !== null && typeof v === 'object' && !Array.isArray(v)
          ? JSON.stringify(Object.fromEntries(Object.entries(v).reverse()))
          : `${text} `;
      case 'trailing-space':
        return `${text} `;
      case 'bom':
        return `\uFEFF${text}`;
      default:
        return Buffer.from(text, 'utf16le').toString('latin1');
    }
  }
  if ('dupKey' in change) {
    const paths = pathsOf(v).filter((p) => p.length > 0 && typeof p[p.length - 1] === 'string');
    if (paths.length === 0) return `${text} `;
    const path = paths[(change.dupKey as number) % paths.length]!;
    const key = JSON.stringify(path[path.length - 1]);
    // The duplicate goes right after the first occurrence of the key: JSON.parse keeps the last.
    const i = text.indexOf(`${key}:`);
    if (i < 0) return `${text} `;
    return `${text.slice(0, i)}${key}:${JSON.stringify(change.value) ?? 'null'},${text.slice(i)}`;
  }
  const paths = pathsOf(v);
  const path = paths[(change.at as number) % paths.length]!;
  const spot = parentOf(v, path);
  if ('value' in change && 'addKey' in change) {
    const target = spot ? spot.parent[spot.key] : v;
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
      Object.defineProperty(target, change.addKey as string, {
        value: change.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else if (Array.isArray(target)) target.push(change.value);
    else return `${text} `;
    return JSON.stringify(v);
  }
  if ('drop' in change) {
    if (!spot) return '';
    if (Array.isArray(spot.parent)) spot.parent.splice(spot.key as number, 1);
    else delete spot.parent[spot.key];
    return JSON.stringify(v);
  }
  if ('bigNumber' in change || 'nest' in change) {
    const mark = NEST_MARK;
    if (spot) spot.parent[spot.key] = JSON.parse(mark);
    const replacement =
      'bigNumber' in change
        ? (change.bigNumber as string)
        : `${'['.repeat(change.nest as number)}1${']'.repeat(change.nest as number)}`;
    return spot ? JSON.stringify(v).replace(mark, replacement) : replacement;
  }
  if (spot) spot.parent[spot.key] = change.value;
  else v = change.value;
  return JSON.stringify(v) ?? 'null';
}

function mutateHeader(h: string, change: Record<string, unknown>, keys: MutationKeys): string {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(unb64(h)) as Record<string, unknown>;
    if (v === null || typeof v !== 'object') return `${h}A`;
  } catch {
    return `${h}A`;
  }
  const kidOf = (x: unknown) => (x === 'untrusted' ? keys.untrustedKid : x === 'trusted' ? keys.trustedKid : x);
  if ('setDeep' in change) {
    const depth = change.depth as number;
    v[change.setDeep as string] = '@@deep@@';
    return b64(JSON.stringify(v).replace('"@@deep@@"', `${'['.repeat(depth)}1${']'.repeat(depth)}`));
  }
  if ('set' in change) v[change.set as string] = kidOf(change.value);
  else if ('add' in change) Object.defineProperty(v, change.add as string, { value: change.value, enumerable: true });
  else if ('drop' in change) delete v[change.drop as string];
  else if ('dupKey' in change) {
    const text = JSON.stringify(v);
    return b64(`${text.slice(0, -1)},${JSON.stringify(change.dupKey)}:${JSON.stringify(change.value)}}`);
  } else {
    const text = JSON.stringify(v);
    switch (change.reencode) {
      case 'spaces':
        return b64(JSON.stringify(v, null, 1));
      case 'reorder':
        return b64(JSON.stringify(Object.fromEntries(Object.entries(v).reverse())));
      case 'escape':
        return b64(text.replace('EdDSA', '\\u0045dDSA'));
      case 'array':
        return b64(JSON.stringify([v]));
      case 'string':
        return b64(JSON.stringify(text));
      case 'number':
        return b64('42');
      default:
        return b64(text.slice(0, -1));
    }
  }
  return b64(JSON.stringify(v));
}

function mutateSignature(jws: string, change: string, keys: MutationKeys): string {
  const [h, p, s] = segments(jws);
  switch (change) {
    case 'untrusted-same-header':
      return `${h}.${p}.${signEd(keys.untrusted, h, p)}`;
    case 'untrusted-own-kid': {
      const h2 = b64(JSON.stringify({ ...headerObject(h), kid: keys.untrustedKid }));
      return `${h2}.${p}.${signEd(keys.untrusted, h2, p)}`;
    }
    case 'trusted-other-typ': {
      const header = headerObject(h);
      // Never the kind's own typ: that would be a genuine document with other content, which
      // the verifier rightly accepts (an earlier mutation may already have changed the typ).
      const others = DOC_TYPE_LIST.filter((t) => t !== header.typ && t !== keys.ownTyp);
      const h2 = b64(JSON.stringify({ ...header, typ: others[p.length % others.length] }));
      return `${h2}.${p}.${signEd(keys.trusted, h2, p)}`;
    }
    case 'zeros':
      return `${h}.${p}.${b64(new Uint8Array(64))}`;
    case 'random':
      return `${h}.${p}.${b64(Buffer.from(s.split('').reverse().join(''), 'base64url').subarray(0, 64))}`;
    case 'truncate':
      return `${h}.${p}.${s.slice(0, -4)}`;
    case 'extend':
      return `${h}.${p}.${s}AAAA`;
    case 'trailing-bits': {
      // The last character of an 86-character Ed25519 signature carries 4 unused bits: a
      // different character with the same top 2 bits decodes to the same 64 bytes.
      const last = B64URL.indexOf(s[s.length - 1] ?? 'A');
      const alt = B64URL[(last & ~15) | ((last + 1) & 15)] ?? 'A';
      return `${h}.${p}.${s.slice(0, -1)}${alt}`;
    }
    case 'swap-halves':
      return `${h}.${p}.${s.slice(43)}${s.slice(0, 43)}`;
    default:
      return `${h}.${p}.`;
  }
}

function mutateEncoding(jws: string, change: { segment: number; kind: string }): string {
  const parts = segments(jws);
  const seg = parts[change.segment]!;
  switch (change.kind) {
    case 'pad1':
      parts[change.segment] = `${seg}=`;
      break;
    case 'pad2':
      parts[change.segment] = `${seg}==`;
      break;
    case 'std-alphabet':
      parts[change.segment] = seg.replace(/-/g, '+').replace(/_/g, '/') + (/[-_]/.test(seg) ? '' : '+');
      break;
    case 'space-inside':
      parts[change.segment] = `${seg.slice(0, 10)} ${seg.slice(10)}`;
      break;
    case 'newline-inside':
      parts[change.segment] = `${seg.slice(0, 10)}\n${seg.slice(10)}`;
      break;
    case 'lowercase':
      parts[change.segment] = seg.toLowerCase();
      break;
    default:
      parts[change.segment] = `${seg}.`;
  }
  return parts.join('.');
}

function mutateWhitespace(file: string, change: string): string {
  switch (change) {
    case 'crlf':
      return file.replace(/\n/g, '\r\n');
    case 'cr-only':
      return file.replace(/\n/g, '\r');
    case 'trailing-spaces':
      return file.replace(/\n/g, '  \n');
    case 'leading-blank-lines':
      return `\n\n  \n${file}`;
    case 'tabs-around-jws':
      return withJwsLine(file, (l) => `\t${l}\t`);
    case 'bom':
      return `\uFEFF${file}`;
    case 'double-bom':
      return `\uFEFF\uFEFF${file}`;
    case 'no-final-newline':
      return file.replace(/\n+$/, '');
    case 'nbsp-around-jws':
      return withJwsLine(file, (l) => `\u00A0${l}\u3000`);
    case 'blank-lines-everywhere':
      return file.replace(/\n/g, '\n\n');
    default:
      return withJwsLine(file, (l) => `${l.slice(0, 20)}\n${l.slice(20)}`);
  }
}

function mutateComment(file: string, change: Record<string, unknown>): string {
  const { lines } = splitFile(file);
  const commentIdx = lines.map((l, i) => (l.trim().startsWith('#') ? i : -1)).filter((i) => i >= 0);
  if ('addComment' in change) {
    const text = String(change.addComment);
    const line = text.startsWith('#') ? text : `# ${text}`;
    lines.splice((change.line as number) % (lines.length + 1), 0, line);
  } else if ('dropComment' in change) {
    if (commentIdx.length === 0) return file;
    lines.splice(commentIdx[(change.dropComment as number) % commentIdx.length]!, 1);
  } else if ('alterComment' in change) {
    if (commentIdx.length === 0) return file;
    lines[commentIdx[(change.alterComment as number) % commentIdx.length]!] = `# ${String(change.text)}`;
  } else {
    lines.push(`# ${String(change.commentAfter)}`);
  }
  return lines.join('\n');
}

function mutateBytes(file: string, change: Record<string, unknown>): string {
  const n = Math.max(1, file.length);
  if ('flipAt' in change) {
    const bytes = Buffer.from(file, 'utf8');
    const i = (change.flipAt as number) % Math.max(1, bytes.length);
    if (bytes.length > 0) bytes[i] = bytes[i]! ^ (1 << (change.bit as number));
    return bytes.toString('utf8');
  }
  if ('truncateAt' in change) return file.slice(0, (change.truncateAt as number) % n);
  if ('insertAt' in change) {
    const i = (change.insertAt as number) % (file.length + 1);
    return file.slice(0, i) + String(change.text) + file.slice(i);
  }
  if ('deleteAt' in change) {
    const i = (change.deleteAt as number) % n;
    return file.slice(0, i) + file.slice(i + (change.length as number));
  }
  if ('duplicateAt' in change) {
    const i = (change.duplicateAt as number) % n;
    return file.slice(0, i) + file.slice(i, i + (change.length as number)) + file.slice(i);
  }
  const i = (change.replaceAt as number) % n;
  return file.slice(0, i) + String(change.char) + file.slice(i + 1);
}

function mutateSize(file: string, change: string): string {
  if (change === 'pad-comment-over-limit') return `# ${'x'.repeat(MAX_DOCUMENT_BYTES)}\n${file}`;
  if (change === 'pad-comment-to-limit') {
    // Exactly at the limit: still a valid file (the limit counts UTF-8 bytes).
    const room = MAX_DOCUMENT_BYTES - Buffer.byteLength(file, 'utf8') - 3;
    return room > 0 ? `# ${'y'.repeat(room)}\n${file}` : file;
  }
  return withJwsLine(file, (l) => {
    const [h, p, s] = segments(l);
    return `${h}.${p}${'A'.repeat(MAX_DOCUMENT_BYTES)}.${s}`;
  });
}

/** Re-signs a changed payload with the untrusted key under the original header (kid unchanged). */
function resignChangedPayload(jws: string, keys: MutationKeys): string {
  const [h, p] = segments(jws);
  const text = unb64(p);
  const p2 = b64(text.replace(/"[^"]*"/, (m) => `${m.slice(0, -1)}x"`) || '{}');
  return `${h}.${p2}.${signEd(keys.untrusted, h, p2)}`;
}

/** Applies one mutation to a file's text. */
export function applyMutation(file: string, m: Mutation, keys: MutationKeys): string {
  try {
    return applyMutationUnguarded(file, m, keys);
  } catch (e) {
    // A value nested thousands deep by an earlier mutation overflows JSON.stringify here: the
    // file goes on as it was (with one more newline, which the format tolerates).
    if (!(e instanceof RangeError)) throw e;
    return `${file}\n`;
  }
}

function applyMutationUnguarded(file: string, m: Mutation, keys: MutationKeys): string {
  const c = m.change as Record<string, unknown> & string;
  switch (m.kind) {
    case 'bytes':
      return mutateBytes(file, c);
    case 'comment':
      return mutateComment(file, c);
    case 'whitespace':
      return mutateWhitespace(file, c);
    case 'header':
      return withJwsLine(file, (l) => {
        const [h, p, s] = segments(l);
        return `${mutateHeader(h, c, keys)}.${p}.${s}`;
      });
    case 'payload':
      return withJwsLine(file, (l) => {
        const [h, p, s] = segments(l);
        return `${h}.${b64(mutatePayloadJson(unb64(p), c))}.${s}`;
      });
    case 'signature':
      return withJwsLine(file, (l) => mutateSignature(l, c, keys));
    case 'encoding':
      return withJwsLine(file, (l) => mutateEncoding(l, c as unknown as { segment: number; kind: string }));
    case 'resign-untrusted-payload-changed':
      return withJwsLine(file, (l) => resignChangedPayload(l, keys));
    default:
      return mutateSize(file, c);
  }
}

/** Applies mutations in turn. */
export function applyMutations(file: string, ms: readonly Mutation[], keys: MutationKeys): string {
  return ms.reduce((text, m) => applyMutation(text, m, keys), file);
}

/** `header.payload` of a compact JWS: the bytes its signature covers. */
export function signedContent(jws: string): string {
  return jws.split('.').slice(0, 2).join('.');
}
