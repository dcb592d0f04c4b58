// The environment a test worker started with, read once per worker: with isolation off
// (vitest.config.ts), this module is evaluated by the worker's first test file only, before the
// file's own code runs.
export const baseline: Readonly<Record<string, string | undefined>> = { ...process.env };
