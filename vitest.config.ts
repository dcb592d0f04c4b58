import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Compiling a model loads ts-morph (about a second per worker); the CLI tests spawn Node.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Test files run in parallel workers; each compiled CPU-target model would otherwise start
    // a shim thread per core, and the oversubscribed cores starve vitest's own process (its
    // worker RPC then times out). One shim thread per worker keeps the cores shared fairly.
    //
    // The CPU target's device has 4 GiB (TSDP_SHIM_DEVICE_MEMORY_MB), as a GPU's memory is smaller
    // than its host's: the out-of-memory tests fill it with a batch the kernels can still index,
    // and never make the machine itself allocate gigabytes.
    env: { TSDP_SHIM_THREADS: "1", TSDP_SHIM_DEVICE_MEMORY_MB: "4096" },
    // Tests never block a worker for long: compilers and scripts run as child processes awaited
    // asynchronously, and long reference computations yield (test/helpers.ts). A worker that
    // computed synchronously for over 60 s would miss vitest's RPC heartbeat and fail the run.
  },
});
