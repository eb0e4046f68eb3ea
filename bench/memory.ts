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
