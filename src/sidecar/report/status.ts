// `GET /v1/status`: the sidecar's own state, and the master's (or why it could not be asked).
import { toErrorInfo } from '../../errors.ts';
import type { SidecarStatus } from '../../protocol/sidecar.ts';
import type { Source } from '../../configset/sources.ts';
import type { MasterLink } from '../sync/drive.ts';
import type { Syncer } from '../sync/syncer.ts';
import type { SourceWatcher } from '../sync/watch.ts';
import { withWhy } from './why.ts';

export interface StatusParts {
  startedAt: Date;
  driver: string;
  sources: readonly Source[];
  liveDir: string;
  syncer: Syncer;
  watcher: SourceWatcher;
  link: MasterLink;
  kube: () => SidecarStatus['kube'];
  lastGood: () => SidecarStatus['lastGood'];
  rollout?: () => NonNullable<SidecarStatus['rollout']>;
}

export async function collectStatus(parts: StatusParts): Promise<SidecarStatus> {
  const synced = parts.syncer.state();
  const base: SidecarStatus = {
    pid: process.pid,
    startedAt: parts.startedAt.toISOString(),
    driver: parts.driver,
    sourceDir: parts.sources[0]?.dir ?? '',
    sources: parts.sources.slice(1).map((s) => ({ name: s.name, dir: s.dir, secret: s.secret })),
    liveDir: parts.liveDir,
    masterSocket: parts.link.socketPath,
    ...synced,
    lastResults: synced.lastResults.map(withWhy),
    watch: parts.watcher.health(),
    kube: parts.kube(),
    lastGood: parts.lastGood(),
    ...(parts.rollout ? { rollout: parts.rollout() } : {}),
  };
  try {
    return { ...base, master: await parts.link.status() };
  } catch (error) {
    return { ...base, masterError: toErrorInfo(error, 'control') };
  }
}
