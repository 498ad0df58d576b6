// The README as tests read it: its `##` sections, their fenced code blocks, and the command
// lines of a section's `sh` blocks (test/cluster/readme-on-a-cluster.test.ts runs them).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../charts/k8s-tools.ts';

export const README = join(ROOT, 'README.md');

export function readme(): string {
  return readFileSync(README, 'utf8');
}

/** Every `## ` heading, in order (fenced code blocks skipped: a `## ` line inside one is no heading). */
export function sectionTitles(markdown: string): string[] {
  const titles: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    else if (!fenced && line.startsWith('## ')) titles.push(line.slice(3).trim());
  }
  return titles;
}

/** The text of the `## title` section, up to the next `## ` heading; throws when there is none. */
export function section(markdown: string, title: string): string {
  const lines = markdown.split('\n');
  let fenced = false;
  let start = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('```')) fenced = !fenced;
    else if (!fenced && line.startsWith('## ')) {
      if (start >= 0) return lines.slice(start, i).join('\n');
      if (line.slice(3).trim() === title) start = i + 1;
    }
  }
  if (start < 0) throw new Error(`README.md has no "## ${title}" section`);
  return lines.slice(start).join('\n');
}

export interface CodeBlock { lang: string; text: string }

/** The fenced code blocks of a piece of markdown, with their info string's language. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  let open: { lang: string; lines: string[] } | undefined;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) {
      if (open) {
        blocks.push({ lang: open.lang, text: open.lines.join('\n') });
        open = undefined;
      } else {
        open = { lang: line.slice(3).trim(), lines: [] };
      }
    } else {
      open?.lines.push(line);
    }
  }
  if (open) throw new Error(`an unclosed \`\`\`${open.lang} block`);
  return blocks;
}

/**
 * The commands of `sh` blocks, one per logical line: `\` continuations joined, blank lines and
 * whole-line comments left out (a trailing `# comment` stays: the shell ignores it).
 */
export function shellCommands(blocks: readonly CodeBlock[]): string[] {
  const commands: string[] = [];
  for (const block of blocks.filter((b) => b.lang === 'sh')) {
    let pending = '';
    for (const raw of block.text.split('\n')) {
      const line = raw.trimEnd();
      if (line.endsWith('\\')) {
        pending += `${line.slice(0, -1)} `;
        continue;
      }
      const command = (pending + line).trim();
      pending = '';
      if (command && !command.startsWith('#')) commands.push(command);
    }
    if (pending.trim()) throw new Error(`a command ends in a continuation: ${pending}`);
  }
  return commands;
}

/** GitHub's anchor for a heading: lower case, punctuation other than `-` and `_` removed, spaces as `-`. */
export function anchor(title: string): string {
  return title.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/ /g, '-');
}
