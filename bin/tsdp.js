#!/usr/bin/env node
// The tsdp command. In a checkout the compiler's TypeScript sources run through tsx, so there is
// no build step to forget: what is in compiler/ is what runs — or dist/, where it was built from
// exactly those sources (runtime/dist-stamp.mjs distMatchesSources: the same code, started faster).
// An installed package has no sources, only dist/ (JavaScript built by `npm run build` when it was
// packed), and loads no TypeScript loader. Either way, a `tsdp compile` that is up to date is
// answered before the compiler is loaded (6-build/up-to-date.mjs): loading it costs more than the
// whole check.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const fromSources = existsSync(new URL("../compiler/cli.ts", import.meta.url));
const compiler = fromSources ? "../compiler/" : "../dist/compiler/";
const { fastUpToDate } = await import(`${compiler}6-build/up-to-date.mjs`);

const upToDate = fastUpToDate(process.argv.slice(2));
if (upToDate !== undefined) process.stdout.write(upToDate);
else if (fromSources && !(await import("../runtime/dist-stamp.mjs")).distMatchesSources(fileURLToPath(new URL("..", import.meta.url)))) {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../compiler/cli.ts");
} else await import("../dist/compiler/cli.js");
