// Every test file's setup (vitest.config.ts setupFiles): the file starts from the worker's first
// environment. Files share their worker's process (isolate: false), and some set variables for
// all their tests at the top (TSDP_CPU_OPT_LEVEL=0 for one-step models, a fake nvcc's TSDP_NVCC):
// without this, the next file in the worker would build at -O0 or with the fake compiler.
import { baseline } from "./env-baseline.ts";

for (const name of Object.keys(process.env)) if (!(name in baseline)) delete process.env[name];
for (const [name, value] of Object.entries(baseline)) if (value !== undefined) process.env[name] = value;
