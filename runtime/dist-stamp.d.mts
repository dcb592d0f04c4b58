// Types of dist-stamp.mjs (plain JavaScript: scripts/build-dist.mjs and runtime/index.js run it without a loader).
export declare const STAMP_FILE: string;
export declare function sourcesDigest(root: string): string;
export declare function distMatchesSources(root: string): boolean;
export declare function writeStamp(root: string, dist?: string): void;
export declare function staleDistWarning(root: string, cwd?: string): string | undefined;
