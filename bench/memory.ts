import { readdirSync, readFileSync } from 'node:fs';

/**
 * Samples the resident set size while the run lasts (every 100 ms, and at each `sample()`: synchronous
 * work holds the timer back); the peak, and the peak of each quarter of the run.
 */
export function rssSampler(): { sample(): void; stop(): { peakMB: number; quartersMB: number[] } } {
  const samples: Array<{ atMs: number; rss: number }> = [];
  const sample = (): void => void samples.push({ atMs: performance.now(), rss: process.memoryUsage.rss() });
  sample();
  const timer = setInterval(sample, 100);
  return {
    sample,
    stop() {
      clearInterval(timer);
      sample();
      const first = samples[0]?.atMs ?? 0;
      const span = Math.max(1, (samples.at(-1)?.atMs ?? first) - first);
      // A quarter without a sample (a short run) repeats the one before.
      const quarters = [0, 0, 0, 0];
      for (const s of samples) {
        const q = Math.min(3, Math.floor(((s.atMs - first) / span) * 4));
        quarters[q] = Math.max(quarters[q] ?? 0, s.rss);
      }
      for (let q = 1; q < 4; q += 1) if (quarters[q] === 0) quarters[q] = quarters[q - 1] ?? 0;
      const mb = (bytes: number): number => Math.round(bytes / 1_048_576);
      return { peakMB: mb(Math.max(...samples.map((s) => s.rss))), quartersMB: quarters.map(mb) };
    },
  };
}

/** CPU time so far, in microseconds: this process, and its descendant processes (an embedded PostgreSQL). */
export interface CpuTimes {
  readonly selfUs: number;
  /** Of `selfUs`, the time in the kernel (system calls: writes, fsync, network). */
  readonly selfSystemUs: number;
  /** Undefined where `/proc` cannot be read. */
  readonly childrenUs: number | undefined;
}

/** Clock ticks per second of `/proc/<pid>/stat` (`USER_HZ`: 100 on every Linux build Node runs on). */
const USER_HZ = 100;

export function cpuTimes(): CpuTimes {
  const usage = process.cpuUsage();
  return { selfUs: usage.user + usage.system, selfSystemUs: usage.system, childrenUs: descendantsCpuUs() };
}

function descendantsCpuUs(): number | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const parentOf = new Map<number, number>();
  const ticksOf = new Map<number, number>();
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    // After the command name (in parentheses, may hold spaces): state (3rd field), ppid (4th), ..., utime,
    // stime, cutime, cstime (14th to 17th: a PostgreSQL backend that ended counts in its postmaster's).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    parentOf.set(Number(pid), Number(fields[1]));
    ticksOf.set(Number(pid), Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]));
  }
  const isDescendant = (pid: number): boolean => {
    for (let p = parentOf.get(pid); p !== undefined && p > 1; p = parentOf.get(p)) if (p === process.pid) return true;
    return false;
  };
  let ticks = 0;
  for (const [pid, t] of ticksOf) if (isDescendant(pid)) ticks += t;
  return (ticks * 1_000_000) / USER_HZ;
}
