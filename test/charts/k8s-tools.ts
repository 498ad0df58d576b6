// Real helm and kubectl for the chart and manifest tests. scripts/lib/k8s-tools.sh fetches them
// (the test command runs it); here we only find them, and a missing tool fails the test with
// the command that fetches it — never a skip.
import { execFile } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CHART = join(ROOT, 'charts', 'hotcycle');
export const SETUP_COMMAND = 'bash scripts/lib/k8s-tools.sh';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

function findTool(name: 'helm' | 'kubectl'): string {
  const fromEnv = process.env[`HOTCYCLE_${name.toUpperCase()}`];
  const path = fromEnv || join(ROOT, '.tools', 'k8s', 'bin', name);
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    throw new Error(`${name} not found at ${path}: run \`${SETUP_COMMAND}\` (npm test does) or set HOTCYCLE_${name.toUpperCase()}`);
  }
}

export const helmPath = (): string => findTool('helm');
export const kubectlPath = (): string => findTool('kubectl');

export interface ToolResult { ok: boolean; stdout: string; stderr: string }

/** Runs a tool; a non-zero exit is a result (ok: false), not an exception. */
export async function runTool(path: string, args: string[]): Promise<ToolResult> {
  try {
    const { stdout, stderr } = await run(path, args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    return { ok: true, stdout, stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: unknown };
    if (typeof e.code !== 'number') throw error;
    return { ok: false, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** One named set of values: a file of charts/hotcycle/ci/ (or none for the defaults). */
export interface Combination { name: string; args: string[] }

export function combinations(): Combination[] {
  const dir = join(CHART, 'ci');
  const files = readdirSync(dir).filter((f) => f.endsWith('-values.yaml')).sort();
  return [{ name: 'default', args: [] }, ...files.map((f) => ({ name: f.replace(/-values\.yaml$/, ''), args: ['-f', join(dir, f)] }))];
}

export const RELEASE = 'hotcycle';
export const NAMESPACE = 'hotcycle';

/** `helm template` of the chart; throws with helm's message when it fails. */
export async function renderChart(args: string[] = []): Promise<K8sObject[]> {
  const result = await runTool(helmPath(), ['template', RELEASE, CHART, '--namespace', NAMESPACE, ...args]);
  if (!result.ok) throw new Error(`helm template ${args.join(' ')} failed: ${result.stderr}`);
  return parseObjects(result.stdout);
}

export function findObject(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!found) throw new Error(`no ${kind}${name ? ` ${name}` : ''} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}
