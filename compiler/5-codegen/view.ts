// The typed view model the templates render. Every name, index expression, tile size and launch
// shape is computed here or in kernels/*.ts; templates only place these strings.

export interface KernelView {
  /** The template in templates/kernels/ that renders this kernel. */
  readonly template: string;
  /** C identifier stem: conv1_relu_pool → conv1_relu_pool_kernel, launch_conv1_relu_pool. */
  readonly name: string;
  /** One line: what the kernel computes, with shapes. */
  readonly summary: string;
  /** The TypeScript lines it came from: "model.ts:12  x = this.pool(F.relu(this.conv1(x)));" */
  readonly source: readonly string[];
  /** Fusion rules applied, for the comment. */
  readonly rules: string;
  /** Family-specific fields the template uses. */
  readonly [field: string]: unknown;
}

/** A pointer the launcher passes to the kernel. */
export interface ArgView {
  readonly decl: string; // "const float* __restrict__ x"
  readonly value: string; // the launcher's expression for it
  readonly comment: string; // shape comment
}

export interface LaunchView {
  readonly name: string;
  readonly kernel: string;
  readonly grid: string;
  readonly block: string;
  readonly sharedBytes: string;
  readonly args: readonly ArgView[];
  /** Extra scalar arguments after the pointers ("batch", "rows"). */
  readonly scalars: readonly string[];
  readonly summary: string;
  readonly source: readonly string[];
}

export interface ValueView {
  readonly name: string;
  readonly cType: string;
  readonly shape: string;
  readonly arena: "batch" | "fixed" | "params";
  readonly offset: number;
  readonly bytes: number;
  /** Pointer expression in the harness, e.g. (float*)(m->batch_arena + 11520 * batch). */
  readonly pointer: string;
}
