// glob(3) as nginx's `include` uses it: `*`, `?` and `[...]` never cross a `/`, and a name
// starting with `.` matches only a pattern segment that starts with a literal `.`.

export function matchesGlob(path: string, pattern: string): boolean {
  const names = path.split('/');
  const parts = pattern.split('/');
  if (names.length !== parts.length) return false;
  return parts.every((part, i) => matchSegment(names[i] ?? '', part));
}

export function hasGlobMagic(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

function matchSegment(name: string, part: string): boolean {
  if (name.startsWith('.') && !part.startsWith('.')) return false;
  return segmentRegExp(part).test(name);
}

function segmentRegExp(part: string): RegExp {
  let source = '';
  for (let i = 0; i < part.length; i++) {
    const ch = part[i] ?? '';
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else if (ch === '[' && part.indexOf(']', i + 2) > 0) {
      const end = part.indexOf(']', i + 2);
      const body = part.slice(i + 1, end);
      const negated = body.startsWith('!') || body.startsWith('^');
      const members = (negated ? body.slice(1) : body).replace(/[\\\]^]/g, '\\$&');
      source += `[${negated ? '^' : ''}${members}]`;
      i = end;
    } else source += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}
