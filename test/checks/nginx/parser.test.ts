import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNginx, type DirectiveNode } from '../../../src/checks/nginx/parser.ts';
import { where } from '../../fixtures/nginx/where.ts';

const outline = (nodes: readonly DirectiveNode[]): string[] =>
  nodes.map((n) => `${n.name}@${n.line}:${n.column}${n.children ? `{${outline(n.children).join(' ')}}` : ';'}`);

describe('parseNginx', () => {
  test('a tree of directives with the position of each name', () => {
    const text = 'events {}\nhttp {\n  server {\n    listen 80;\n  }\n}\n';
    const parsed = parseNginx(text);
    assert.equal(parsed.error, undefined);
    assert.deepEqual(outline(parsed.nodes), [`events@1:1{}`, `http@2:1{server@${where(text, 'server')}{listen@${where(text, 'listen')};}}`]);
  });

  test('the first error ends the file and keeps what came before it', () => {
    const text = 'events {}\n}\nhttp { }\n';
    const parsed = parseNginx(text);
    assert.deepEqual(parsed.error, { message: 'unexpected "}"', at: { line: 2, column: 1 } });
    assert.deepEqual(outline(parsed.nodes), ['events@1:1{}']);
  });

  test('a block left open at the end of the file', () => {
    assert.deepEqual(parseNginx('http {\n').error, { message: 'unexpected end of file, expecting "}"', at: { line: 2, column: 1 } });
  });
});
