import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvField, csvLine } from './csv.js';

test('quotes, commas and line breaks are quoted, quotes doubled', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField('cr\rhere'), '"cr\rhere"');
  assert.equal(csvField(null), '');
  assert.equal(csvField(3), '3');
});

test('a field that a spreadsheet would run as a formula starts with a quote mark', () => {
  for (const start of ['=', '+', '-', '@', '\t', '\r']) {
    const field = csvField(`${start}SUM(A1:A9)`);
    assert.ok(field.startsWith(`'${start}`) || field.startsWith(`"'${start}`), JSON.stringify(field));
  }
  assert.equal(csvField('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
  assert.equal(csvField('a=b'), 'a=b');
});

test('a record ends with CRLF', () => {
  assert.equal(csvLine(['a', null, 2, 'x,y']), 'a,,2,"x,y"\r\n');
});
