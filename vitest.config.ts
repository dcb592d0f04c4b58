import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Compiling a model loads ts-morph (about a second per worker); the CLI tests spawn Node.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
