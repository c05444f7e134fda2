import * as assert from 'node:assert/strict';
import { escapeMarkdown } from '../../../src/views/markdownEscape';

describe('escapeMarkdown (box names from EC2 tags in tree tooltips)', () => {
  it('turns links, images, icons and emphasis into plain text', () => {
    const name = '[click](https://evil.example) ![x](https://evil.example/p.png) $(alert) **bold**';
    const escaped = escapeMarkdown(name);
    assert.doesNotMatch(escaped, /(^|[^\\])[[\]()*$!]/, escaped);
    assert.equal(escaped.replace(/\\(.)/g, '$1'), name, 'nothing but the escapes added');
  });

  it('keeps an ordinary name readable and a newline from starting a block', () => {
    assert.equal(escapeMarkdown('llama2'), 'llama2');
    assert.equal(escapeMarkdown('a\n# b'), 'a \\# b');
  });
});
