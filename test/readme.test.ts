// README.md's first five minutes (issue 20): it opens with prose saying what hotcycle is, then
// the demo and test commands, then "On a cluster" (whose commands
// test/cluster/readme-on-a-cluster.test.ts runs), then a table of contents of every other `##`
// section, before the reference sections.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './charts/k8s-tools.ts';
import { anchor, codeBlocks, readme, section, sectionTitles } from './helpers/readme.ts';

test('the first non-heading line is prose, and the first code block is the demo and test commands', () => {
  const lines = readme().split('\n');
  const first = lines.find((l) => l.trim() !== '' && !l.startsWith('#'));
  assert.ok(first && /^[A-Za-z`*]/.test(first) && !first.startsWith('```'), `prose, not a command or a list: ${first}`);
  assert.match(first, /hotcycle/);
  const [block] = codeBlocks(readme());
  assert.equal(block?.lang, 'sh');
  assert.match(block.text, /^npm run demo\b/m);
  assert.match(block.text, /^npm test\b/m);
});

test('"On a cluster" is the first section, before Commands, then the table of contents', () => {
  const titles = sectionTitles(readme());
  assert.equal(titles[0], 'On a cluster');
  assert.equal(titles[1], 'Contents');
  assert.ok(titles.indexOf('On a cluster') < titles.indexOf('Commands'), `order: ${titles.join(' / ')}`);
});

test('the table of contents links every other ## section, in order', () => {
  const titles = sectionTitles(readme()).filter((t) => t !== 'Contents');
  const links = [...section(readme(), 'Contents').matchAll(/^- \[([^\]]+)\]\(#([^)]+)\)$/gm)].map((m) => ({ title: m[1], target: m[2] }));
  assert.deepEqual(links.map((l) => l.title), titles);
  for (const link of links) assert.equal(link.target, anchor(link.title!), `the anchor of "${link.title}"`);
});

test('"On a cluster" names the test that runs its commands, and that test names the section', () => {
  const file = 'test/cluster/readme-on-a-cluster.test.ts';
  assert.ok(section(readme(), 'On a cluster').includes(`\`${file}\``));
  assert.ok(existsSync(join(ROOT, file)));
  assert.match(readFileSync(join(ROOT, file), 'utf8').split('\n')[0]!, /README\.md, section "On a cluster"/);
});
