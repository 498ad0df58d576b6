// V8 tuned for hotcycle's long-lived roles, the master and the sidecar: their work is I/O and
// short bursts (a reload, a sync), never a hot loop, and they run in every pod. With V8's defaults
// a master's RSS grew from 64 to 114 MiB over 1000 reloads (issue 13, test/bench/footprint.ts):
//   - the optimising compilers (Maglev, TurboFan) take up the reload path after a few hundred
//     cycles, and their own machine code, 8 MiB of the node binary, becomes resident; the
//     interpreter and the baseline compiler (Sparkplug) run this code fast enough;
//   - the young generation grows its semi-spaces from 1 to 16 MiB under a burst of allocation and
//     keeps them.
// Set at run time, before the role's code is loaded, so that images run plain `node hotcycle.mjs`.
import { setFlagsFromString } from 'node:v8';

const FLAGS = ['--no-opt', '--no-maglev', '--semi-space-growth-factor=1'];

export function tuneV8ForLongRunningRole(): void {
  for (const flag of FLAGS) setFlagsFromString(flag);
}
