export function webBuildIsStale(): boolean;
export function buildWeb(options?: { quiet?: boolean }): string;
export function ensureWebBuilt(options?: { quiet?: boolean }): boolean;
