// Types of up-to-date.mjs (plain JavaScript so that bin/tsdp.js can run it before tsx is loaded).
export declare function tsdpFingerprint(): string;
export declare function isFreshBuild(outDir: string, file: string, optionsJson: string): boolean;
export interface Resolution {
  /** The model file as given on the command line (printed back). */
  readonly file: string;
  readonly outDir: string;
  readonly target: string;
  /** The recorded options, as build.json's `options`. */
  readonly options: string;
  /** The build cache entry that holds the library (a new output directory gets it from there). */
  readonly cacheEntry: string;
}
/** How many commands' resolutions the cache keeps; past it the least recently written go, down to 80 %. */
export declare const MAX_RESOLUTIONS: number;
export declare function rememberResolution(argv: readonly string[], resolution: Resolution, env?: NodeJS.ProcessEnv, cwd?: string): void;
export declare function fastUpToDate(argv: readonly string[], env?: NodeJS.ProcessEnv, cwd?: string): string | undefined;
/** What a compile writes as outDir/package.json when the typed module needs it. */
export declare const MODULE_SCOPE: string;
/** The files a build writes beside the library, each with its digest in build.json. */
export declare const GENERATED: readonly string[];
/** Whether index.js needs a package.json beside it saying "type": "module" (the enclosing project is CommonJS). */
export declare function needsModuleScope(outDir: string): boolean;
/** outDir's package.json when it is the user's (not the one a compile writes): parsed, {} when not JSON; undefined otherwise. */
export declare function ownPackageJson(outDir: string): { readonly type?: unknown } | undefined;
