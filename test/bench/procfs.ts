// What /proc says about a process, for the idle figures: resident memory, context switches
// (summed over every thread: a wakeup of libuv's or V8's threads counts too) and CPU time.
import { readdir, readFile } from 'node:fs/promises';
import { statFields } from '../../src/process/procfs.ts';

/** VmRSS in KiB. */
export async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN);
}

export interface Activity {
  /** Voluntary context switches of all threads: each is the thread going to sleep after a wakeup. */
  voluntary: number;
  nonvoluntary: number;
  /** utime + stime in clock ticks (USER_HZ, 100 per second on Linux). */
  cpuTicks: number;
}

/** Context switches of the main thread alone (its tid is the pid): the event loop's wakeups. */
export async function mainThreadSwitches(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/task/${pid}/status`, 'utf8');
  return Number(/^voluntary_ctxt_switches:\s+(\d+)$/m.exec(status)?.[1] ?? 0) + Number(/^nonvoluntary_ctxt_switches:\s+(\d+)$/m.exec(status)?.[1] ?? 0);
}

export async function activity(pid: number): Promise<Activity> {
  const total: Activity = { voluntary: 0, nonvoluntary: 0, cpuTicks: 0 };
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    const status = await readFile(`/proc/${pid}/task/${tid}/status`, 'utf8').catch(() => ''); // a thread may end meanwhile
    total.voluntary += Number(/^voluntary_ctxt_switches:\s+(\d+)$/m.exec(status)?.[1] ?? 0);
    total.nonvoluntary += Number(/^nonvoluntary_ctxt_switches:\s+(\d+)$/m.exec(status)?.[1] ?? 0);
  }
  // utime and stime are fields 14 and 15.
  const fields = statFields(await readFile(`/proc/${pid}/stat`, 'utf8'));
  total.cpuTicks = Number(fields[11]) + Number(fields[12]);
  return total;
}

/** The soft "Max open files" limit of this process. */
export async function openFilesLimit(): Promise<number> {
  const limits = await readFile('/proc/self/limits', 'utf8');
  const soft = /^Max open files\s+(\S+)/m.exec(limits)?.[1] ?? '1024';
  return soft === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(soft);
}
