// The podman CLI, run by argument vector. A failure is a PodmanError with podman's stderr; the
// tests never skip when podman cannot run (the set-up, scripts/lib/containers.sh, installs it).
import { execFile } from 'node:child_process';

export class PodmanError extends Error {
  readonly code = 'EPODMAN';
  readonly stderr: string;

  constructor(message: string, stderr: string, options?: ErrorOptions) {
    super(`${message}\n${stderr.trim()}`, options);
    this.stderr = stderr;
  }
}

export interface Ran { code: number; stdout: string; stderr: string }

/** Runs a program; its exit code is a result. Only a failure to start it throws. */
export function runProgram(program: string, args: readonly string[], timeoutMs = 120_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (error as NodeJS.ErrnoException & { code?: unknown }).code : 0;
      if (typeof code === 'number') resolve({ code, stdout, stderr });
      else if (error && (error as { killed?: boolean }).killed) resolve({ code: -1, stdout, stderr: `${stderr}\n(timed out after ${timeoutMs} ms)` });
      else if (error) reject(new PodmanError(`${program} ${args.slice(0, 3).join(' ')}: ${error.message}`, stderr, { cause: error }));
      else resolve({ code: 0, stdout, stderr });
    });
  });
}

export async function podman(args: readonly string[], timeoutMs?: number): Promise<Ran> {
  return runProgram('podman', args, timeoutMs);
}

/** podman that must succeed: its stdout, or a PodmanError. */
export async function podmanOk(args: readonly string[], timeoutMs?: number): Promise<string> {
  const ran = await podman(args, timeoutMs);
  if (ran.code !== 0) throw new PodmanError(`podman ${args.slice(0, 2).join(' ')} exited ${ran.code}`, ran.stderr);
  return ran.stdout;
}

export const IMAGES = {
  hotcycle: 'localhost/hotcycle:dev',
  nginx: 'localhost/hotcycle-nginx:dev',
  python: 'localhost/hotcycle-example-python:dev',
} as const;

export const ENSURE_COMMAND = 'npm run images';

/** Fails loudly, with the command that builds them, when an image is missing. */
export async function requireImages(...images: string[]): Promise<void> {
  for (const image of images) {
    const ran = await podman(['image', 'exists', image]).catch((error: unknown) => {
      throw new PodmanError(`podman cannot run here: the pod tests need it (${ENSURE_COMMAND} installs it)`, String(error));
    });
    if (ran.code !== 0) throw new PodmanError(`image ${image} is missing: run \`${ENSURE_COMMAND}\` (npm test does)`, ran.stderr);
  }
}

/** Chart values that point the chart at the local images, as a user points it at a registry. */
export const LOCAL_IMAGE_VALUES = [
  '--set', 'image.repository=localhost/hotcycle-nginx', '--set', 'image.tag=dev',
  '--set', 'sidecar.image.repository=localhost/hotcycle', '--set', 'sidecar.image.tag=dev',
];
