// The CPU target against the reference with the shim's threads shuffled between barriers.
import { cpuTargetSuite } from "./cpu-target.suite.ts";

cpuTargetSuite("shuffle");
