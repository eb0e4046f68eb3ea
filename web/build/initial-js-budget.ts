import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

interface ChunkLike {
  readonly type: 'chunk';
  readonly fileName: string;
  readonly code: string;
  readonly isEntry: boolean;
  readonly imports: readonly string[];
}

/**
 * Measures the JavaScript a first visit must download before the portal can render: the entry
 * chunk and every chunk it imports statically (lazy pages are left out), gzipped at level 9. Prints
 * it and fails the build when it is over `limitBytes`, so the budget cannot be broken unnoticed.
 */
export function initialJsBudget(options: { limitBytes: number }): Plugin {
  return {
    name: 'roamline-initial-js-budget',
    apply: 'build',
    generateBundle(_output, bundle) {
      const chunks = new Map<string, ChunkLike>();
      for (const item of Object.values(bundle)) if (item.type === 'chunk') chunks.set(item.fileName, item);
      const initial = new Set<string>();
      const visit = (fileName: string): void => {
        if (initial.has(fileName)) return;
        const chunk = chunks.get(fileName);
        if (chunk === undefined) return;
        initial.add(fileName);
        for (const imported of chunk.imports) visit(imported);
      };
      for (const chunk of chunks.values()) if (chunk.isEntry) visit(chunk.fileName);

      const sizes = [...initial].map((fileName) => ({ fileName, gzipBytes: gzipSync(chunks.get(fileName)?.code ?? '', { level: 9 }).length }));
      const totalBytes = sizes.reduce((sum, s) => sum + s.gzipBytes, 0);
      const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
      const lines = sizes.sort((a, b) => b.gzipBytes - a.gzipBytes).map((s) => `    ${kb(s.gzipBytes).padStart(9)}  ${s.fileName}`);
      const verdict = totalBytes <= options.limitBytes ? 'within' : 'OVER';
      console.log(`\n[web] initial JavaScript: ${kb(totalBytes)} gzipped (${verdict} the ${kb(options.limitBytes)} budget), ${sizes.length} file(s):\n${lines.join('\n')}\n`);
      if (totalBytes > options.limitBytes) {
        this.error(`initial JavaScript is ${kb(totalBytes)} gzipped, over the ${kb(options.limitBytes)} budget: lazy-load more (React.lazy) or drop a dependency`);
      }
    },
  };
}
