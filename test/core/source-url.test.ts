import assert from 'node:assert/strict';
import { MAX_SOURCE_URL_LENGTH, sourceUrl } from '../../src/core/messages';

describe('sourceUrl (the links a source may carry)', () => {
  it('keeps absolute http and https links, as WHATWG serializes them', () => {
    assert.equal(sourceUrl('https://docs.python.org/3/tutorial/errors.html'), 'https://docs.python.org/3/tutorial/errors.html');
    assert.equal(sourceUrl('  HTTP://Example.test/a b?q="x"  '), 'http://example.test/a%20b?q=%22x%22');
    assert.equal(sourceUrl('https://example.test/p?a=1&b=2#s<1>'), 'https://example.test/p?a=1&b=2#s%3C1%3E');
  });

  it('drops every other scheme, relative links, credentials, non-strings and over-long links', () => {
    for (const bad of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      ' javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      'ftp://example.test/x',
      'mailto:someone@example.test',
      '/relative/path',
      'example.test/page',
      'https://user:secret@example.test/',
      'http://',
      '',
      42,
      null,
      undefined,
      { href: 'https://example.test' },
      `https://example.test/${'a'.repeat(MAX_SOURCE_URL_LENGTH)}`,
    ]) {
      assert.equal(sourceUrl(bad), undefined, String(bad));
    }
  });
});
