#!/usr/bin/env node
// The tsdp command. The compiler is written in TypeScript and run through tsx, so there is no
// build step to forget: what is in compiler/ is what runs. A `tsdp compile` that is up to date is
// answered before tsx is loaded (compiler/6-build/up-to-date.mjs): loading it costs more than
// the whole check.
import { fastUpToDate } from "../compiler/6-build/up-to-date.mjs";

const upToDate = fastUpToDate(process.argv.slice(2));
if (upToDate !== undefined) process.stdout.write(upToDate);
else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../compiler/cli.ts");
}
