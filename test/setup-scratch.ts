// Every test file's setup (vitest.config.ts setupFiles): once its tests are done, the temporary
// folders its tests wrote with writeFiles (test/helpers.ts) are removed.
import { afterAll } from "vitest";
import { removeScratch } from "./helpers.ts";

afterAll(() => removeScratch());
