// The CPU target against the reference, the shim running a block's threads in order.
import { cpuTargetSuite } from "./cpu-target.suite.ts";

cpuTargetSuite("forward");
