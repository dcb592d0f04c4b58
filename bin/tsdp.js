#!/usr/bin/env node
// The tsdp command. The compiler is written in TypeScript and run through tsx, so there is no
// build step to forget: what is in compiler/ is what runs.
import { register } from "tsx/esm/api";

register();
await import("../compiler/cli.ts");
