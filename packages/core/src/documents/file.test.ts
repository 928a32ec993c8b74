import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDocumentFile, MAX_DOCUMENT_BYTES, parseDocumentFile } from './file.js';
import { throwsWith } from './test-support/fixtures.js';

// Shaped like a compact JWS; the file layer does not look inside.
const JWS = 'eyJhbGciOiJFZERTQSJ9.eyJhIjoxfQ.c2lnbmF0dXJl';

describe('document files', () => {
  it('are the summary as # comments, then the JWS line, then a newline', () => {
    const text = formatDocumentFile(JWS, ['Tessera license lic_1 rev 1 for ACME', 'bound to srv_x']);
    assert.equal(text, `# Tessera license lic_1 rev 1 for ACME\n# bound to srv_x\n${JWS}\n`);
    assert.deepEqual(parseDocumentFile(text), {
      jws: JWS,
      comments: ['Tessera license lic_1 rev 1 for ACME', 'bound to srv_x'],
    });
  });

  it('may have no comments at all', () => {
    assert.equal(formatDocumentFile(JWS), `${JWS}\n`);
    assert.deepEqual(parseDocumentFile(JWS), { jws: JWS, comments: [] });
  });

  it('cannot smuggle a second line through a summary line holding a newline', () => {
    const text = formatDocumentFile(JWS, ['customer ACME\neyJhbGciOiJub25lIn0.e30.']);
    assert.equal(text.split('\n').length, 3);
    assert.equal(parseDocumentFile(text).jws, JWS);
  });

  it('read the way hand-carried files arrive: CRLF, a BOM, blank lines, comments after the JWS', () => {
    const text = `\uFEFF# summary\r\n\r\n  ${JWS}  \r\n# trailing note\r\n`;
    assert.deepEqual(parseDocumentFile(text), { jws: JWS, comments: ['summary', 'trailing note'] });
  });

  it('refuse empty input', () => {
    throwsWith(() => parseDocumentFile(''), 'DOC_MALFORMED', /empty/);
    throwsWith(() => parseDocumentFile('\n \n'), 'DOC_MALFORMED', /empty/);
  });

  it('refuse a file of comments only', () => {
    throwsWith(() => parseDocumentFile('# just a summary\n'), 'DOC_MALFORMED', /only comments/);
  });

  it('refuse more than one non-comment line, naming the lines', () => {
    throwsWith(() => parseDocumentFile(`# c\n${JWS}\n${JWS}\n`), 'DOC_MALFORMED', /2 non-comment lines \(lines 2, 3\)/);
  });

  it('refuse a line that is not shaped like a compact JWS', () => {
    throwsWith(() => parseDocumentFile('hello world'), 'DOC_MALFORMED', /expected 3 parts/);
    throwsWith(() => parseDocumentFile('a.b'), 'DOC_MALFORMED', /found 2/);
    throwsWith(() => parseDocumentFile('aa..cc'), 'DOC_MALFORMED', /payload part is not base64url/);
    throwsWith(() => parseDocumentFile('a+b.cc.dd'), 'DOC_MALFORMED', /header part is not base64url/);
    // 5 characters (1 mod 4) cannot be base64url: what a cut-off signature often leaves.
    throwsWith(() => parseDocumentFile('aaaa.bbbb.ccccc'), 'DOC_MALFORMED', /signature part is not base64url/);
  });

  it(`refuse input over MAX_DOCUMENT_BYTES (${MAX_DOCUMENT_BYTES})`, () => {
    const padding = `# ${'x'.repeat(MAX_DOCUMENT_BYTES)}\n`;
    throwsWith(
      () => parseDocumentFile(padding + JWS),
      'DOC_MALFORMED',
      new RegExp(`larger than ${MAX_DOCUMENT_BYTES} bytes`),
    );
    // Counted in UTF-8 bytes, not characters: 'é' is two bytes.
    const wide = `# ${'é'.repeat(MAX_DOCUMENT_BYTES / 2)}\n${JWS}`;
    assert.ok(wide.length < MAX_DOCUMENT_BYTES);
    throwsWith(() => parseDocumentFile(wide), 'DOC_MALFORMED', /larger than/);
  });

  it('are read up to exactly MAX_DOCUMENT_BYTES, and never written over it (fuzz finding)', () => {
    // The fuzz case (seed 1707767874): an uninstall certificate whose last 32 characters (31 of
    // the signature's 86, which leaves a base64url-shaped 55, and the final newline) were deleted,
    // then padded by a comment to exactly the limit. The file layer reads it: the limit is
    // inclusive and a final newline optional (verifying it fails later, on the signature length).
    const cut = `eyJhbGciOiJFZERTQSJ9.eyJhIjoxfQ.${'s'.repeat(55)}`;
    const room = MAX_DOCUMENT_BYTES - Buffer.byteLength(cut) - 3;
    const atLimit = `# ${'y'.repeat(room)}\n${cut}`;
    assert.equal(Buffer.byteLength(atLimit), MAX_DOCUMENT_BYTES);
    const parsed = parseDocumentFile(atLimit);
    assert.equal(parsed.jws, cut);
    // Its canonical form adds the final newline: one byte over. The writer refuses it rather
    // than write a file no reader takes.
    throwsWith(
      () => formatDocumentFile(parsed.jws, parsed.comments),
      'DOC_MALFORMED',
      new RegExp(`${MAX_DOCUMENT_BYTES + 1} bytes, over the ${MAX_DOCUMENT_BYTES}`),
    );
    // One byte less of comment, and the canonical form is exactly at the limit and reads back.
    const written = formatDocumentFile(parsed.jws, [parsed.comments[0]!.slice(1)]);
    assert.equal(Buffer.byteLength(written), MAX_DOCUMENT_BYTES);
    assert.equal(parseDocumentFile(written).jws, cut);
  });

  it('are not written around a string that is not a JWS', () => {
    throwsWith(() => formatDocumentFile('not a jws'), 'DOC_MALFORMED');
  });
});
