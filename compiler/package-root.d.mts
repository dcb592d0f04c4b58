// Types of package-root.mjs (plain JavaScript so that bin/tsdp.js can use it before tsx is loaded).
export declare const packageRoot: string;
export declare const fromSources: boolean;
