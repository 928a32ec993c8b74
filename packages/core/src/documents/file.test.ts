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

  it('are not written around a string that is not a JWS', () => {
    throwsWith(() => formatDocumentFile('not a jws'), 'DOC_MALFORMED');
  });
});
