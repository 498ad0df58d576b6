// Builds what the images and the `bin` entry run:
//   dist/hotcycle.mjs  the CLI's entry (master, sidecar, operator commands), an ESM bundle split
//   dist/chunk-*.mjs   into chunks beside it: each command's dynamic import() loads only what that
//                      command runs, so the master and the CLI never parse the Kubernetes client,
//                      chokidar or prom-client (test/deploy/bundle.test.ts proves it)
//   dist/worker.mjs    the `hotcycle/worker` helper for Node apps
//   dist/kubectl-hotcycle.mjs  the kubectl plugin (`kubectl hotcycle`), one file, its own
//                      license notices beside it (kubectl-hotcycle.mjs.LEGAL.txt)
//   dist/hotcycle.node the N-API addon (listening sockets, SO_PEERCRED), built by node-gyp
//   dist/*.LEGAL.txt   the license notices of what the bundle and the addon contain
//   build/bundle-inputs.json  for the tests, not part of dist/: which sources each file of the CLI's
//                      bundle holds, and which files it imports
// The bundle loads its chunks and the addon from beside itself, so dist/ (copied whole) is all an
// image needs (plus Node).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { build, type Metafile, type Plugin } from 'esbuild';
import type { AjvSetup } from '../src/schema-compile.ts';

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

/**
 * Node's builtins, imported through require() rather than `import`: an ESM import of a builtin
 * reads every one of its exports, and `node:http`'s lazy WebSocket, CloseEvent and MessageEvent
 * then load undici, TLS, HTTP/2 and worker_threads — 14 MB of RSS in every process that serves
 * HTTP, against 3 MB through require() (issue 13). esbuild's CommonJS interop reads each export's
 * property descriptor, which evaluates node:util's lazy exports too (parseArgs, diff,
 * worker_threads…): the builtins in LAZY_EXPORTS, whose functions never use `this`, reach it as an
 * object of getters instead, so that an export is read when the code uses it.
 */
const LAZY_EXPORTS = new Set(['util', 'http', 'https']);

function builtinModule(name: string): string {
  if (!LAZY_EXPORTS.has(name.replace(/^node:/, ''))) return `module.exports = require(${JSON.stringify(name)});`;
  return `const builtin = require(${JSON.stringify(name)});
for (const name of Object.getOwnPropertyNames(builtin)) Object.defineProperty(exports, name, { get: () => builtin[name], enumerable: true });`;
}

const builtinsByRequire: Plugin = {
  name: 'builtins-by-require',
  setup(build) {
    build.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => (args.kind === 'import-statement' && isBuiltin(args.path)
      ? { path: args.path, namespace: 'builtin' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: builtinModule(args.path), loader: 'js' }));
  },
};

/** The modules that declare hotcycle's own JSON Schemas (src/schema-compile.ts's declareSchema). */
const SCHEMA_MODULES = ['src/protocol/schemas.ts', 'src/protocol/sidecar.ts', 'src/config/schema.ts', 'src/sidecar/rollout/lease.ts'];

/**
 * src/schema-compile.ts replaced by ajv's standalone code for every schema SCHEMA_MODULES declare,
 * one module per ajv setup (`precompiled-schemas:NAME`, exporting s0, s1, … in declaration order):
 * the bundle neither loads ajv for them nor compiles them at start (issue 13). A schema declared
 * elsewhere fails loudly on first use.
 */
