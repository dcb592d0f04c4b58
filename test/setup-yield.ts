// Every test file's setup (vitest.config.ts setupFiles): a turn of the event loop after each test.
// vitest runs a file's tests back to back through promise callbacks, which never leave the event
// loop's microtask queue, so a file of synchronous tests (compiles, child processes run with
// spawnSync) blocked its worker's event loop for their whole sum: test/limits.test.ts's for 44 s,
// test/inspect-gpu.test.ts's for 44 s on an idle 2-core machine. A reply from vitest's runner that
// arrives meanwhile is only read after the block, and past 60 s the worker's call has timed out:
// "Timeout calling onTaskUpdate", an unhandled error that fails the run although every test passed.
// setImmediate returns after the event loop's poll phase, where those replies are read.
import { afterEach } from "vitest";

afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
