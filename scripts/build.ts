// Builds what the images and the `bin` entry run:
//   dist/hotcycle.mjs  the whole CLI (master, sidecar, operator commands) as one ESM bundle
//   dist/worker.mjs    the `hotcycle/worker` helper for Node apps
//   dist/hotcycle.node the N-API addon (listening sockets, SO_PEERCRED), built by node-gyp
//   dist/*.LEGAL.txt   the license notices of what the bundle and the addon contain
// The bundle loads the addon from beside itself, so dist/ is all an image needs (plus Node).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const addon = join(root, 'build', 'Release', 'hotcycle.node');
const addonSource = join(root, 'native', 'hotcycle.c');

function buildAddon(): void {
  if (existsSync(addon) && statSync(addon).mtimeMs >= statSync(addonSource).mtimeMs) return;
  // node-gyp is a pinned devDependency, given the running Node's own headers: no download.
  const dir = nodeDir();
  execFileSync(join(root, 'node_modules', '.bin', 'node-gyp'), ['rebuild', ...(dir ? [`--nodedir=${dir}`] : [])], { cwd: root, stdio: 'inherit' });
}

/**
 * Where the running Node keeps its headers: npm's nodedir setting if any, else its own prefix
 * (official builds, Debian's package), else the platform package the `node` npm package
 * installs (our .tools/node24). Undefined: node-gyp fetches them.
 */
function nodeDir(): string | undefined {
  const prefix = join(dirname(process.execPath), '..');
  const candidates = [process.env.npm_config_nodedir, prefix, join(prefix, 'node_modules', `node-${process.platform}-${process.arch}`)];
  return candidates.find((dir) => dir && existsSync(join(dir, 'include', 'node', 'node_api.h')));
}

async function bundle(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'external',
    // Some dependencies are CommonJS and call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __hcRequire } from 'node:module'; const require = __hcRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}

buildAddon();
// Built beside dist/, then renamed into it file by file: a process running from dist/ (a test's
// workers import dist/worker.mjs) never reads a half-written file.
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });
const staging = mkdtempSync(join(root, '.dist-'));
try {
  copyFileSync(addon, join(staging, 'hotcycle.node'));
  copyFileSync(join(root, 'native', 'LEGAL.txt'), join(staging, 'hotcycle.node.LEGAL.txt'));
  await bundle('src/cli/main.ts', join(staging, 'hotcycle.mjs'));
  await bundle('src/worker/index.ts', join(staging, 'worker.mjs'));
  for (const file of readdirSync(staging)) renameSync(join(staging, file), join(dist, file));
} finally {
  rmSync(staging, { recursive: true, force: true });
}