async function precompiledSchemas(): Promise<Plugin> {
  const { DECLARED } = await import('../src/schema-compile.ts');
  for (const file of SCHEMA_MODULES) await import(pathToFileURL(join(root, file)).href);
  const sets = new Map<string, { setup: AjvSetup; schemas: object[] }>();
  for (const { setup, schema } of DECLARED) {
    if (!sets.has(setup.name)) sets.set(setup.name, { setup, schemas: [] });
    sets.get(setup.name)!.schemas.push(schema);
  }
  const modules = new Map([...sets].map(([name, { setup, schemas }]) => {
    const ajv = new Ajv({ ...setup.options, code: { source: true, esm: true } });
    for (const keyword of setup.keywords) ajv.addKeyword(keyword);
    schemas.forEach((schema, i) => ajv.addSchema(schema, `s${i}`));
    return [name, standalone.default(ajv, Object.fromEntries(schemas.map((_, i) => [`s${i}`, `s${i}`])))];
  }));
  const names = [...sets.keys()];
  const replacement = `${names.map((name, i) => `import * as m${i} from ${JSON.stringify(`precompiled-schemas:${name}`)};`).join('\n')}
const SETS = { ${names.map((name, i) => `${JSON.stringify(name)}: [m${i}, ${JSON.stringify(sets.get(name)!.schemas.map((schema) => JSON.stringify(schema)))}]`).join(', ')} };
export function declareSchema(setup, schema) {
  let validate;
  return () => (validate ??= precompiled(setup.name, schema));
}
function precompiled(name, schema) {
  const [module, keys] = SETS[name] ?? [{}, []];
  const i = keys.indexOf(JSON.stringify(schema));
  if (i < 0) throw new Error(\`a \${name} schema was not compiled at build time: declare it in one of scripts/build.ts's SCHEMA_MODULES\`);
  return module[\`s\${i}\`];
}
`;
  return {
    name: 'precompiled-schemas',
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]schema-compile\.ts$/ }, () => ({ contents: replacement, loader: 'js', resolveDir: root }));
      build.onResolve({ filter: /^precompiled-schemas:/ }, (args) => ({ path: args.path.slice('precompiled-schemas:'.length), namespace: 'precompiled-schemas' }));
      build.onLoad({ filter: /.*/, namespace: 'precompiled-schemas' }, (args) => ({ contents: modules.get(args.path), loader: 'js', resolveDir: root }));
    },
  };
}

/** Bundles `entry` into `outdir` as `<name>.mjs`, split into chunks when `splitting`. */
async function bundle(entry: string, name: string, outdir: string, splitting: boolean, plugins: Plugin[] = []): Promise<Metafile> {
  const { metafile } = await build({
    entryPoints: { [name]: join(root, entry) },
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    splitting,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'external',
    // Some dependencies are CommonJS and call require(), and builtins come through it (above):
    // give every file of the ESM bundle one, without an ESM import of node:module.
    banner: { js: "const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);" },
    plugins: [builtinsByRequire, ...plugins],
    logLevel: 'warning',
    metafile: true,
  });
  return metafile;
}

/** esbuild's metafile, keyed by file name: `{ "chunk-X.mjs": { inputs: [source…], imports: [{ file, dynamic }…] } }`. */
function bundleInputs(meta: Metafile): Record<string, { inputs: string[]; imports: { file: string; dynamic: boolean }[] }> {
  const files = Object.entries(meta.outputs).filter(([file]) => file.endsWith('.mjs'));
  return Object.fromEntries(files.map(([file, output]) => [basename(file), {
    inputs: Object.keys(output.inputs),
    imports: output.imports.filter((i) => !i.external).map((i) => ({ file: basename(i.path), dynamic: i.kind === 'dynamic-import' })),
  }]));
}

/**
 * esbuild writes the license comments of each chunk beside it (`chunk-X.mjs.LEGAL.txt`); the CLI
 * ships them as one file, `into`, each notice once (a chunk's set depends on how the code splits).
 */
function mergeLegalNotices(dir: string, into: string): void {
  const HEADER = 'Bundled license information:';
  const own = ['worker.mjs.LEGAL.txt', 'kubectl-hotcycle.mjs.LEGAL.txt'];
  const files = readdirSync(dir).filter((f) => f.endsWith('.mjs.LEGAL.txt') && !own.includes(f));
  const notices = new Set<string>();
  for (const file of files.sort()) {
    const text = readFileSync(join(dir, file), 'utf8').replace(HEADER, '');
    for (const notice of text.split(/\n\s*\n/)) if (notice.trim()) notices.add(notice.trim());
    rmSync(join(dir, file));
  }
  writeFileSync(join(dir, into), `${HEADER}\n\n${[...notices].sort().join('\n\n')}\n`);
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
  const meta = await bundle('src/cli/main.ts', 'hotcycle', staging, true, [await precompiledSchemas()]);
  await bundle('src/worker/index.ts', 'worker', staging, false);
  await bundle('src/kubectl/main.ts', 'kubectl-hotcycle', staging, false, [await precompiledSchemas()]);
  mergeLegalNotices(staging, 'hotcycle.mjs.LEGAL.txt');
  const built = readdirSync(staging);
  for (const file of built) renameSync(join(staging, file), join(dist, file));
  // Chunks of earlier builds: their names hash their content, so an unchanged chunk was just
  // replaced by itself (a running process can still load it) and the rest are no longer imported.
  for (const file of readdirSync(dist)) if (file.startsWith('chunk-') && !built.includes(file)) rmSync(join(dist, file));
  writeFileSync(join(root, 'build', 'bundle-inputs.json'), JSON.stringify(bundleInputs(meta), null, 1));
} finally {
  rmSync(staging, { recursive: true, force: true });
}
