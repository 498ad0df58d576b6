// The check phase of an nginx cycle:
//   (1) the config set, read once and hashed as every other part of hotcycle does
//       (readConfigSet, by the driver, so that a failed reload names the version it read):
//       refuse a set other than the expected one (expectHash);
//   (2) read nginx's main-level directives: refuse what would take nginx out of hotcycle's
//       hands (daemon on, master_process off) and learn where its error logs go;
//   (3) run the real `nginx -t` on the live files (safe under live traffic: see check.ts); its
//       findings and warnings never quote a Secret file (one the live directory holds unreadable
//       by others);
//   (4) hash again: a set swapped in during the test is not what was tested.
import { readFile } from 'node:fs/promises';
import { formatDiagnostic } from '../../../diagnostic.ts';
import { HotcycleError } from '../../../errors.ts';
import type { Logger } from '../../../log.ts';
import { readConfigSet, refuseUnexpected, type ConfigVersion } from '../../../configset/snapshot.ts';
import { secretFilesIn } from '../../../configset/sources.ts';
import { runNginxTest } from './check.ts';
import type { NginxCommand } from './command.ts';
import { logTargets, mainDirectives, refuseDirectives, type BuildDefaults, type LogTarget, type NginxLayout } from './layout.ts';

export interface PrepareContext {
  command: NginxCommand;
  build: BuildDefaults;
  layout: NginxLayout;
  configDir: string;
  logger: Logger;
  timeoutMs: number;
  /** The version the driver read (step (1)). */
  version: ConfigVersion;
  expectHash?: string;
}

export interface Prepared {
  configHash: string;
  /** The error logs the checked configuration writes. */
  targets: LogTarget[];
}

export async function prepareCycle(ctx: PrepareContext): Promise<Prepared> {
  // (1)
  const { hash, files } = ctx.version;
  refuseUnexpected(ctx.configDir, hash, ctx.expectHash);
  // (2)
  const text = await readFile(ctx.layout.confPath, 'utf8').catch((error: unknown) => {
    throw new HotcycleError('check', 'ENGINXCONF', `cannot read nginx's main file ${ctx.layout.confPath}`, { detail: String(error), cause: error });
  });
  const main = mainDirectives(text, ctx.command.globals);
  const refused = refuseDirectives(main);
  if (refused) throw new HotcycleError('check', 'ENGINXCONF', refused, { detail: `main file: ${ctx.layout.confPath}` });
  // (3)
  const outcome = await runNginxTest(ctx.command, ctx.configDir, ctx.layout.confPath, ctx.timeoutMs, { files, secretFiles: await secretFilesIn(ctx.configDir, files) });
  for (const warning of outcome.warnings) ctx.logger.warn(`nginx -t: ${formatDiagnostic(warning)}`, { event: 'nginx.check.warning' });
  // (4)
  const after = await readConfigSet(ctx.configDir);
  if (after.hash !== hash) {
    throw new HotcycleError('check', 'ECHANGED', `the config set changed while nginx -t ran (${hash.slice(0, 12)} → ${after.hash.slice(0, 12)}); reload again`);
  }
  return { configHash: hash, targets: logTargets(main, ctx.command, ctx.build, ctx.layout.prefix) };
}
