import { test } from 'node:test';
import { expect } from 'chai';
import { escapeMarkup } from './markup';

test('escapeMarkup: &, <, > and " become entities, in that one pass (no double escape); other text stays', () => {
  expect(escapeMarkup('a <b> & "c" &amp; 照合エラー')).to.equal('a &lt;b&gt; &amp; &quot;c&quot; &amp;amp; 照合エラー');
  expect(escapeMarkup(42)).to.equal('42');
});
