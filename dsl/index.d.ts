/**
 * tsdp model language: the TypeScript mirror of PyTorch's `torch.nn`.
 *
 * These are declarations only. A model file is read by `tsdp compile`, which evaluates it
 * statically (it never runs your code); nothing here exists at run time. Names, argument
 * orders and defaults follow PyTorch, in camelCase, so a PyTorch model ports line by line.
 * Keyword arguments become a trailing options object:
 *   nn.Conv2d(3, 64, kernel_size=3, padding=1, bias=False)
 *   new nn.Conv2d(3, 64, 3, { padding: 1, bias: false })
 * Operators on tensors are methods, because TypeScript has no operator overloading:
 *   x + y  ->  x.add(y)        2 * x  ->  x.mul(2)        x @ w  ->  x.matmul(w)
 */

/** The symbolic batch dimension in a tensor shape: `Tensor<[Batch, 1, 28, 28]>`. */
export type Batch = "Batch";
export type Dim = number | Batch;
export type Shape = readonly Dim[];
export type DType = "float32" | "int32";

/** A complex64 tensor (F.polar, F.viewAsComplex): its parts, arithmetic, and the movement methods of a tensor. */
export interface ComplexTensor {
  readonly real: Tensor;
  readonly imag: Tensor;
  readonly shape: number[];
  readonly dtype: "complex64";
  size(): number[];
  size(dim: number): number;
  dim(): number;
  add(other: ComplexTensor | Tensor | number): ComplexTensor;
  sub(other: ComplexTensor | Tensor | number): ComplexTensor;
  mul(other: ComplexTensor | Tensor | number): ComplexTensor;
  div(other: ComplexTensor | Tensor | number): ComplexTensor;
  conj(): ComplexTensor;
  exp(): ComplexTensor;
  abs(): Tensor;
  angle(): Tensor;
  view(...shape: (number | readonly number[])[]): ComplexTensor;
  reshape(...shape: (number | readonly number[])[]): ComplexTensor;
  index(...indices: (number | string | null | Tensor | readonly number[] | readonly boolean[])[]): ComplexTensor;
  unsqueeze(dim: number): ComplexTensor;
  squeeze(dim?: number): ComplexTensor;
  transpose(dim0: number, dim1: number): ComplexTensor;
  permute(...dims: number[]): ComplexTensor;
  flatten(startDim?: number, endDim?: number): ComplexTensor;
  expand(...sizes: number[]): ComplexTensor;
  narrow(dim: number, start: number, length: number): ComplexTensor;
  contiguous(): ComplexTensor;
  clone(): ComplexTensor;
  detach(): ComplexTensor;
  chunk(chunks: number, dim?: number): ComplexTensor[];
  to(target: "cuda" | "complex64"): ComplexTensor;
  /** A write into it or into a view of it (FNO's and FEDformer's out_ft[:, :, :modes] = …, as index(…).copy_(v)): into both parts; a real source has imaginary part 0 */
  copy_(src: ComplexTensor | Tensor | number): ComplexTensor;
  fill_(value: number): ComplexTensor;
  zero_(): ComplexTensor;
  isComplex(): true;
}
/** A size that PyTorch accepts as an int or a pair: kernel sizes, strides, paddings. */
export type Size2 = number | readonly [number, number] | readonly number[];
/** A 1-D layer's kernel, stride, padding or dilation: an integer or a one-element list (PyTorch's _single takes (3,) as 3). */
export type Size1 = number | readonly [number];

/**
 * A tensor. `S` (shape) and `D` (dtype) are documentation for the reader and the compiler;
 * they are phantom on purpose, so `x = this.pool(x)` may rebind x to a differently shaped
 * tensor as it does in PyTorch. The compiler infers and checks every shape itself.
 */
export interface Tensor<S extends Shape = Shape, D extends DType = DType> {
  readonly __tsdpTensor: true;
  /** Sizes; `shape[0]` of a batched tensor is the batch size. */
  readonly shape: readonly number[];
  size(): readonly number[];
  size(dim: number): number;
  size(options: { dim: number }): number;
  dim(): number;
  /** x.type("float32"): a conversion, as x.to; x.type(): PyTorch's type name ("torch.cuda.FloatTensor") */
  type(): string;
  type(dtype: DType | "int64"): Tensor;
  type(options: { dtype: DType | "int64" }): Tensor;
  /** The number of dims, as dim() (PyTorch's x.ndim) */
  readonly ndim: number;
  numel(): number;
  /** Python's len(x): the size of dim 0 (the batch size of a batched tensor) */
  readonly length: number;
  /** PyTorch's older names of dim() and numel() */
  ndimension(): number;
  nelement(): number;
  /**
   * A one-element tensor's value: PyTorch's Python number. Of a tensor made in a constructor from
   * factories, the number itself (float32's value); of one computed in forward, the tensor as a
   * 0-dim one without a gradient, for operands of tensor methods (y.mul(s.item())) — a JavaScript
   * operator on that is refused.
   */
  item(): Tensor & number;
  /** A constructor tensor's values as nested arrays of numbers (timm's drop-path rates from F.linspace(…).tolist()). */
  tolist(): any;
  /** The same values in a tensor of its own: an in-place change of either leaves the other */
  clone(options?: { memoryFormat?: unknown }): Tensor;
  /** "float32" or "int32" (for x.to(y.dtype)). */
  readonly dtype: DType;
  /** Where the model runs: "cuda" (the CPU target stands in for it), so mask.to(x.device) is the mask. */
  readonly device: "cuda";
  /**
   * Whether autograd tracks it: a trained parameter, a tensor marked with requiresGrad_(), or
   * computed from one other than through detach or a comparison. In a constructor,
   * `p.requiresGrad = false` freezes a parameter, as requiresGrad_(false); in forward,
   * `x.requiresGrad = true` on a tensor no parameter reaches marks it as requiresGrad_() does.
   */
  requiresGrad: boolean;
  /** All dims reversed (for a matrix, its transpose), as PyTorch's x.T. */
  readonly T: Tensor;
  /** The last two dims swapped (x.mT). */
  readonly mT: Tensor;

  // movement: these never copy
  view(...shape: number[]): Tensor;
  /** x.view(y.shape): the sizes as one array, as PyTorch's x.view(y.shape) */
  view(shape: readonly number[]): Tensor;
  /** PyTorch's keyword for the list: x.view(size=(2, 3)) → x.view({ size: [2, 3] }) (reshape's shape, permute's dims, …) */
  view(options: { size: readonly number[] }): Tensor;
  reshape(...shape: number[]): Tensor;
  reshape(shape: readonly number[]): Tensor;
  reshape(options: { shape: readonly number[] }): Tensor;
  flatten(startDim?: number, endDim?: number): Tensor;
  flatten(startDim?: number, options?: { endDim?: number }): Tensor;
  flatten(options: { startDim?: number; endDim?: number }): Tensor;
  /** torch.ravel: every dim flattened into one */
  ravel(): Tensor;
  transpose(dim0: number, dim1: number): Tensor;
  transpose(dim0: number, options: { dim1: number }): Tensor;
  transpose(options: { dim0: number; dim1: number }): Tensor;
  permute(...dims: number[]): Tensor;
  /** x.permute([2, 0, 1]): the dims as one list, as PyTorch's permute(dims) (Hugging Face's T5 bias) */
  permute(dims: readonly number[]): Tensor;
  permute(options: { dims: readonly number[] }): Tensor;
  unsqueeze(dim: number): Tensor;
  unsqueeze(options: { dim: number }): Tensor;
  squeeze(dim?: number | readonly number[]): Tensor;
  squeeze(options: { dim?: number | readonly number[] }): Tensor;
  contiguous(options?: { memoryFormat?: unknown }): Tensor;
  /** The same values, cut from the gradient: nothing flows back through it (PyTorch's detach). */
  detach(): Tensor;
  /**
   * PyTorch's retain_grad(): keeps .grad for reading after backward, which changes no value or
   * gradient, so it does nothing here (an error on a tensor that does not require grad, as PyTorch's).
   */
  retainGrad(): void;
  /**
   * PyTorch's register_hook(fn) on a tensor in forward: the gradient reaching it is replaced by
   * fn(grad) (a tensor of its shape; nothing returned leaves it), hooks in the order registered.
   * fn runs once when compiling, on a stand-in, and its ops are replayed in the backward. Not on a
   * parameter (use clipGradValue or clipGradNorm for clipping).
   */
  registerHook(hook: (grad: Tensor) => Tensor | void): { remove(): void };
  /**
   * In a constructor, on a parameter (this.fc.weight, an nn.Parameter field): false freezes it. In
   * forward, on a float tensor no parameter reaches (a PINN's points, WGAN-GP's interpolates): marks
   * it as a leaf that F.autograd.grad can differentiate with respect to.
   */
  requiresGrad_(requiresGrad?: boolean): this;
  /** PyTorch's .data: in a constructor the parameter itself (`this.fc.weight.data.normal_(0, 0.02)`), in forward the values without their gradient. */
  get data(): this;
  /** `EE.weight.data = W` in a constructor (DLRM's embedding init): the parameter starts as W (a tensor of its shape made there) */
  set data(value: Tensor);
  /**
   * In a constructor, a parameter's initial value set in place, as PyTorch's ports write it
   * (`p.data.normal_(0, 0.02)`, `p.data.zero_()`, `p.data.fill_(0.1)`, `p.data.mul_(0.1)`): each
   * is the initializer it describes, drawn or written when the model is created. copy_ takes a
   * tensor made in the constructor, broadcast to the parameter's shape.
   */
  normal_(mean?: number, std?: number): this;
  normal_(options: { mean?: number; std?: number }): this;
  uniform_(from?: number, to?: number): this;
  uniform_(options: { from?: number; to?: number }): this;
  zero_(): this;
  fill_(value: number | Tensor): this;
  /** PyTorch's keywords for the in-place forms too: x.fill_(value=0) → x.fill_({ value: 0 }), x.add_(other=y, alpha=2) → x.add_({ other: y, alpha: 2 }) */
  fill_(options: { value: number | Tensor }): this;
  /** Tensor.fill_diagonal_: the value where every index is equal; wrap: a tall matrix's diagonal again below every w + 1 rows */
  fillDiagonal_(fillValue: number, wrap?: boolean): this;
  copy_(src: Tensor): this;
  /** In a constructor, on a parameter: its values become source's (GRU4Rec's weight.set_(init_parameter_matrix(weight)), the parameter itself: nothing changes); another parameter (weight tying) or shape is refused */
  set_(source: Tensor): this;
  copy_(options: { src: Tensor }): this;
  /**
   * In forward, PyTorch's in-place methods (x.relu_(), x.add_(y), x.maskedFill_(m, v), timm's drop
   * path `x.newEmpty(shape).bernoulli_(keep).div_(keep)`): the tensor becomes the out-of-place
   * method's result, so every name bound to it sees the change; the gradient is the out-of-place
   * method's. The result keeps the tensor's shape and dtype (PyTorch's rule). Refused (TSDP2018):
   * changing a parameter, buffer or constructor constant in forward; and a change through one of two
   * tensors over the same memory (a view: view, reshape, transpose, x[i], chunk, detach, …) when the
   * other is read after it. In a constructor, `F.empty(n).uniform_(a, b)` is a random initial value.
   */
  bernoulli_(p?: number | Tensor): this;
  add_(other: Tensor | number): this;
  add_(other: Tensor | number, options: { alpha?: number }): this;
  add_(options: { other: Tensor | number; alpha?: number }): this;
  sub_(other: Tensor | number): this;
  sub_(other: Tensor | number, options: { alpha?: number }): this;
  sub_(options: { other: Tensor | number; alpha?: number }): this;
  mul_(other: Tensor | number): this;
  mul_(options: { other: Tensor | number }): this;
  div_(other: Tensor | number): this;
  div_(options: { other: Tensor | number }): this;
  div_(other: Tensor | number, options: { roundingMode: "floor" | "trunc" | null }): this;
  clamp_(min?: Tensor | number | null, max?: Tensor | number | null): this;
  clamp_(options: { min?: Tensor | number | null; max?: Tensor | number | null }): this;
  clampMin_(min: Tensor | number): this;
  clampMin_(options: { min: Tensor | number }): this;
  clampMax_(max: Tensor | number): this;
  relu_(): this;
  sigmoid_(): this;
  tanh_(): this;
  exp_(): this;
  log_(): this;
  sqrt_(): this;
  rsqrt_(): this;
  pow_(exponent: number): this;
  pow_(options: { exponent: number }): this;
  neg_(): this;
  abs_(): this;
  floor_(): this;
  ceil_(): this;
  round_(decimals?: number): this;
  round_(options: { decimals?: number }): this;
  trunc_(): this;
  sign_(): this;
  reciprocal_(): this;
  maskedFill_(mask: Tensor, value: number | Tensor): this;
  maskedFill_(options: { mask: Tensor; value: number | Tensor }): this;
  addcmul_(tensor1: Tensor, tensor2: Tensor, options?: { value?: number }): this;
  addcmul_(options: { tensor1: Tensor; tensor2: Tensor; value?: number }): this;
  addcdiv_(tensor1: Tensor, tensor2: Tensor, options?: { value?: number }): this;
  lerp_(end: Tensor, weight: Tensor | number): this;
  lerp_(options: { end: Tensor; weight: Tensor | number }): this;
  sin_(): this;
  cos_(): this;
  erf_(): this;
  erfc_(): this;
  log1p_(): this;
  expm1_(): this;
  square_(): this;
  fmod_(other: Tensor | number): this;
  remainder_(other: Tensor | number): this;
  scatter_(dim: number, index: Tensor<Shape, "int32">, src: Tensor | number, options?: { reduce?: "add" | "multiply" | null }): this;
  scatter_(options: { dim: number; index: Tensor<Shape, "int32">; src: Tensor | number; reduce?: "add" | "multiply" | null }): this;
  scatterAdd_(dim: number, index: Tensor<Shape, "int32">, src: Tensor): this;
  indexAdd_(dim: number, index: Tensor<Shape, "int32">, source: Tensor, options?: { alpha?: number }): this;
  indexCopy_(dim: number, index: Tensor<Shape, "int32">, source: Tensor): this;
  indexPut_(indices: Tensor<Shape, "int32">[], values: Tensor | number | boolean, accumulate?: boolean): this;
  indexFill_(dim: number, index: Tensor<Shape, "int32">, value: number): this;
  indexFill_(options: { dim: number; index: Tensor<Shape, "int32">; value: number }): this;
  unsqueeze_(dim: number): this;
  squeeze_(dim?: number | readonly number[]): this;
  transpose_(dim0: number, dim1: number): this;
  t_(): this;
  detach_(): this;
  floorDivide_(other: Tensor | number): this;
  logicalNot_(): this;
  /** The rest of PyTorch's in-place forms of the methods above (x.copysign_(y), x.tril_(), x.scatter_reduce_(…)), as the ones before */
  absolute_(): this;
  acos_(): this;
  acosh_(): this;
  addmm_(mat1: Tensor, mat2: Tensor, options?: { beta?: number; alpha?: number }): this;
  addmv_(mat: Tensor, vec: Tensor, options?: { beta?: number; alpha?: number }): this;
  addr_(vec1: Tensor, vec2: Tensor, options?: { beta?: number; alpha?: number }): this;
  asin_(): this;
  asinh_(): this;
  atan_(): this;
  atan2_(other: Tensor | number): this;
  atanh_(): this;
  baddbmm_(batch1: Tensor, batch2: Tensor, options?: { beta?: number; alpha?: number }): this;
  clip_(min?: Tensor | number | null, max?: Tensor | number | null): this;
  clip_(options: { min?: Tensor | number | null; max?: Tensor | number | null }): this;
  copysign_(other: Tensor | number): this;
  cosh_(): this;
  cumsum_(dim: number, options?: { dtype?: DType | "int64" | null }): this;
  cumsum_(options: { dim: number; dtype?: DType | "int64" | null }): this;
  cumprod_(dim: number, options?: { dtype?: DType | "int64" | null }): this;
  cumprod_(options: { dim: number; dtype?: DType | "int64" | null }): this;
  deg2rad_(): this;
  digamma_(): this;
  divide_(other: Tensor | number, options?: { roundingMode?: "floor" | "trunc" | null }): this;
  erfinv_(): this;
  exp2_(): this;
  fix_(): this;
  frac_(): this;
  hypot_(other: Tensor | number): this;
  i0_(): this;
  lgamma_(): this;
  log10_(): this;
  log2_(): this;
  logicalAnd_(other: Tensor): this;
  logicalOr_(other: Tensor): this;
  logicalXor_(other: Tensor): this;
  logit_(eps?: number | null): this;
  multiply_(other: Tensor | number): this;
  mvlgamma_(p: number): this;
  negative_(): this;
  polygamma_(n: number): this;
  rad2deg_(): this;
  scatterReduce_(dim: number, index: Tensor<Shape, "int32">, src: Tensor, reduce: "sum" | "mean" | "prod" | "amax" | "amin", options?: { includeSelf?: boolean }): this;
  scatterReduce_(options: { dim: number; index: Tensor<Shape, "int32">; src: Tensor; reduce: "sum" | "mean" | "prod" | "amax" | "amin"; includeSelf?: boolean }): this;
  sgn_(): this;
  heaviside_(values: Tensor | number): this;
  put_(index: Tensor<Shape, "int32">, source: Tensor, accumulate?: boolean): this;
  floatPower_(exponent: Tensor | number): this;
  sinc_(): this;
  sinh_(): this;
  subtract_(other: Tensor | number, options?: { alpha?: number }): this;
  tan_(): this;
  tril_(diagonal?: number): this;
  triu_(diagonal?: number): this;
  trueDivide_(other: Tensor | number): this;
  xlogy_(other: Tensor | number): this;
  arccos_(): this;
  arcsin_(): this;
  arctan_(): this;
  greater_(other: Tensor | number): this;
  greaterEqual_(other: Tensor | number): this;
  less_(other: Tensor | number): this;
  lessEqual_(other: Tensor | number): this;
  notEqual_(other: Tensor | number): this;
  nanToNum_(nan?: number, posinf?: number | null, neginf?: number | null): this;
  nanToNum_(options: { nan?: number; posinf?: number | null; neginf?: number | null }): this;
  eq_(other: Tensor | number): this;
  ne_(other: Tensor | number): this;
  gt_(other: Tensor | number): this;
  lt_(other: Tensor | number): this;
  ge_(other: Tensor | number): this;
  le_(other: Tensor | number): this;
  /** Broadcasts to `sizes` (−1 keeps a dim; size-1 dims stretch; new dims in front), as torch.expand. */
  expand(...sizes: number[]): Tensor;
  /** x.expand(other.shape), x.expand([B, -1, 4]): the sizes as one list, as PyTorch's expand(torch.Size) */
  expand(sizes: readonly number[]): Tensor;
  expand(options: { size: readonly number[] }): Tensor;
  /** Each of `dims` read backwards, as torch.flip (not the batch dim). */
  flip(dims: readonly number[]): Tensor;
  flip(...dims: number[]): Tensor;
  flip(options: { dims: readonly number[] }): Tensor;
  /** Tiled sizes[i] times along dim i, new dims in front, as torch.Tensor.repeat (1 for the batch dim). */
  repeat(...sizes: number[]): Tensor;
  repeat(sizes: readonly number[]): Tensor;
  repeat(options: { repeats: readonly number[] }): Tensor;
  expandAs(other: Tensor): Tensor;
  expandAs(options: { other: Tensor }): Tensor;
  /** Matrix transpose of a 2-D tensor. */
  t(): Tensor;

  // elementwise, broadcasting like PyTorch; a boolean is Python's True/False, PyTorch's bool scalar (x * self.use_pos)
  add(other: Tensor | number | boolean): Tensor;
  add(options: { other: Tensor | number }): Tensor;
  /** this + alpha·other (torch.add's alpha) */
  add(other: Tensor | number, options: { alpha?: number }): Tensor;
  add(options: { other: Tensor | number; alpha?: number }): Tensor;
  /** a complex operand makes the result complex (S4D's -exp(logAReal) + 1j·AImag) */
  add(other: ComplexTensor): ComplexTensor;
  sub(other: Tensor | number): Tensor;
  sub(options: { other: Tensor | number }): Tensor;
  sub(other: Tensor | number, options: { alpha?: number }): Tensor;
  sub(options: { other: Tensor | number; alpha?: number }): Tensor;
  sub(other: ComplexTensor): ComplexTensor;
  mul(other: Tensor | number | boolean): Tensor;
  mul(options: { other: Tensor | number }): Tensor;
  mul(other: ComplexTensor): ComplexTensor;
  div(other: Tensor | number | boolean): Tensor;
  div(options: { other: Tensor | number }): Tensor;
  /** torch.div(x, y, rounding_mode=…): the quotient rounded down ("floor") or toward zero ("trunc"); int32 operands give int32. */
  div(other: Tensor | number, options: { roundingMode: "floor" | "trunc" | null }): Tensor;
  div(options: { other: Tensor | number; roundingMode: "floor" | "trunc" | null }): Tensor;
  div(other: ComplexTensor): ComplexTensor;
  /** `other - this`, as torch.rsub. */
  rsub(other: Tensor | number): Tensor;
  rsub(options: { other: Tensor | number }): Tensor;
  rsub(other: ComplexTensor): ComplexTensor;
  pow(exponent: number | Tensor): Tensor;
  pow(options: { exponent: number | Tensor }): Tensor;
  neg(): Tensor;
  exp(): Tensor;
  log(): Tensor;
  sqrt(): Tensor;
  abs(): Tensor;
  /** Elementwise sine and cosine (positional encodings computed in forward). */
  sin(): Tensor;
  cos(): Tensor;
  /** 1/√x: RMSNorm's x·(x²).mean(-1, true).add(ε).rsqrt(). */
  rsqrt(): Tensor;
  /** 1/x */
  reciprocal(): Tensor;
  /** x², as x.pow(2) */
  square(): Tensor;
  /** The error function (GELU written out: 0.5·x·(1 + erf(x/√2))). */
  erf(): Tensor;
  /** 1 − erf(x), exact in the tail (erfc(5) ≈ 1.5e-12, where 1 − erf(5) is 0 in float32) */
  erfc(): Tensor;
  /** erf⁻¹: NaN outside [−1, 1], ±∞ at ±1 (a uniform made normal: √2·erfinv(2u − 1)). */
  erfinv(): Tensor;
  /** ln|Γ(x)|: +∞ at 0 and the negative integers (negative binomial and Dirichlet likelihoods). */
  lgamma(): Tensor;
  /** ψ(x) = d/dx ln Γ(x): −∞ at 0, NaN at the negative integers. */
  digamma(): Tensor;
  /** ψ⁽ⁿ⁾(x), the n-th derivative of digamma (n ≥ 0). */
  polygamma(n: number): Tensor;
  polygamma(options: { n: number }): Tensor;
  /** The multivariate log-gamma of dimension p: p(p − 1)/4·ln π + Σᵢ ln Γ(x − i/2). */
  mvlgamma(p: number): Tensor;
  mvlgamma(options: { p: number }): Tensor;
  /** torch.logit: log(z/(1 − z)), z clamped to [eps, 1 − eps] when eps is given. */
  logit(eps?: number | null): Tensor;
  logit(options?: { eps?: number | null }): Tensor;
  exp2(): Tensor;
  /** eˣ − 1, exact near 0 */
  expm1(): Tensor;
  /** log(1 + x), exact near 0 */
  log1p(): Tensor;
  log2(): Tensor;
  log10(): Tensor;
  tan(): Tensor;
  sinh(): Tensor;
  cosh(): Tensor;
  /** The inverse functions; NaN outside their domains, as PyTorch's. */
  asin(): Tensor;
  acos(): Tensor;
  atan(): Tensor;
  asinh(): Tensor;
  acosh(): Tensor;
  atanh(): Tensor;
  /** Rounding: piecewise constant, so no gradient passes (PyTorch's is 0). round is half to even (2.5 → 2), as torch.round. */
  floor(): Tensor;
  ceil(): Tensor;
  round(decimals?: number): Tensor;
  round(options: { decimals?: number }): Tensor;
  trunc(): Tensor;
  /** torch.fix, the same as trunc */
  fix(): Tensor;
  /** x − trunc(x); its gradient is 1 */
  frac(): Tensor;
  /** −1, 0 or 1 (0 for NaN, as PyTorch's); no gradient */
  sign(): Tensor;
  /** Two-operand math, broadcast together: atan2(this, other); fmod keeps this's sign (C's), remainder other's (Python's %) */
  atan2(other: Tensor | number): Tensor;
  atan2(options: { other: Tensor | number }): Tensor;
  arctan2(other: Tensor | number): Tensor;
  arctan2(options: { other: Tensor | number }): Tensor;
  hypot(other: Tensor | number): Tensor;
  hypot(options: { other: Tensor | number }): Tensor;
  fmod(other: Tensor | number): Tensor;
  fmod(options: { other: Tensor | number }): Tensor;
  remainder(other: Tensor | number): Tensor;
  remainder(options: { other: Tensor | number }): Tensor;
  /** log(eˣ + eʸ) without overflow */
  logaddexp(other: Tensor | number): Tensor;
  logaddexp(options: { other: Tensor | number }): Tensor;
  /** this·log(other), 0 where this is 0 */
  xlogy(other: Tensor | number): Tensor;
  xlogy(options: { other: Tensor | number }): Tensor;
  /** this + weight·(end − this) */
  lerp(end: Tensor, weight: Tensor | number): Tensor;
  lerp(end: Tensor, options: { weight: Tensor | number }): Tensor;
  lerp(options: { end: Tensor; weight: Tensor | number }): Tensor;
  /** this + value·tensor1·tensor2 (addcdiv: ·tensor1/tensor2) */
  addcmul(tensor1: Tensor, tensor2: Tensor, options?: { value?: number }): Tensor;
  addcmul(tensor1: Tensor, options: { tensor2: Tensor; value?: number }): Tensor;
  addcmul(options: { tensor1: Tensor; tensor2: Tensor; value?: number }): Tensor;
  addcdiv(tensor1: Tensor, tensor2: Tensor, options?: { value?: number }): Tensor;
  addcdiv(tensor1: Tensor, options: { tensor2: Tensor; value?: number }): Tensor;
  addcdiv(options: { tensor1: Tensor; tensor2: Tensor; value?: number }): Tensor;
  /** beta·this + alpha·(mat1 @ mat2): 2-D (addmm) or 3-D batches (baddbmm) */
  addmm(mat1: Tensor, mat2: Tensor, options?: { beta?: number; alpha?: number }): Tensor;
  addmm(mat1: Tensor, options: { mat2: Tensor; beta?: number; alpha?: number }): Tensor;
  addmm(options: { mat1: Tensor; mat2: Tensor; beta?: number; alpha?: number }): Tensor;
  baddbmm(batch1: Tensor, batch2: Tensor, options?: { beta?: number; alpha?: number }): Tensor;
  baddbmm(batch1: Tensor, options: { batch2: Tensor; beta?: number; alpha?: number }): Tensor;
  baddbmm(options: { batch1: Tensor; batch2: Tensor; beta?: number; alpha?: number }): Tensor;
  /** beta·this + alpha·(mat @ vec) (addmv, mat 2-D, vec 1-D) and beta·this + alpha·(vec1 ⊗ vec2) (addr) */
  addmv(mat: Tensor, vec: Tensor, options?: { beta?: number; alpha?: number }): Tensor;
  addmv(mat: Tensor, options: { vec: Tensor; beta?: number; alpha?: number }): Tensor;
  addmv(options: { mat: Tensor; vec: Tensor; beta?: number; alpha?: number }): Tensor;
  addr(vec1: Tensor, vec2: Tensor, options?: { beta?: number; alpha?: number }): Tensor;
  addr(vec1: Tensor, options: { vec2: Tensor; beta?: number; alpha?: number }): Tensor;
  addr(options: { vec1: Tensor; vec2: Tensor; beta?: number; alpha?: number }): Tensor;
  /** |this| with other's sign bit (−0.0 counts as negative); its gradient result/this, 0 at 0; none to other */
  copysign(other: Tensor | number): Tensor;
  copysign(options: { other: Tensor | number }): Tensor;
  /** 1 where the sign bit is set (−0.0 too), else 0; no gradient */
  signbit(): Tensor;
  /** torch.histc: counts in `bins` equal bins over [min, max] (the top edge in the last bin); min and max must be given and differ, and this must not hold the batch */
  histc(bins?: number, min?: number, max?: number): Tensor;
  relu(): Tensor;
  sigmoid(): Tensor;
  tanh(): Tensor;

  // contraction
  matmul(other: Tensor): Tensor;
  matmul(options: { other: Tensor }): Tensor;
  /** a[:, None]·b[None, :] of two 1-D tensors (torch.outer) */
  outer(vec2: Tensor): Tensor;
  outer(options: { vec2: Tensor }): Tensor;
  /** torch.ger: outer's old name (Rainbow's noisy layers). */
  ger(vec2: Tensor): Tensor;
  ger(options: { vec2: Tensor }): Tensor;
  /** torch's new_zeros / new_ones / new_full: F.zeros, F.ones, F.full (float32, as this tensor must be) */
  /** x.new_empty(size): zeros here (PyTorch's is uninitialized), in x's dtype, as newZeros */
  newEmpty(...size: number[]): Tensor;
  newEmpty(size: readonly number[]): Tensor;
  newEmpty(options: { size: readonly number[] }): Tensor;
  /** The legacy x.new(size): newEmpty's older spelling. */
  "new"(...size: number[]): Tensor;
  "new"(size: readonly number[]): Tensor;
  "new"(options: { size: readonly number[] }): Tensor;
  newZeros(...size: number[]): Tensor;
  newZeros(size: readonly number[]): Tensor;
  newZeros(options: { size: readonly number[] }): Tensor;
  newOnes(...size: number[]): Tensor;
  newOnes(size: readonly number[]): Tensor;
  newOnes(options: { size: readonly number[] }): Tensor;
  newFull(size: readonly number[], fillValue: number, options?: { dtype?: "float32" | "int32" | "int64" | "bool"; device?: unknown; requiresGrad?: boolean }): Tensor;
  newFull(size: readonly number[], options: { fillValue: number; dtype?: "float32" | "int32" | "int64" | "bool"; device?: unknown; requiresGrad?: boolean }): Tensor;
  newFull(options: { size: readonly number[]; fillValue: number; dtype?: "float32" | "int32" | "int64" | "bool"; device?: unknown; requiresGrad?: boolean }): Tensor;
  /** matmul of two matrices (torch.mm) */
  mm(other: Tensor): Tensor;
  mm(options: { other: Tensor }): Tensor;
  /** matmul of two 3-D batches of matrices (torch.bmm) */
  bmm(other: Tensor): Tensor;
  bmm(options: { other: Tensor }): Tensor;

  // reductions: `dim` may be one dim or several; no dim reduces everything
  /** options.dtype: the result's, as PyTorch's (int32/int64 sums are int32; a float32 sum of an int32 tensor converts first). */
  sum(dim?: number | readonly number[] | null, keepdim?: boolean, options?: { dtype?: "float32" | "int32" | "int64" }): Tensor;
  sum(dim?: number | readonly number[] | null, options?: { keepdim?: boolean; dtype?: "float32" | "int32" | "int64" }): Tensor;
  /** x.sum(dim=1, keepdim=True) as PyTorch's keywords: x.sum({ dim: 1, keepdim: true }) (mean, max, argmax, softmax, … too) */
  sum(options: { dim?: number | readonly number[] | null; keepdim?: boolean; dtype?: "float32" | "int32" | "int64" }): Tensor;
  mean(dim?: number | readonly number[] | null, keepdim?: boolean, options?: { dtype?: "float32" }): Tensor;
  mean(dim?: number | readonly number[] | null, options?: { keepdim?: boolean; dtype?: "float32" }): Tensor;
  mean(options: { dim?: number | readonly number[] | null; keepdim?: boolean; dtype?: "float32" }): Tensor;
  /** The largest element; with a dim, PyTorch's (values, indices) pair. */
  max(): Tensor;
  /** torch.max(x, other): the elementwise maximum, as maximum. First, so that an operand typed any (a module call's result) reads as a tensor. */
  max(other: Tensor): Tensor;
  max(dim: number, keepdim?: boolean): MaxResult;
  max(dim: number, options?: { keepdim?: boolean }): MaxResult;
  max(options: { dim: number; keepdim?: boolean }): MaxResult;
  max(options: { other: Tensor }): Tensor;
  amax(dim: number | readonly number[], keepdim?: boolean): Tensor;
  amax(options: { dim: number | readonly number[]; keepdim?: boolean }): Tensor;
  amax(dim: number | readonly number[], options: { keepdim?: boolean }): Tensor;
  /** Without dim (or dim null): the position in the flattened tensor (no batch dim), 0-dim or with keepdim all size-1 dims. */
  argmax(dim?: number | null, keepdim?: boolean): Tensor<Shape, "int32">;
  argmax(dim: number | null, options?: { keepdim?: boolean }): Tensor<Shape, "int32">;
  argmax(options: { dim?: number | null; keepdim?: boolean }): Tensor<Shape, "int32">;
  /** The smallest element, as max: amin, and torch.min's (values, indices) pair with a dim. */
  amin(dim: number | readonly number[], keepdim?: boolean): Tensor;
  amin(options: { dim: number | readonly number[]; keepdim?: boolean }): Tensor;
  amin(dim: number | readonly number[], options: { keepdim?: boolean }): Tensor;
  min(): Tensor;
  min(other: Tensor): Tensor;
  min(dim: number, keepdim?: boolean): MaxResult;
  min(dim: number, options?: { keepdim?: boolean }): MaxResult;
  min(options: { dim: number; keepdim?: boolean }): MaxResult;
  min(options: { other: Tensor }): Tensor;
  /** Without dim (or dim null): the position in the flattened tensor (no batch dim), 0-dim or with keepdim all size-1 dims. */
  argmin(dim?: number | null, keepdim?: boolean): Tensor<Shape, "int32">;
  argmin(dim: number | null, options?: { keepdim?: boolean }): Tensor<Shape, "int32">;
  argmin(options: { dim?: number | null; keepdim?: boolean }): Tensor<Shape, "int32">;
  /** dtype: float32 (what tsdp computes it in; Hugging Face's softmax(…, dtype=torch.float32), or dtype=scores.dtype, typed DType: int32 is refused when compiled) */
  softmax(dim: number, options?: { dtype?: DType }): Tensor;
  softmax(options: { dim: number; dtype?: DType }): Tensor;
  logSoftmax(dim: number, options?: { dtype?: DType }): Tensor;
  logSoftmax(options: { dim: number; dtype?: DType }): Tensor;
  /** Running sums along a fixed-size dim: torch.cumsum. */
  cumsum(dim: number, options?: { dtype?: DType | "int64" | null }): Tensor;
  cumsum(options: { dim: number; dtype?: DType | "int64" | null }): Tensor;
  /** Running products along a fixed-size dim: torch.cumprod (its gradient exact where there are zeros). */
  /** dtype: the input converted first, as PyTorch's. */
  cumprod(dim: number, options?: { dtype?: DType | "int64" | null }): Tensor;
  cumprod(options: { dim: number; dtype?: DType | "int64" | null }): Tensor;
  /** The product along dim (torch.prod), or of every element (fixed sizes only); its gradient is exact where elements are zero. */
  prod(dim?: number, keepdim?: boolean, options?: { dtype?: DType | "int64" | null }): Tensor;
  prod(dim: number, options: { keepdim?: boolean; dtype?: DType | "int64" | null }): Tensor;
  prod(options: { dim?: number; keepdim?: boolean; dtype?: DType | "int64" | null }): Tensor;
  prod(dim: number, options: { keepdim?: boolean }): Tensor;
  /** Elements (i, i + offset) of dims dim1 and dim2, those dims replaced by a last one: a view (a change through it shows in x). */
  diagonal(offset?: number, dim1?: number, dim2?: number): Tensor;
  diagonal(offset?: number, dim1?: number, options?: { dim2?: number }): Tensor;
  diagonal(offset?: number, options?: { dim1?: number; dim2?: number }): Tensor;
  diagonal(options?: { offset?: number; dim1?: number; dim2?: number }): Tensor;
  /** The cross product of 3-vectors along dim (torch.cross); without dim, the first dim of size 3 (as PyTorch's). */
  cross(other: Tensor, dim?: number | null): Tensor;
  cross(options: { other: Tensor; dim?: number | null }): Tensor;
  cross(other: Tensor, options: { dim?: number | null }): Tensor;
  /** |x − other| ≤ atol + rtol·|other| as a 0/1 mask (torch.isclose). */
  isclose(other: Tensor, options?: { rtol?: number; atol?: number; equalNan?: boolean }): Tensor;
  isclose(options: { other: Tensor; rtol?: number; atol?: number; equalNan?: boolean }): Tensor;
  /** log Σ_{k ≤ i} exp(x_k) along a fixed-size dim: torch.logcumsumexp. */
  logcumsumexp(dim: number): Tensor;
  logcumsumexp(options: { dim: number }): Tensor;
  /** The running maximum and where it was (a tie takes the later index), as torch.cummax. */
  cummax(dim: number): MaxResult;
  cummax(options: { dim: number }): MaxResult;
  cummin(dim: number): MaxResult;
  cummin(options: { dim: number }): MaxResult;
  /** log Σ exp over dim (its max taken out first): torch.logsumexp. */
  logsumexp(dim: number | readonly number[], keepdim?: boolean): Tensor;
  logsumexp(options: { dim: number | readonly number[]; keepdim?: boolean }): Tensor;
  logsumexp(dim: number | readonly number[], options: { keepdim?: boolean }): Tensor;
  /** Each slice along dim whose p-norm exceeds maxnorm scaled to it (by maxnorm / (norm + 1e-7)): torch.renorm. */
  renorm(p: number, dim: number, maxnorm: number): Tensor;
  renorm(options: { p: number; dim: number; maxnorm: number }): Tensor;
  /** In place (under F.noGrad or through .data on a parameter: a max-norm constraint). */
  renorm_(p: number, dim: number, maxnorm: number): this;
  /** Σ(x − mean)² / (N − correction) over dim (not the batch); unbiased (correction 1) by default. */
  var(dim: number | readonly number[], unbiased?: boolean, keepdim?: boolean): Tensor;
  var(dim: number | readonly number[], unbiased?: boolean, options?: { keepdim?: boolean }): Tensor;
  var(dim: number | readonly number[], options?: { unbiased?: boolean; keepdim?: boolean }): Tensor;
  var(options: { dim: number | readonly number[]; unbiased?: boolean; keepdim?: boolean }): Tensor;
  /** Over every element (the batch's too: each replica's share), as PyTorch's x.var() and the legacy var(unbiased) (pytorch/examples' actor-critic normalizes its returns by returns.std()). */
  var(unbiased?: boolean): Tensor;
  var(options: { unbiased: boolean }): Tensor;
  var(dim: number | readonly number[], options: { unbiased?: boolean; keepdim?: boolean; correction?: number }): Tensor;
  var(options: { dim: number | readonly number[]; unbiased?: boolean; keepdim?: boolean; correction?: number }): Tensor;
  /** √var, with var's arguments. */
  std(dim: number | readonly number[], unbiased?: boolean, keepdim?: boolean): Tensor;
  std(dim: number | readonly number[], unbiased?: boolean, options?: { keepdim?: boolean }): Tensor;
  std(dim: number | readonly number[], options?: { unbiased?: boolean; keepdim?: boolean }): Tensor;
  std(options: { dim: number | readonly number[]; unbiased?: boolean; keepdim?: boolean }): Tensor;
  /** Over every element (the batch's too: each replica's share), as PyTorch's x.std() and the legacy std(unbiased) (pytorch/examples' actor-critic normalizes its returns by returns.std()). */
  std(unbiased?: boolean): Tensor;
  std(options: { unbiased: boolean }): Tensor;
  std(dim: number | readonly number[], options: { unbiased?: boolean; keepdim?: boolean; correction?: number }): Tensor;
  std(options: { dim: number | readonly number[]; unbiased?: boolean; keepdim?: boolean; correction?: number }): Tensor;

  // clamp and the elementwise extremes (torch.clamp, torch.maximum/minimum)
  /** min(max(x, min), max); either bound may be null; the gradient passes at the bounds, as PyTorch's. */
  clamp(min?: Tensor | number | null, max?: Tensor | number | null): Tensor;
  clamp(min?: Tensor | number | null, options?: { max?: Tensor | number | null }): Tensor;
  clamp(options: { min?: Tensor | number | null; max?: Tensor | number | null }): Tensor;
  clip(min?: Tensor | number | null, max?: Tensor | number | null): Tensor;
  clip(min?: Tensor | number | null, options?: { max?: Tensor | number | null }): Tensor;
  clip(options: { min?: Tensor | number | null; max?: Tensor | number | null }): Tensor;
  /** max(x, min): clamp with only a lower bound (x.clamp_min(ε) before a division) */
  clampMin(min: Tensor | number): Tensor;
  clampMin(options: { min: Tensor | number }): Tensor;
  clampMax(max: Tensor | number): Tensor;
  clampMax(options: { max: Tensor | number }): Tensor;
  /** ‖x‖ₚ over dim (all dims when null): p = 2 or "fro" (the default), 1, Infinity, -Infinity. The 2-norm's gradient is 0 where the norm is 0, as PyTorch's. */
  norm(p?: number | "fro", dim?: number | readonly number[] | null, keepdim?: boolean, options?: { dtype?: "float32" | null }): Tensor;
  norm(p?: number | "fro", dim?: number | readonly number[] | null, options?: { keepdim?: boolean; dtype?: "float32" | null }): Tensor;
  norm(p?: number | "fro", options?: { dim?: number | readonly number[] | null; keepdim?: boolean; dtype?: "float32" | null }): Tensor;
  norm(options: { p?: number | "fro"; dim?: number | readonly number[] | null; keepdim?: boolean; dtype?: "float32" | null }): Tensor;
  /** The larger of the two, elementwise (broadcast); a tie gives each half the gradient. A tensor, as PyTorch's: a number bound is clamp({ min }). */
  maximum(other: Tensor): Tensor;
  maximum(options: { other: Tensor }): Tensor;
  /** torch.fmax / fmin: NaN-ignoring (the other operand where one is NaN; NaN where both are) */
  fmax(other: Tensor): Tensor;
  fmax(options: { other: Tensor }): Tensor;
  fmin(other: Tensor): Tensor;
  fmin(options: { other: Tensor }): Tensor;
  /** The smaller of the two, elementwise; a tensor, as PyTorch's: a number bound is clamp({ max }). */
  minimum(other: Tensor): Tensor;
  minimum(options: { other: Tensor }): Tensor;

  // masks: a comparison gives a float32 tensor of 0s and 1s; a condition is "≠ 0"
  gt(other: Tensor | number): Tensor;
  gt(options: { other: Tensor | number }): Tensor;
  ge(other: Tensor | number): Tensor;
  ge(options: { other: Tensor | number }): Tensor;
  lt(other: Tensor | number): Tensor;
  lt(options: { other: Tensor | number }): Tensor;
  le(other: Tensor | number): Tensor;
  le(options: { other: Tensor | number }): Tensor;
  eq(other: Tensor | number): Tensor;
  eq(options: { other: Tensor | number }): Tensor;
  ne(other: Tensor | number): Tensor;
  ne(options: { other: Tensor | number }): Tensor;
  /** 1 where ≠ 0, else 0: a mask (tsdp's booleans are float32 0/1). */
  bool(): Tensor;
  /** A float32 tensor: an int32 one converted (indices, ids), a float32 one itself. */
  float(): Tensor;
  /** An int32 tensor: a float32 one rounded toward zero (positions made indices), an int32 one itself. tsdp's integers are int32, so long() is int(). */
  int(): Tensor<Shape, "int32">;
  long(): Tensor<Shape, "int32">;
  /** torch's uint8 / int8 / int16 conversions (an older port's mask.byte()): int32 here, as F.uint8 is, toward zero. */
  byte(): Tensor<Shape, "int32">;
  char(): Tensor<Shape, "int32">;
  short(): Tensor<Shape, "int32">;
  /** x.to("float32" | "int32"), x.to(other) (other's dtype), x.to(x.device) (itself: every tensor is on the model's GPU). */
  to(target: DType | "int64" | Tensor | "cuda", options?: { nonBlocking?: boolean }): Tensor;
  /** PyTorch's pair x.to(device, dtype): the dtype is the conversion. */
  to(device: "cuda", dtype: DType | "int64", options?: { nonBlocking?: boolean }): Tensor;
  to(options: { target?: DType | "int64" | Tensor | "cuda"; dtype?: DType | "int64"; device?: "cuda"; nonBlocking?: boolean }): Tensor;
  /** Converted to other's dtype (x.type_as(y)). */
  typeAs(other: Tensor): Tensor;
  /** x.is_floating_point(): true for a float32 tensor, false for an int32 one or a bool mask (known when compiling). */
  isFloatingPoint(): boolean;
  /**
   * mask.nonzero(as_tuple=True): torch.where(mask)'s coordinates, usable only whole as an index
   * (x[mask.nonzero(as_tuple=True)] = 0 is x[mask] = 0); nonzero() alone, a [count, dims] matrix
   * whose count only the data knows, is refused.
   */
  nonzero(options: { asTuple: true }): Tensor<Shape, "int32">[];
  typeAs(options: { other: Tensor }): Tensor;
  /** Itself: every tensor is on the model's GPU. */
  /** The sparse layout's conversions (x.to_dense(), x.coalesce()): tsdp's tensors are dense, so each is x itself; x.is_sparse is false (x.to_sparse() is refused: keep x dense) */
  toDense(): Tensor;
  coalesce(): Tensor;
  readonly isSparse: false;
  /** x.is_complex(): a Tensor is real (a ComplexTensor answers true) */
  isComplex(): false;
  cuda(device?: unknown, nonBlocking?: boolean): Tensor;
  cuda(device?: unknown, options?: { nonBlocking?: boolean }): Tensor;
  cuda(options: { device?: unknown; nonBlocking?: boolean }): Tensor;
  /** A constructor's constant as it is (compile-time data, as before .tolist()); refused on a tensor of forward, which stays on the GPU. */
  cpu(): Tensor;
  /** Reshaped to other's shape (x.view_as(y)). */
  viewAs(other: Tensor): Tensor;
  viewAs(options: { other: Tensor }): Tensor;
  /** dim (of fixed size) viewed as `sizes`; one −1 takes the rest (x.unflatten). */
  unflatten(dim: number, sizes: readonly number[]): Tensor;
  unflatten(dim: number, options: { sizes: readonly number[] }): Tensor;
  unflatten(options: { dim: number; sizes: readonly number[] }): Tensor;
  /** torch.where(condition, this, other) */
  where(condition: Tensor, other: Tensor | number): Tensor;
  where(condition: Tensor, options: { other: Tensor | number }): Tensor;
  where(options: { condition: Tensor; other: Tensor | number }): Tensor;
  /** 0/1 masks: NaN, ±∞, finite, +∞, −∞ */
  isnan(): Tensor;
  isinf(): Tensor;
  isfinite(): Tensor;
  isposinf(): Tensor;
  isneginf(): Tensor;
  /** NaN → nan (0), +∞ → posinf (float32's largest), −∞ → neginf (its lowest) */
  nanToNum(nan?: number, posinf?: number | null, neginf?: number | null): Tensor;
  nanToNum(nan?: number, posinf?: number | null, options?: { neginf?: number | null }): Tensor;
  nanToNum(nan?: number, options?: { posinf?: number | null; neginf?: number | null }): Tensor;
  nanToNum(options: { nan?: number; posinf?: number | null; neginf?: number | null }): Tensor;
  /** 1 where every (some) element along dim (all dims when absent) is nonzero; NaN counts as nonzero */
  all(dim?: number | readonly number[] | null, keepdim?: boolean): Tensor;
  all(options: { dim?: number | readonly number[] | null; keepdim?: boolean }): Tensor;
  all(dim: number | readonly number[] | null, options: { keepdim?: boolean }): Tensor;
  any(dim?: number | readonly number[] | null, keepdim?: boolean): Tensor;
  any(options: { dim?: number | readonly number[] | null; keepdim?: boolean }): Tensor;
  any(dim: number | readonly number[] | null, options: { keepdim?: boolean }): Tensor;
  countNonzero(dim?: number | readonly number[] | null): Tensor;
  countNonzero(options: { dim?: number | readonly number[] | null }): Tensor;
  /** torch.isin: whether each element equals one of testElements (a tensor without the batch, or a number) */
  isin(testElements: Tensor | number, options?: { assumeUnique?: boolean; invert?: boolean }): Tensor;
  isin(options: { testElements: Tensor | number; assumeUnique?: boolean; invert?: boolean }): Tensor;
  /** Σ and the mean of the elements that are not NaN (torch.nansum / nanmean) */
  nansum(dim?: number | readonly number[] | null, keepdim?: boolean): Tensor;
  nansum(options: { dim?: number | readonly number[] | null; keepdim?: boolean }): Tensor;
  nansum(dim: number | readonly number[] | null, options: { keepdim?: boolean }): Tensor;
  nanmean(dim?: number | readonly number[] | null, keepdim?: boolean): Tensor;
  nanmean(options: { dim?: number | readonly number[] | null; keepdim?: boolean }): Tensor;
  nanmean(dim: number | readonly number[] | null, options: { keepdim?: boolean }): Tensor;
  /** torch.diff: the n-th forward difference along dim (−1), prepend and append joined first */
  diff(n?: number, dim?: number, prepend?: Tensor | null, append?: Tensor | null): Tensor;
  diff(n?: number, dim?: number, prepend?: Tensor | null, options?: { append?: Tensor | null }): Tensor;
  diff(n?: number, dim?: number, options?: { prepend?: Tensor | null; append?: Tensor | null }): Tensor;
  diff(n?: number, options?: { dim?: number; prepend?: Tensor | null; append?: Tensor | null }): Tensor;
  diff(options: { n?: number; dim?: number; prepend?: Tensor | null; append?: Tensor | null }): Tensor;
  /** torch.diag: a vector on diagonal k of a square matrix, or a matrix's diagonal k (fixed sizes) */
  diag(diagonal?: number): Tensor;
  diag(options?: { diagonal?: number }): Tensor;
  /** Tensor.unfold: windows of `size` along dim, `step` apart, as a new last dim (dim then counts the windows, at most 64) */
  unfold(dimension: number, size: number, step: number): Tensor;
  unfold(dimension: number, size: number, options: { step: number }): Tensor;
  unfold(dimension: number, options: { size: number; step: number }): Tensor;
  unfold(options: { dimension: number; size: number; step: number }): Tensor;
  /**
   * torch.topk: the k largest (smallest) along dim with their int32 indices, ties in index order;
   * { values, indices }, or [values, indices]. k up to 32 one max at a time; past that every element
   * ranked against the others (a dim of at most 4096). sort / argsort: all of the dim.
   */
  topk(k: number, dim?: number, largest?: boolean, sorted?: boolean): MaxResult;
  topk(k: number, dim?: number, largest?: boolean, options?: { sorted?: boolean }): MaxResult;
  topk(options: { k: number; dim?: number; largest?: boolean; sorted?: boolean }): MaxResult;
  topk(k: number, options: { dim?: number; largest?: boolean; sorted?: boolean }): MaxResult;
  topk(k: number, dim: number, options: { largest?: boolean; sorted?: boolean }): MaxResult;
  /** torch.median: the lower median along dim with its index (NaN where the dim holds one); without a dim, of every element (no batch). */
  median(): Tensor;
  median(dim: number, keepdim?: boolean): MaxResult;
  median(options: { dim: number; keepdim?: boolean }): MaxResult;
  median(dim: number, options: { keepdim?: boolean }): MaxResult;
  /** The k-th smallest along dim (default −1) and its index. */
  kthvalue(k: number, dim?: number, keepdim?: boolean): MaxResult;
  kthvalue(options: { k: number; dim?: number; keepdim?: boolean }): MaxResult;
  kthvalue(k: number, options: { dim?: number; keepdim?: boolean }): MaxResult;
  kthvalue(k: number, dim: number, options: { keepdim?: boolean }): MaxResult;
  /** torch.mode: the value seen most often along dim (of several, the smallest) and its last index */
  mode(dim?: number, keepdim?: boolean): MaxResult;
  mode(options: { dim?: number; keepdim?: boolean }): MaxResult;
  mode(dim: number, options: { keepdim?: boolean }): MaxResult;
  /** torch.quantile: q a number or an array (a leading dim then); NaN where the dim holds one. */
  quantile(q: number | readonly number[], dim?: number | null, keepdim?: boolean, interpolation?: "linear" | "lower" | "higher" | "midpoint" | "nearest"): Tensor;
  quantile(q: number | readonly number[], dim?: number | null, keepdim?: boolean, options?: { interpolation?: "linear" | "lower" | "higher" | "midpoint" | "nearest" }): Tensor;
  quantile(options: { q: number | readonly number[]; dim?: number | null; keepdim?: boolean; interpolation?: "linear" | "lower" | "higher" | "midpoint" | "nearest" }): Tensor;
  quantile(q: number | readonly number[], options: { dim?: number | null; keepdim?: boolean; interpolation?: "linear" | "lower" | "higher" | "midpoint" | "nearest" }): Tensor;
  quantile(q: number | readonly number[], dim: number | null, options: { keepdim?: boolean; interpolation?: "linear" | "lower" | "higher" | "midpoint" | "nearest" }): Tensor;
  /** The lower median of the values that are not NaN, with its index (NaN where every value is). */
  nanmedian(): Tensor;
  nanmedian(dim: number, keepdim?: boolean): MaxResult;
  nanmedian(options: { dim: number; keepdim?: boolean }): MaxResult;
  nanmedian(dim: number, options: { keepdim?: boolean }): MaxResult;
  /** quantile of the values that are not NaN. */
  nanquantile(q: number | readonly number[], dim?: number | null, keepdim?: boolean, interpolation?: "linear" | "lower" | "higher" | "midpoint" | "nearest"): Tensor;
  nanquantile(q: number | readonly number[], dim?: number | null, keepdim?: boolean, options?: { interpolation?: "linear" | "lower" | "higher" | "midpoint" | "nearest" }): Tensor;
  nanquantile(options: { q: number | readonly number[]; dim?: number | null; keepdim?: boolean; interpolation?: "linear" | "lower" | "higher" | "midpoint" | "nearest" }): Tensor;
  nanquantile(q: number | readonly number[], options: { dim?: number | null; keepdim?: boolean; interpolation?: "linear" | "lower" | "higher" | "midpoint" | "nearest" }): Tensor;
  nanquantile(q: number | readonly number[], dim: number | null, options: { keepdim?: boolean; interpolation?: "linear" | "lower" | "higher" | "midpoint" | "nearest" }): Tensor;
  /** torch.aminmax: { min, max } along dim, or of every element. */
  aminmax(options?: { dim?: number | null; keepdim?: boolean }): { min: Tensor; max: Tensor; 0: Tensor; 1: Tensor } & [Tensor, Tensor];
  fliplr(): Tensor;
  flipud(): Tensor;
  hsplit(indicesOrSections: number | readonly number[]): Tensor[];
  vsplit(indicesOrSections: number | readonly number[]): Tensor[];
  dsplit(indicesOrSections: number | readonly number[]): Tensor[];
  /** stable (PyTorch's keyword-only): equal values keep their order, as tsdp's sort always does */
  sort(dim?: number, descending?: boolean, options?: { stable?: boolean }): MaxResult;
  sort(options: { dim?: number; descending?: boolean; stable?: boolean }): MaxResult;
  sort(dim: number, options: { descending?: boolean; stable?: boolean }): MaxResult;
  /** torch.msort: sorted along dim 0, the values alone */
  msort(): Tensor;
  argsort(dim?: number, descending?: boolean, options?: { stable?: boolean }): Tensor<Shape, "int32">;
  argsort(options: { dim?: number; descending?: boolean; stable?: boolean }): Tensor<Shape, "int32">;
  argsort(dim: number, options: { descending?: boolean; stable?: boolean }): Tensor<Shape, "int32">;
  /** torch.tile: repeat with the sizes padded by 1s in front */
  tile(dims: readonly number[]): Tensor;
  tile(...dims: number[]): Tensor;
  tile(options: { dims: readonly number[] }): Tensor;
  /** each element `repeats` times in a row along dim; repeats: one count for every element, or counts per element known when compiled (a list, or F.tensor of them); a one-element list or tensor is one count (PyTorch broadcasts it). Without a dim, the flattened tensor's elements (the batch must be first) */
  repeatInterleave(repeats: number | readonly number[] | Tensor, dim?: number): Tensor;
  repeatInterleave(options: { repeats: number | readonly number[] | Tensor; dim?: number }): Tensor;
  repeatInterleave(repeats: number | readonly number[] | Tensor, options: { dim?: number }): Tensor;
  movedim(source: number, destination: number): Tensor;
  movedim(source: number, options: { destination: number }): Tensor;
  movedim(options: { source: number; destination: number }): Tensor;
  swapaxes(axis0: number, axis1: number): Tensor;
  swapaxes(axis0: number, options: { axis1: number }): Tensor;
  swapaxes(options: { axis0: number; axis1: number }): Tensor;
  swapdims(dim0: number, dim1: number): Tensor;
  swapdims(dim0: number, options: { dim1: number }): Tensor;
  swapdims(options: { dim0: number; dim1: number }): Tensor;
  /** torch.tensor(data) with this tensor's dtype (float32) */
  newTensor(data: number | readonly unknown[], options?: { dtype?: "float32" | "int32" | "int64"; device?: unknown; requiresGrad?: boolean }): Tensor;
  newTensor(options: { data: number | readonly unknown[]; dtype?: "float32" | "int32" | "int64" }): Tensor;
  /** 1 with probability this[i] (or p for every element), else 0, drawn on every call, as torch's x.bernoulli(). */
  bernoulli(p?: number): Tensor;
  bernoulli(options?: { p?: number }): Tensor;
  /** 1 where this is 0, else 0 (PyTorch's ~mask). */
  logicalNot(): Tensor;
  /** 1 where exactly one of the two is ≠ 0 */
  logicalXor(other: Tensor): Tensor;
  logicalXor(options: { other: Tensor }): Tensor;
  logicalAnd(other: Tensor): Tensor;
  logicalAnd(options: { other: Tensor }): Tensor;
  logicalOr(other: Tensor): Tensor;
  logicalOr(options: { other: Tensor }): Tensor;
  /** The method forms of F.sinc, dot, vdot, mv, inner, trace, dist, logaddexp2, rot90, tensorSplit, diagEmbed and torch's other names */
  sinc(): Tensor;
  dot(other: Tensor): Tensor;
  vdot(other: Tensor): Tensor;
  mv(vec: Tensor): Tensor;
  inner(other: Tensor): Tensor;
  trace(): Tensor;
  dist(other: Tensor, p?: number): Tensor;
  logaddexp2(other: Tensor | number): Tensor;
  rot90(k?: number, dims?: readonly [number, number]): Tensor;
  tensorSplit(indicesOrSections: number | readonly number[], dim?: number): Tensor[];
  diagEmbed(offset?: number, dim1?: number, dim2?: number): Tensor;
  diagflat(offset?: number): Tensor;
  take(index: Tensor<Shape, "int32">): Tensor;
  put(index: Tensor<Shape, "int32">, source: Tensor, accumulate?: boolean): Tensor;
  /** torch.heaviside's method form: 0 below 0, values at 0, 1 above. */
  heaviside(values: Tensor | number): Tensor;
  kron(other: Tensor): Tensor;
  /** torch.float_power's method form: pow of float operands (PyTorch's float64 result is float32 here). */
  floatPower(exponent: Tensor | number): Tensor;
  /** A copy with x[..., start:end:step, ...] (along dim) replaced by src. */
  sliceScatter(src: Tensor, dim?: number, start?: number | null, end?: number | null, step?: number): Tensor;
  /** A copy with x.select(dim, index) replaced by src. */
  selectScatter(src: Tensor, dim: number, index: number): Tensor;
  /** A copy with x.diagonal(offset, dim1, dim2) replaced by src. */
  diagonalScatter(src: Tensor, offset?: number, dim1?: number, dim2?: number): Tensor;
  /** The modified Bessel function I₀. */
  i0(): Tensor;
  /** The square matrices [..., n, n] to the power n (the identity at 0, the inverse's powers below). */
  matrixPower(n: number): Tensor;
  matrixPower(options: { n: number }): Tensor;
  arccos(): Tensor;
  arcsin(): Tensor;
  arctan(): Tensor;
  absolute(): Tensor;
  negative(): Tensor;
  positive(): Tensor;
  trueDivide(other: Tensor | number): Tensor;
  fix(): Tensor;
  /** torch's other names: sign (of a real tensor); mul, sub, div; gt, ge, lt, le, ne; movedim */
  sgn(): Tensor;
  multiply(other: Tensor | number): Tensor;
  subtract(other: Tensor | number, options?: { alpha?: number }): Tensor;
  divide(other: Tensor | number, options?: { roundingMode?: "floor" | "trunc" | null }): Tensor;
  greater(other: Tensor | number): Tensor;
  greaterEqual(other: Tensor | number): Tensor;
  less(other: Tensor | number): Tensor;
  lessEqual(other: Tensor | number): Tensor;
  notEqual(other: Tensor | number): Tensor;
  moveaxis(source: number, destination: number): Tensor;
  deg2rad(): Tensor;
  rad2deg(): Tensor;
  broadcastTo(size: readonly number[]): Tensor;
  /** PyTorch's a & b: on bool masks (a comparison's or logical op's result) logicalAnd; with an integer (an int32 tensor, a whole number) the integers' bits, int32 */
  bitwiseAnd(other: Tensor | boolean | number): Tensor;
  bitwiseAnd(options: { other: Tensor | boolean | number }): Tensor;
  /** PyTorch's a | b: on bool masks logicalOr, on integers their bits */
  bitwiseOr(other: Tensor | boolean | number): Tensor;
  bitwiseOr(options: { other: Tensor | boolean | number }): Tensor;
  /** PyTorch's a ^ b: on bool masks logicalXor, on integers their bits */
  bitwiseXor(other: Tensor | boolean | number): Tensor;
  bitwiseXor(options: { other: Tensor | boolean | number }): Tensor;
  /** PyTorch's ~x: on a bool mask logicalNot, on integers −x − 1 */
  bitwiseNot(): Tensor;
  /** PyTorch's x << n of integers: x·2ⁿ (0 for n < 0 or n ≥ 64, as PyTorch's int64), int32 */
  bitwiseLeftShift(other: Tensor | number): Tensor;
  bitwiseLeftShift(options: { other: Tensor | number }): Tensor;
  /** PyTorch's x >> n of integers: floor(x / 2ⁿ), an arithmetic shift, int32 */
  bitwiseRightShift(other: Tensor | number): Tensor;
  bitwiseRightShift(options: { other: Tensor | number }): Tensor;
  /** `value` where mask ≠ 0 (mask broadcasts to this tensor's shape); −Infinity before a softmax masks a position out. A number or a 0-dim tensor (Hugging Face's scores.masked_fill(mask, torch.tensor(torch.finfo(scores.dtype).min))). */
  maskedFill(mask: Tensor, value: number | Tensor): Tensor;
  maskedFill(mask: Tensor, options: { value: number | Tensor }): Tensor;
  maskedFill(options: { mask: Tensor; value: number | Tensor }): Tensor;
  /** Lower triangle of the last two dims: keeps (r, c) where c − r ≤ diagonal, as torch.tril. */
  tril(diagonal?: number): Tensor;
  tril(options?: { diagonal?: number }): Tensor;
  /** Upper triangle of the last two dims: keeps (r, c) where c − r ≥ diagonal, as torch.triu. */
  triu(diagonal?: number): Tensor;
  triu(options?: { diagonal?: number }): Tensor;

  // slices along a fixed-size dim after the batch (torch.split / chunk / narrow)
  /** Pieces of `splitSize` (the last smaller), or of the listed sizes, which must add up to the dim (Tensor.split's keyword is split_size; torch.split's, F.split's here, split_size_or_sections). */
  split(splitSize: number | readonly number[], dim?: number): Tensor[];
  split(options: { splitSize: number | readonly number[]; dim?: number }): Tensor[];
  split(splitSize: number | readonly number[], options: { dim?: number }): Tensor[];
  /** `chunks` pieces of ⌈size/chunks⌉, the last smaller (fewer pieces when they run out, as PyTorch). */
  chunk(chunks: number, dim?: number): Tensor[];
  chunk(options: { chunks: number; dim?: number }): Tensor[];
  chunk(chunks: number, options: { dim?: number }): Tensor[];
  narrow(dim: number, start: number, length: number): Tensor;
  narrow(dim: number, start: number, options: { length: number }): Tensor;
  narrow(dim: number, options: { start: number; length: number }): Tensor;
  narrow(options: { dim: number; start: number; length: number }): Tensor;
  /**
   * PyTorch's x[i0, i1, …], one argument per index: a number selects (the dim goes; negative from
   * the end), null adds a dim of 1 (None), a string slices with Python's rules ("1:-1", "::2",
   * ":3"; steps positive), "..." stands for the dims not indexed, a list of integers takes those
   * rows keeping the dim (a list of bools the rows where it is true), and int32 tensors take
   * elements (PyTorch's advanced indexing: integers apply first; tensors broadcast together, their
   * shape in place of their dims where adjacent, first where a slice or null separates them;
   * F.arange(batch) first picks each sample's own). A lone list of integers is one index (x[[0, 2]]);
   * a lone list holding slices or null is the tuple of indices. `x[..., ::2]` is `x.index("...", "::2")`, `x[:, -1]` is
   * `x.index(":", -1)`. The batch dim can only be taken whole (":"). Bounds that are names: x.slice.
   */
  index(...indices: (number | string | null | readonly number[] | readonly boolean[] | Tensor<Shape, "int32">)[]): Tensor;
  /** x[start:end:step] along dim (Python's rules; null for an omitted bound): x.slice(-1, 0, half) is x[..., :half]. */
  slice(dim: number, start?: number | null, end?: number | null, step?: number): Tensor;
  slice(dim: number, start?: number | null, end?: number | null, options?: { step?: number }): Tensor;
  slice(dim: number, start?: number | null, options?: { end?: number | null; step?: number }): Tensor;
  slice(dim: number, options?: { start?: number | null; end?: number | null; step?: number }): Tensor;
  slice(options: { dim: number; start?: number | null; end?: number | null; step?: number }): Tensor;
  /** Elements shifted along each dim by its shift, wrapping around (torch.roll; Swin's shifted windows). Without dims, rolled flattened. */
  roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor;
  roll(shifts: number | readonly number[], options?: { dims?: number | readonly number[] }): Tensor;
  roll(options: { shifts: number | readonly number[]; dims?: number | readonly number[] }): Tensor;
  /** The slice at `index` with `dim` removed: PyTorch's x[:, 0] is x.select(1, 0). */
  select(dim: number, index: number): Tensor;
  select(dim: number, options: { index: number }): Tensor;
  select(options: { dim: number; index: number }): Tensor;
  /**
   * x[i] is x.select(0, i), as PyTorch's x[i]: h_n[-1] is the last layer's final state. A negative i
   * counts from the end. `x[i] = t` writes t into that slice of x (PyTorch's out[t] = h), as
   * x[i].copy_(t) does: a view's change shows in its base, and the base's in its views.
   */
  [index: number]: Tensor;
  /**
   * Python's iteration over a tensor: its slices along dim 0, as unbind(0) gives them (`const [q, k, v] = qkv`
   * for qkv [3, …], `for (const row of t)`, `[...t]`); dim 0 must have a size known when compiling (not Batch).
   */
  [Symbol.iterator](): Iterator<Tensor>;
  /** Every slice along dim, dim removed (torch.unbind; q, k, v = qkv.unbind(0)). */
  unbind(dim?: number): Tensor[];
  unbind(options: { dim?: number }): Tensor[];
  /** Slices `index[j]` along dim, as torch.index_select (index: 1-D int32 of fixed size). */
  indexSelect(dim: number, index: Tensor<Shape, "int32">): Tensor;
  indexSelect(dim: number, options: { index: Tensor<Shape, "int32"> }): Tensor;
  indexSelect(options: { dim: number; index: Tensor<Shape, "int32"> }): Tensor;
  /** out[…, j, …] = this[…, index[…, j, …], …] along dim, as torch.gather (index: this shape except along dim). */
  gather(dim: number, index: Tensor<Shape, "int32">): Tensor;
  gather(dim: number, options: { index: Tensor<Shape, "int32"> }): Tensor;
  gather(options: { dim: number; index: Tensor<Shape, "int32"> }): Tensor;
  /**
   * gather's inverse, out of place: src[…, j, …] written at out[…, index[…, j, …], …] (a number for
   * every index: the one-hot idiom); where an index repeats, a tensor src's writes are summed
   * (PyTorch keeps one of them, unspecified which). scatterAdd adds them, deterministically.
   */
  /** reduce (PyTorch's legacy scatter.reduce): "add" sums what is sent onto x, "multiply" multiplies it in */
  scatter(dim: number, index: Tensor<Shape, "int32">, src: Tensor | number, options?: { reduce?: "add" | "multiply" | null }): Tensor;
  scatter(dim: number, index: Tensor<Shape, "int32">, options: { src: Tensor | number; reduce?: "add" | "multiply" | null }): Tensor;
  scatter(dim: number, options: { index: Tensor<Shape, "int32">; src: Tensor | number; reduce?: "add" | "multiply" | null }): Tensor;
  scatter(options: { dim: number; index: Tensor<Shape, "int32">; src: Tensor | number; reduce?: "add" | "multiply" | null }): Tensor;
  /** x // y (torch.floor_divide); int32 operands give int32. */
  floorDivide(other: Tensor | number): Tensor;
  floorDivide(options: { other: Tensor | number }): Tensor;
  scatterAdd(dim: number, index: Tensor<Shape, "int32">, src: Tensor): Tensor;
  scatterAdd(dim: number, index: Tensor<Shape, "int32">, options: { src: Tensor }): Tensor;
  scatterAdd(dim: number, options: { index: Tensor<Shape, "int32">; src: Tensor }): Tensor;
  scatterAdd(options: { dim: number; index: Tensor<Shape, "int32">; src: Tensor }): Tensor;
  /**
   * torch.scatter_reduce: src's elements sent along dim by index, reduced with this tensor's own
   * (includeSelf, default true) by sum, mean, prod, amax or amin; positions nothing reaches keep
   * theirs. index and src have one shape, this one's except along dim.
   */
  scatterReduce(dim: number, index: Tensor<Shape, "int32">, src: Tensor, reduce: "sum" | "mean" | "prod" | "amax" | "amin", options?: { includeSelf?: boolean }): Tensor;
  scatterReduce(dim: number, index: Tensor<Shape, "int32">, src: Tensor, options: { reduce: "sum" | "mean" | "prod" | "amax" | "amin"; includeSelf?: boolean }): Tensor;
  scatterReduce(dim: number, index: Tensor<Shape, "int32">, options: { src: Tensor; reduce: "sum" | "mean" | "prod" | "amax" | "amin"; includeSelf?: boolean }): Tensor;
  scatterReduce(dim: number, options: { index: Tensor<Shape, "int32">; src: Tensor; reduce: "sum" | "mean" | "prod" | "amax" | "amin"; includeSelf?: boolean }): Tensor;
  scatterReduce(options: { dim: number; index: Tensor<Shape, "int32">; src: Tensor; reduce: "sum" | "mean" | "prod" | "amax" | "amin"; includeSelf?: boolean }): Tensor;
  /** x.reshape(other.shape) */
  reshapeAs(other: Tensor): Tensor;
  reshapeAs(options: { other: Tensor }): Tensor;
  /** [std, mean] (torch.std_mean), with var's arguments */
  stdMean(unbiased: boolean): [Tensor, Tensor];
  stdMean(dim?: number | readonly number[] | null, unbiased?: boolean, keepdim?: boolean): [Tensor, Tensor];
  stdMean(dim?: number | readonly number[] | null, unbiased?: boolean, options?: { keepdim?: boolean }): [Tensor, Tensor];
  stdMean(dim?: number | readonly number[] | null, options?: { unbiased?: boolean; keepdim?: boolean }): [Tensor, Tensor];
  stdMean(options?: { dim?: number | readonly number[] | null; unbiased?: boolean; keepdim?: boolean }): [Tensor, Tensor];
  stdMean(dim: number | readonly number[] | null, options: { unbiased?: boolean; keepdim?: boolean; correction?: number | null }): [Tensor, Tensor];
  stdMean(options: { dim?: number | readonly number[] | null; unbiased?: boolean; keepdim?: boolean; correction?: number | null }): [Tensor, Tensor];
  /** [var, mean] (torch.var_mean) */
  varMean(unbiased: boolean): [Tensor, Tensor];
  varMean(dim?: number | readonly number[] | null, unbiased?: boolean, keepdim?: boolean): [Tensor, Tensor];
  varMean(dim?: number | readonly number[] | null, unbiased?: boolean, options?: { keepdim?: boolean }): [Tensor, Tensor];
  varMean(dim?: number | readonly number[] | null, options?: { unbiased?: boolean; keepdim?: boolean }): [Tensor, Tensor];
  varMean(options?: { dim?: number | readonly number[] | null; unbiased?: boolean; keepdim?: boolean }): [Tensor, Tensor];
  varMean(dim: number | readonly number[] | null, options: { unbiased?: boolean; keepdim?: boolean; correction?: number | null }): [Tensor, Tensor];
  varMean(options: { dim?: number | readonly number[] | null; unbiased?: boolean; keepdim?: boolean; correction?: number | null }): [Tensor, Tensor];
  /** Square matrices [..., n, n]: the inverse, the determinant, its log (NaN where negative), and (sign, log|det|). */
  inverse(): Tensor;
  det(): Tensor;
  logdet(): Tensor;
  slogdet(): SlogdetResult;
  /** torch.searchsorted(self, values): self's rows sorted; int32 positions of values. */
  searchsorted(values: Tensor, options?: { right?: boolean; side?: "left" | "right"; outInt32?: boolean }): Tensor<Shape, "int32">;
  searchsorted(options: { values: Tensor; right?: boolean; side?: "left" | "right"; outInt32?: boolean }): Tensor<Shape, "int32">;
  /** torch.bucketize(self, boundaries): the bucket of each element among 1-D sorted boundaries. */
  bucketize(boundaries: Tensor, options?: { right?: boolean; outInt32?: boolean }): Tensor<Shape, "int32">;
  bucketize(options: { boundaries: Tensor; right?: boolean; outInt32?: boolean }): Tensor<Shape, "int32">;
  takeAlongDim(indices: Tensor<Shape, "int32">, dim: number): Tensor;
  takeAlongDim(options: { indices: Tensor<Shape, "int32">; dim: number }): Tensor;
  takeAlongDim(indices: Tensor<Shape, "int32">, options: { dim: number }): Tensor;
  /** index_select's inverse: source's slice j added at index[j] along dim (times alpha). */
  indexAdd(dim: number, index: Tensor<Shape, "int32">, source: Tensor, options?: { alpha?: number }): Tensor;
  indexAdd(dim: number, index: Tensor<Shape, "int32">, options: { source: Tensor; alpha?: number }): Tensor;
  indexAdd(dim: number, options: { index: Tensor<Shape, "int32">; source: Tensor; alpha?: number }): Tensor;
  indexAdd(options: { dim: number; index: Tensor<Shape, "int32">; source: Tensor; alpha?: number }): Tensor;
  /** source's slice j written at index[j] along dim (torch.index_copy; x[idx] = source for dim 0). */
  indexCopy(dim: number, index: Tensor<Shape, "int32">, source: Tensor): Tensor;
  indexCopy(dim: number, index: Tensor<Shape, "int32">, options: { source: Tensor }): Tensor;
  indexCopy(dim: number, options: { index: Tensor<Shape, "int32">; source: Tensor }): Tensor;
  indexCopy(options: { dim: number; index: Tensor<Shape, "int32">; source: Tensor }): Tensor;
  /**
   * index_put: x[i0, i1, …] = values for int32 indices of x's first dims (broadcast together);
   * accumulate adds, summing repeated positions. F.arange(batch) first writes each sample's own rows.
   */
  indexPut(indices: Tensor<Shape, "int32">[], values: Tensor | number, accumulate?: boolean): Tensor;
  indexPut(indices: Tensor<Shape, "int32">[], values: Tensor | number, options?: { accumulate?: boolean }): Tensor;
  indexPut(indices: Tensor<Shape, "int32">[], options: { values: Tensor | number; accumulate?: boolean }): Tensor;
  indexPut(options: { indices: Tensor<Shape, "int32">[]; values: Tensor | number; accumulate?: boolean }): Tensor;
  /** value written at the slices index names along dim (torch.index_fill; x[idx] = value for dim 0). */
  indexFill(dim: number, index: Tensor<Shape, "int32">, value: number): Tensor;
  indexFill(dim: number, index: Tensor<Shape, "int32">, options: { value: number }): Tensor;
  indexFill(dim: number, options: { index: Tensor<Shape, "int32">; value: number }): Tensor;
  indexFill(options: { dim: number; index: Tensor<Shape, "int32">; value: number }): Tensor;
}

/** torch.slogdet's (sign, logabsdet): by name or destructured. */
export type SlogdetResult = readonly [Tensor, Tensor] & { readonly sign: Tensor; readonly logabsdet: Tensor };
/** torch.qr's (Q, R): by name or destructured. */
export type QrResult = readonly [Tensor, Tensor] & { readonly Q: Tensor; readonly R: Tensor };
/**
 * torch.max(x, dim)'s result (and topk's, sort's, …): `.values` / `.indices`, `[0]` / `[1]`, or
 * `const [values, indices] = x.max(1)` as PyTorch's tuple unpacks. A pair without the array's
 * values() method, whose name the named field takes (a tuple & { values } typed it Tensor & a function),
 * so it is not a `Tensor[]` (as PyTorch's named tuple is not a list): `[...x.max(1)]` is one.
 */
export type MaxResult = Omit<readonly [Tensor, Tensor<Shape, "int32">], "values"> & {
  readonly values: Tensor;
  readonly indices: Tensor<Shape, "int32">;
};

export namespace nn {
  /** Base class of every layer and model, as torch.nn.Module. Instances are callable. */
  class Module {
    /**
     * True in train mode, false in eval mode; follows `m.train()` / `m.eval()` at run time. Forward
     * code may test it (`if (!this.training) return x`, `this.training ? a : b`): it is compiled for
     * both modes, the values joined by the mode of each run (both computed; what does not depend on
     * the mode once).
     */
    readonly training: boolean;
    forward(...inputs: any[]): any;
    /**
     * In a constructor, as PyTorch's requires_grad_: false freezes every parameter of this module
     * and its children (saved and loaded with the rest, never updated, no gradient).
     */
    requiresGrad_(requiresGrad?: boolean): this;
    /**
     * In a constructor, as PyTorch's register_buffer: state saved with the model, read in forward as
     * `this.<name>`, never trained. Its value is a tensor made in the constructor: factories
     * (F.zeros, F.ones, F.full, F.arange, F.eye, F.tril, ...) and math on them, computed when the
     * model is compiled; or F.randn (scaled and shifted at most), drawn when it is created.
     * Forward may change a persistent buffer — in place (`this.runningMean.mul_(0.9).add_(…)`) or by
     * assignment (`this.steps = this.steps.add(1)`) — and the next call reads the change, as PyTorch's.
     * `null` sets the field to null and registers nothing (register_buffer(name, None)).
     */
    registerBuffer(name: string, tensor: Tensor | null, persistent?: boolean | { persistent?: boolean }): void;
    /**
     * add_module(name, module) / register_module, in a constructor: a named child (a name made at
     * run time: `denselayer${i + 1}`), as an assignment would; on an nn.Sequential or nn.ModuleList
     * it runs after the others, on an nn.ModuleDict it is an entry.
     */
    addModule(name: string, module: Module | null): void;
    registerModule(name: string, module: Module | null): void;
    /** register_parameter(name, param): the field `name` holds it, as an assignment would (on a built-in layer: a parameter after its others) */
    registerParameter(name: string, param: Parameter | null): void;
    /**
     * PyTorch's _parameters, for `delete m._parameters[name]` in a constructor (AWD-LSTM's WeightDrop):
     * the parameter leaves the module, and forward sets `m[name]` to a tensor before the module reads it.
     */
    readonly _parameters: Record<string, Parameter | null>;
    /**
     * register_forward_hook(hook), in a constructor: hook(module, args, output) runs after each call's
     * forward, and what it returns (unless undefined or null) replaces the output; prepend puts it
     * first. register_forward_pre_hook(hook): hook(module, args) before forward, its result (unless
     * undefined or null) the arguments (a single value: one argument). handle.remove() takes it out.
     */
    registerForwardHook(hook: (module: any, args: any[], output: any) => any, options?: { prepend?: boolean; alwaysCall?: boolean }): RemovableHandle;
    register_forward_hook(hook: (module: any, args: any[], output: any) => any, options?: { prepend?: boolean; alwaysCall?: boolean }): RemovableHandle;
    registerForwardPreHook(hook: (module: any, args: any[]) => any, options?: { prepend?: boolean }): RemovableHandle;
    register_forward_pre_hook(hook: (module: any, args: any[]) => any, options?: { prepend?: boolean }): RemovableHandle;
    /** This module and every module under it, each once, in PyTorch's order (named_modules). */
    modules(): Module[];
    /** [path, module] pairs: ["", this], ["features", ...], ["features.0", ...]. */
    namedModules(): [string, Module][];
    /** The direct child modules, in assignment order. */
    children(): Module[];
    namedChildren(): [string, Module][];
    /**
     * PyTorch's _modules: the direct children by name, in assignment order (an OrderedDict there), read
     * as a record (`for (const block in this._modules) for (const m of this._modules[block]) …`) or as
     * the dict's views (LeViT's `const [l, bn] = this._modules.values()`); a copy, as namedChildren's.
     */
    readonly _modules: Record<string, any> & { keys(): string[]; values(): any[]; items(): [string, any][]; entries(): [string, any][] };
    /** module.to(device), .cuda(), .cpu(), .float(): the module itself (it runs where load() puts it, in float32); another float type is refused */
    to(...args: unknown[]): this;
    cuda(device?: unknown): this;
    cpu(): this;
    float(): this;
    /**
     * Every parameter (not buffers), each tensor once, in the state_dict's order: in a constructor a
     * handle for nn.init (`for (const p of this.parameters()) nn.init.normal_(p, 0, 0.02)`), in forward its tensor.
     */
    parameters(recurse?: boolean): Tensor[];
    /** [name, parameter] pairs, named as in the state_dict ("blocks.0.attn.qkv.weight"). */
    namedParameters(prefix?: string, recurse?: boolean): [string, Tensor][];
    /** In a constructor: calls fn on every child module's tree (children first), then on this one, as PyTorch's apply. */
    apply(fn: (module: Module) => void): this;
    /** In a constructor: the parameters by state_dict name, for another module's loadStateDict (a module with buffers is refused). */
    stateDict(): Record<string, Tensor>;
    /**
     * In a constructor: each parameter copied from the one of its name (DQN's
     * `target.loadStateDict(policy.stateDict())`); strict refuses missing and unexpected keys, as PyTorch's.
     */
    loadStateDict(stateDict: Record<string, Tensor>, strict?: boolean, assign?: boolean): { missingKeys: string[]; unexpectedKeys: string[] };
    loadStateDict(stateDict: Record<string, Tensor>, options: { strict?: boolean; assign?: boolean }): { missingKeys: string[]; unexpectedKeys: string[] };
  }
  interface Module {
    (...inputs: any[]): any;
  }

  /** PyTorch's factory keywords of a layer with state: any device (the model's), dtype float32 only */
  interface FactoryKwargs { device?: unknown; dtype?: "float32" }
  interface LinearOptions extends FactoryKwargs { bias?: boolean }
  /**
   * A layer's settings, read as PyTorch's attributes (`m.outChannels`, `this.fc.inFeatures`,
   * `conv.kernelSize[0]`, or as Python spells them: `model.fc.in_features`): the constructor's
   * arguments with their defaults, sizes as tuples (nn.Conv1d's kernelSize is [k], as PyTorch's (k,)).
   */
  interface LinearSettings { readonly inFeatures: number; readonly outFeatures: number; readonly in_features: number; readonly out_features: number }
  interface ConvSettings {
    readonly inChannels: number; readonly outChannels: number; readonly kernelSize: number[]; readonly stride: number[];
    readonly padding: number[] | "same" | "valid"; readonly dilation: number[]; readonly groups: number; readonly paddingMode: "zeros" | "reflect" | "replicate" | "circular";
    readonly in_channels: number; readonly out_channels: number; readonly kernel_size: number[]; readonly padding_mode: "zeros" | "reflect" | "replicate" | "circular";
    /** F.pad's amounts for the padding, last dim first (before, after; "same" puts an even kernel's odd one after): PyTorch's private attribute, which ports copying its _conv_forward read */
    readonly _reversed_padding_repeated_twice: number[];
  }
  interface ConvTransposeSettings {
    readonly inChannels: number; readonly outChannels: number; readonly kernelSize: number[]; readonly stride: number[];
    readonly padding: number[]; readonly outputPadding: number[]; readonly dilation: number[]; readonly groups: number;
    readonly in_channels: number; readonly out_channels: number; readonly kernel_size: number[]; readonly output_padding: number[];
  }
  interface NormSettings { readonly numFeatures: number; readonly eps: number; readonly momentum: number | null; readonly affine: boolean; readonly trackRunningStats: boolean; readonly num_features: number; readonly track_running_stats: boolean }
  interface LayerNormSettings { readonly normalizedShape: number[]; readonly eps: number | null; readonly elementwiseAffine: boolean; readonly normalized_shape: number[]; readonly elementwise_affine: boolean }
  interface GroupNormSettings { readonly numGroups: number; readonly numChannels: number; readonly eps: number; readonly affine: boolean; readonly num_groups: number; readonly num_channels: number }
  interface EmbeddingSettings { readonly numEmbeddings: number; readonly embeddingDim: number; readonly paddingIdx: number | null; readonly num_embeddings: number; readonly embedding_dim: number; readonly padding_idx: number | null }
  interface DropoutSettings { readonly p: number; readonly inplace: boolean }
  interface MultiheadAttentionSettings { readonly embedDim: number; readonly numHeads: number; readonly dropout: number; readonly batchFirst: boolean; readonly kdim: number; readonly vdim: number; readonly headDim: number;
    readonly embed_dim: number; readonly num_heads: number; readonly batch_first: boolean; readonly head_dim: number;
    /** Whether the projections are one packed in_proj_weight (kdim and vdim equal embedDim), as PyTorch's attribute. */
    readonly _qkv_same_embed_dim: boolean }
  interface RecurrentSettings {
    readonly inputSize: number; readonly hiddenSize: number; readonly numLayers: number; readonly bidirectional: boolean; readonly batchFirst: boolean; readonly dropout: number;
    readonly input_size: number; readonly hidden_size: number; readonly num_layers: number; readonly batch_first: boolean;
    /** RNNBase's mode: "LSTM", "GRU", "RNN_TANH" or "RNN_RELU". */
    readonly mode: "LSTM" | "GRU" | "RNN_TANH" | "RNN_RELU";
    /** PyTorch's per-layer parameters: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, …_reverse (a constructor may set them, or parts of them). */
    readonly [parameter: `weight_${string}` | `bias_${string}`]: Tensor;
    /** RNNBase's parameter names per layer and direction ([["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"], …]: DeepAR's forget-gate init), all of them in order, and the parameters grouped alike */
    readonly _all_weights: string[][];
    readonly _flat_weights_names: string[];
    readonly all_weights: Tensor[][];
    readonly allWeights: Tensor[][];
  }
  interface LeakyReLUSettings { readonly negativeSlope: number; readonly inplace: boolean; readonly negative_slope: number }

  class Linear extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    constructor(inFeatures: number, outFeatures: number, bias?: boolean);
    constructor(inFeatures: number, outFeatures: number, options?: LinearOptions);
    constructor(inFeatures: number, options: { outFeatures: number; bias?: boolean });
    constructor(options: { inFeatures: number; outFeatures: number; bias?: boolean });
    constructor(inFeatures: number, outFeatures: number, options: LinearOptions);
    constructor(inFeatures: number, options: { outFeatures: number } & LinearOptions);
    constructor(options: { inFeatures: number; outFeatures: number } & LinearOptions);
    /**
     * [outFeatures, inFeatures]. Assignable in a constructor to tie weights, as in PyTorch:
     * `this.head.weight = this.tok.weight` (one parameter, used twice).
     */
    weight: Tensor;
    /**
     * [outFeatures]. Assignable in a constructor to another parameter, as Hugging Face's MLM heads
     * do: `this.decoder.bias = this.bias` (one parameter, named under both keys).
     */
    bias: Tensor;
  }
  interface Linear extends LinearSettings { (x: Tensor): Tensor }

  interface Conv2dOptions extends FactoryKwargs {
    stride?: Size2;
    /** "same" keeps the size (stride 1, odd kernel); "valid" is no padding. */
    padding?: Size2 | "same" | "valid";
    dilation?: Size2;
    groups?: number;
    bias?: boolean;
    /** "zeros" (the conv's own), or the input padded by F.pad's mode first */
    paddingMode?: PaddingMode;
  }
  type PaddingMode = "zeros" | "reflect" | "replicate" | "circular";
  class Conv2d extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    /** PyTorch's _conv_forward(input, weight, bias): this layer's convolution (stride, padding, dilation, groups) with the weight and bias given — what subclasses that quantize or standardize the weight call. */
    _conv_forward(input: Tensor, weight: Tensor, bias: Tensor | null): Tensor;
    // Every split of PyTorch's arguments into leading positionals and trailing keywords, in as few
    // signatures as cover them: few overloads match a wrong call's argument count, so tsc's error
    // names each (past three it names only the last), and the full positional form comes last.
    /** kernel_size (and in/out_channels) as keywords too, PyTorch's nn.Conv2d(3, 8, kernel_size=3) */
    constructor(inChannels: number, outChannels: number, kernelSize: Size2, options?: Conv2dOptions);
    constructor(inChannels: number, outChannels: number, options: { kernelSize: Size2 } & Conv2dOptions);
    constructor(inChannels: number, options: { outChannels: number; kernelSize: Size2 } & Conv2dOptions);
    constructor(options: { inChannels: number; outChannels: number; kernelSize: Size2 } & Conv2dOptions);
    // Python's positional arguments then keywords, nn.Conv2d(c, o, 1, 1, 0, bias=False): the options last
    constructor(inChannels: number, outChannels: number, kernelSize: Size2, stride: Size2, options: Omit<Conv2dOptions, "stride">);
    constructor(inChannels: number, outChannels: number, kernelSize: Size2, stride: Size2, padding: Size2 | "same" | "valid", options: Omit<Conv2dOptions, "stride" | "padding">);
    constructor(inChannels: number, outChannels: number, kernelSize: Size2, stride: Size2, padding: Size2 | "same" | "valid", dilation: Size2, options: { groups?: number; bias?: boolean; paddingMode?: PaddingMode });
    constructor(inChannels: number, outChannels: number, kernelSize: Size2, stride: Size2, padding: Size2 | "same" | "valid", dilation: Size2, groups: number, options: { bias?: boolean; paddingMode?: PaddingMode });
    constructor(inChannels: number, outChannels: number, kernelSize: Size2, stride?: Size2, padding?: Size2 | "same" | "valid",
      dilation?: Size2, groups?: number, bias?: boolean, paddingMode?: PaddingMode);
    /** [outChannels, inChannels / groups, kh, kw] */ readonly weight: Tensor;
    /** [outChannels] */ readonly bias: Tensor;
  }
  interface Conv2d extends ConvSettings { (x: Tensor): Tensor }

  interface ConvTranspose2dOptions {
    stride?: Size2;
    padding?: Size2;
    /** Extra rows and columns at the end of the output; smaller than stride. */
    outputPadding?: Size2;
    groups?: number;
    bias?: boolean;
    dilation?: Size2;
    /** PyTorch's ConvTranspose takes "zeros" only. */
    paddingMode?: "zeros";
  }
  /** H_out = (H − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1 */
  class ConvTranspose2d extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    constructor(inChannels: number, outChannels: number, kernelSize: Size2, options?: ConvTranspose2dOptions);
    constructor(inChannels: number, outChannels: number, options: { kernelSize: Size2 } & ConvTranspose2dOptions);
    constructor(inChannels: number, options: { outChannels: number; kernelSize: Size2 } & ConvTranspose2dOptions);
    constructor(options: { inChannels: number; outChannels: number; kernelSize: Size2 } & ConvTranspose2dOptions);
    /** kernel_size as a keyword, PyTorch's nn.Conv2d(3, 8, kernel_size=3): in the options */
    constructor(inChannels: number, outChannels: number, options: ConvTranspose2dOptions & { kernelSize: Size2 });
    constructor(inChannels: number, options: { outChannels: number } & (ConvTranspose2dOptions & { kernelSize: Size2 }));
    constructor(options: { inChannels: number; outChannels: number } & (ConvTranspose2dOptions & { kernelSize: Size2 }));
    constructor(inChannels: number, outChannels: number, kernelSize: Size2, stride?: Size2, padding?: Size2,
      outputPadding?: Size2, groups?: number, bias?: boolean, dilation?: Size2);
    constructor(inChannels: number, outChannels: number, kernelSize: Size2, stride?: Size2, padding?: Size2, outputPadding?: Size2, groups?: number, bias?: boolean, options?: { dilation?: Size2 });
    constructor(inChannels: number, outChannels: number, kernelSize: Size2, stride?: Size2, padding?: Size2, outputPadding?: Size2, groups?: number, options?: { bias?: boolean; dilation?: Size2 });
    constructor(inChannels: number, outChannels: number, kernelSize: Size2, stride?: Size2, padding?: Size2, outputPadding?: Size2, options?: { groups?: number; bias?: boolean; dilation?: Size2 });
    constructor(inChannels: number, outChannels: number, kernelSize: Size2, stride?: Size2, padding?: Size2, options?: { outputPadding?: Size2; groups?: number; bias?: boolean; dilation?: Size2 });
    constructor(inChannels: number, outChannels: number, kernelSize: Size2, stride?: Size2, options?: { padding?: Size2; outputPadding?: Size2; groups?: number; bias?: boolean; dilation?: Size2 });
    constructor(inChannels: number, outChannels: number, kernelSize: Size2, options?: { stride?: Size2; padding?: Size2; outputPadding?: Size2; groups?: number; bias?: boolean; dilation?: Size2 });
    constructor(inChannels: number, outChannels: number, options: { kernelSize: Size2; stride?: Size2; padding?: Size2; outputPadding?: Size2; groups?: number; bias?: boolean; dilation?: Size2 });
    constructor(inChannels: number, options: { outChannels: number; kernelSize: Size2; stride?: Size2; padding?: Size2; outputPadding?: Size2; groups?: number; bias?: boolean; dilation?: Size2 });
    constructor(options: { inChannels: number; outChannels: number; kernelSize: Size2; stride?: Size2; padding?: Size2; outputPadding?: Size2; groups?: number; bias?: boolean; dilation?: Size2 });
    /** [inChannels, outChannels / groups, kh, kw] */ readonly weight: Tensor;
    /** [outChannels] */ readonly bias: Tensor;
  }
  /** outputSize: the output's [H, W] (or [N, C, H, W]), which picks the output padding as PyTorch's output_size. */
  interface ConvTranspose2d extends ConvTransposeSettings { (x: Tensor, outputSize?: readonly number[] | null): Tensor }

  /**
   * ceilMode: the output size rounded up (a partial window at the end; an average pool divides by
   * the window clipped to the padded input, as PyTorch's); countIncludePad false: an average over
   * the window's real elements.
   * Max pooling: a dilation, and returnIndices true (SegNet) — then the values and the int32
   * indices of the maxima in each H×W plane, as PyTorch's, for nn.MaxUnpool2d. Average pooling:
   * divisorOverride, a number that divides every window's sum instead of its size.
   */
  /** What max and average pooling share; each adds its own (the compiler refuses the other's). */
  interface Pool2dOptions { stride?: Size2 | null; padding?: Size2; ceilMode?: boolean }
  interface MaxPool2dOptions extends Pool2dOptions { dilation?: Size2; returnIndices?: boolean }
  interface AvgPool2dOptions extends Pool2dOptions { countIncludePad?: boolean; divisorOverride?: number | null }
  /** With returnIndices true it gives [values, indices] (`const [y, idx] = this.pool(x)`). */
  class MaxPool2d<R extends boolean = false> extends Module {
    constructor(kernelSize: Size2, options?: MaxPool2dOptions & { returnIndices?: R });
    constructor(options: { kernelSize: Size2 } & (MaxPool2dOptions & { returnIndices?: R }));
    constructor(options: MaxPool2dOptions & { returnIndices?: R } & { kernelSize: Size2 });
    constructor(kernelSize: Size2, stride?: Size2 | null, padding?: Size2, dilation?: Size2, returnIndices?: R, ceilMode?: boolean);
    constructor(kernelSize: Size2, stride?: Size2 | null, padding?: Size2, dilation?: Size2, returnIndices?: R, options?: { ceilMode?: boolean });
    constructor(kernelSize: Size2, stride?: Size2 | null, padding?: Size2, dilation?: Size2, options?: { returnIndices?: R; ceilMode?: boolean });
    constructor(kernelSize: Size2, stride?: Size2 | null, padding?: Size2, options?: { dilation?: Size2; returnIndices?: R; ceilMode?: boolean });
    constructor(kernelSize: Size2, stride?: Size2 | null, options?: { padding?: Size2; dilation?: Size2; returnIndices?: R; ceilMode?: boolean });
    constructor(kernelSize: Size2, options?: { stride?: Size2 | null; padding?: Size2; dilation?: Size2; returnIndices?: R; ceilMode?: boolean });
    constructor(options: { kernelSize: Size2; stride?: Size2 | null; padding?: Size2; dilation?: Size2; returnIndices?: R; ceilMode?: boolean });
  }
  /**
   * A pool's settings, read as PyTorch's attributes (pytorch-i3d's `self.stride[dim]` in a MaxPool3d
   * subclass): the stride is the kernel size when not given; a 2-D pool's sizes are pairs, a 3-D
   * pool's as given, nn.AvgPool1d's 1-tuples (k,).
   */
  interface PoolSettings<S> { readonly kernelSize: S; readonly stride: S; readonly padding: S; readonly ceilMode: boolean }
  interface MaxPool2d<R extends boolean = false> extends PoolSettings<number[]> { (x: Tensor): R extends true ? [Tensor, Tensor<Shape, "int32">] : Tensor }
  /** max_unpool2d (SegNet's decoder): x written at a MaxPool2d's indices into zeros of outputSize ([H, W] or [N, C, H, W]; default (in − 1)·stride − 2·padding + kernel). */
  class MaxUnpool2d extends Module {
    constructor(kernelSize: Size2, stride?: Size2 | null, padding?: Size2);
    constructor(kernelSize: Size2, stride?: Size2 | null, options?: { padding?: Size2 });
    constructor(options: { kernelSize: Size2; stride?: Size2 | null; padding?: Size2 });
    constructor(kernelSize: Size2, options: { stride?: Size2 | null; padding?: Size2 });
  }
  interface MaxUnpool2d { (x: Tensor, indices: Tensor<Shape, "int32">, outputSize?: readonly number[] | null): Tensor }
  class MaxUnpool1d extends Module {
    constructor(kernelSize: Size1, stride?: Size1 | null, padding?: Size1);
    constructor(kernelSize: Size1, stride?: Size1 | null, options?: { padding?: Size1 });
    constructor(options: { kernelSize: Size1; stride?: Size1 | null; padding?: Size1 });
    constructor(kernelSize: Size1, options: { stride?: Size1 | null; padding?: Size1 });
  }
  interface MaxUnpool1d { (x: Tensor, indices: Tensor<Shape, "int32">, outputSize?: readonly number[] | null): Tensor }
  class AvgPool2d extends Module {
    constructor(kernelSize: Size2, options?: AvgPool2dOptions);
    constructor(options: { kernelSize: Size2 } & AvgPool2dOptions);
    constructor(options: AvgPool2dOptions & { kernelSize: Size2 });
    constructor(kernelSize: Size2, stride?: Size2 | null, padding?: Size2, ceilMode?: boolean, countIncludePad?: boolean, divisorOverride?: number | null);
    constructor(kernelSize: Size2, stride?: Size2 | null, padding?: Size2, ceilMode?: boolean, countIncludePad?: boolean, options?: { divisorOverride?: number | null });
    constructor(kernelSize: Size2, stride?: Size2 | null, padding?: Size2, ceilMode?: boolean, options?: { countIncludePad?: boolean; divisorOverride?: number | null });
    constructor(kernelSize: Size2, stride?: Size2 | null, padding?: Size2, options?: { ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null });
    constructor(kernelSize: Size2, stride?: Size2 | null, options?: { padding?: Size2; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null });
    constructor(kernelSize: Size2, options?: { stride?: Size2 | null; padding?: Size2; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null });
    constructor(options: { kernelSize: Size2; stride?: Size2 | null; padding?: Size2; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null });
  }
  interface AvgPool2d extends PoolSettings<number[]> { readonly countIncludePad: boolean; (x: Tensor): Tensor }
  class AdaptiveAvgPool2d extends Module {
    /** A null size keeps the input's (PyTorch's None): [null, 1] averages each row. */
    constructor(outputSize: Size2 | readonly [number | null, number | null]);
    constructor(options: { outputSize: Size2 | readonly [number | null, number | null] });
  }
  interface AdaptiveAvgPool2d { (x: Tensor): Tensor }
  /** Over [N, C, L]: windows of kernelSize along L (stride defaults to kernelSize), as torch.nn.MaxPool1d / AvgPool1d. */
  class MaxPool1d<R extends boolean = false> extends Module {
    constructor(kernelSize: Size1, stride?: Size1 | null, padding?: Size1, dilation?: Size1, returnIndices?: R, ceilMode?: boolean);
    constructor(kernelSize: Size1, stride?: Size1 | null, padding?: Size1, dilation?: Size1, returnIndices?: R, options?: { ceilMode?: boolean });
    constructor(kernelSize: Size1, stride?: Size1 | null, padding?: Size1, dilation?: Size1, options?: { returnIndices?: R; ceilMode?: boolean });
    constructor(kernelSize: Size1, stride?: Size1 | null, padding?: Size1, options?: { dilation?: Size1; returnIndices?: R; ceilMode?: boolean });
    constructor(kernelSize: Size1, stride?: Size1 | null, options?: { padding?: Size1; dilation?: Size1; returnIndices?: R; ceilMode?: boolean });
    constructor(kernelSize: Size1, options?: { stride?: Size1 | null; padding?: Size1; dilation?: Size1; returnIndices?: R; ceilMode?: boolean });
    constructor(options: { kernelSize: Size1; stride?: Size1 | null; padding?: Size1; dilation?: Size1; returnIndices?: R; ceilMode?: boolean });
    constructor(kernelSize: Size1, options: { stride?: Size1 | null; padding?: Size1; dilation?: Size1; ceilMode?: boolean; returnIndices?: R });
    constructor(options: { kernelSize: Size1; stride?: Size1 | null; padding?: Size1; dilation?: Size1; ceilMode?: boolean; returnIndices?: R });
  }
  interface MaxPool1d<R extends boolean = false> extends PoolSettings<number> { (x: Tensor): R extends true ? [Tensor, Tensor<Shape, "int32">] : Tensor }
  class AvgPool1d extends Module {
    constructor(kernelSize: Size1, stride?: Size1 | null, padding?: Size1, ceilMode?: boolean, countIncludePad?: boolean, divisorOverride?: number | null);
    constructor(kernelSize: Size1, stride?: Size1 | null, padding?: Size1, ceilMode?: boolean, countIncludePad?: boolean, options?: { divisorOverride?: number | null });
    constructor(kernelSize: Size1, stride?: Size1 | null, padding?: Size1, ceilMode?: boolean, options?: { countIncludePad?: boolean; divisorOverride?: number | null });
    constructor(kernelSize: Size1, stride?: Size1 | null, padding?: Size1, options?: { ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null });
    constructor(kernelSize: Size1, stride?: Size1 | null, options?: { padding?: Size1; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null });
    constructor(options: { kernelSize: Size1; stride?: Size1 | null; padding?: Size1; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null });
    constructor(kernelSize: Size1, options: { stride?: Size1 | null; padding?: Size1; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null });
    constructor(options: { kernelSize: Size1; stride?: Size1 | null; padding?: Size1; ceilMode?: boolean; countIncludePad?: boolean });
  }
  interface AvgPool1d extends PoolSettings<number[]> { readonly countIncludePad: boolean; (x: Tensor): Tensor }
  class AdaptiveAvgPool1d extends Module {
    constructor(outputSize: Size1);
    constructor(options: { outputSize: Size1 });
  }
  interface AdaptiveAvgPool1d { (x: Tensor): Tensor }

  class Flatten extends Module {
    constructor(startDim?: number, endDim?: number);
    constructor(startDim?: number, options?: { endDim?: number });
    constructor(options?: { startDim?: number; endDim?: number });
  }
  interface Flatten { (x: Tensor): Tensor }
  class Dropout extends Module {
    constructor(p?: number, inplace?: boolean);
    constructor(p?: number, options?: { inplace?: boolean });
    constructor(options: { p?: number; inplace?: boolean });
  }
  interface Dropout extends DropoutSettings { (x: Tensor): Tensor }
  /** Whole channels of [N, C, H, W] (Dropout1d: [N, C, L]) zeroed with probability p in training, the rest scaled by 1/(1 − p). */
  class Dropout2d extends Module {
    constructor(p?: number, inplace?: boolean);
    constructor(p?: number, options?: { inplace?: boolean });
    constructor(options: { p?: number; inplace?: boolean });
  }
  interface Dropout2d { (x: Tensor): Tensor }
  /** Whole channels of [N, C, D, H, W] zeroed with probability p in training, the rest scaled by 1/(1 − p). */
  class Dropout3d extends Module {
    constructor(p?: number, inplace?: boolean);
    constructor(p?: number, options?: { inplace?: boolean });
    constructor(options: { p?: number; inplace?: boolean });
  }
  interface Dropout3d { (x: Tensor): Tensor }
  /** A SELU network's dropout (keeps mean and variance): a dropped element is SELU's saturation, the rest rescaled; FeatureAlphaDropout drops whole channels. */
  class AlphaDropout extends Module {
    constructor(p?: number, inplace?: boolean);
    constructor(p?: number, options?: { inplace?: boolean });
    constructor(options: { p?: number; inplace?: boolean });
  }
  interface AlphaDropout { (x: Tensor): Tensor }
  class FeatureAlphaDropout extends Module {
    constructor(p?: number, inplace?: boolean);
    constructor(p?: number, options?: { inplace?: boolean });
    constructor(options: { p?: number; inplace?: boolean });
  }
  interface FeatureAlphaDropout { (x: Tensor): Tensor }
  /** im2col and col2im as modules (F.unfold, F.fold). */
  class Unfold extends Module { constructor(kernelSize: Size2, options?: { dilation?: Size2; padding?: Size2; stride?: Size2 });
      constructor(options: { kernelSize: Size2; dilation?: Size2; padding?: Size2; stride?: Size2 }); }
  interface Unfold { (x: Tensor): Tensor }
  class Fold extends Module { constructor(outputSize: Size2, kernelSize: Size2, options?: { dilation?: Size2; padding?: Size2; stride?: Size2 });
      constructor(outputSize: Size2, options: { kernelSize: Size2; dilation?: Size2; padding?: Size2; stride?: Size2 });
      constructor(options: { outputSize: Size2; kernelSize: Size2; dilation?: Size2; padding?: Size2; stride?: Size2 }); }
  interface Fold { (x: Tensor): Tensor }
  /** (Σ_window x^p)^(1/p) over each window, as torch.nn.LPPool2d / LPPool1d. */
  class LPPool2d extends Module {
    constructor(normType: number, kernelSize: Size2, stride?: Size2 | null, ceilMode?: boolean);
    constructor(normType: number, kernelSize: Size2, stride?: Size2 | null, options?: { ceilMode?: boolean });
    constructor(normType: number, options: { kernelSize: Size2; stride?: Size2 | null; ceilMode?: boolean });
    constructor(options: { normType: number; kernelSize: Size2; stride?: Size2 | null; ceilMode?: boolean });
    constructor(normType: number, kernelSize: Size2, options: { stride?: Size2 | null; ceilMode?: boolean });
  }
  interface LPPool2d { (x: Tensor): Tensor }
  class LPPool1d extends Module {
    constructor(normType: number, kernelSize: Size1, stride?: Size1 | null, ceilMode?: boolean);
    constructor(normType: number, kernelSize: Size1, stride?: Size1 | null, options?: { ceilMode?: boolean });
    constructor(normType: number, options: { kernelSize: Size1; stride?: Size1 | null; ceilMode?: boolean });
    constructor(options: { normType: number; kernelSize: Size1; stride?: Size1 | null; ceilMode?: boolean });
    constructor(normType: number, kernelSize: Size1, options: { stride?: Size1 | null; ceilMode?: boolean });
  }
  interface LPPool1d { (x: Tensor): Tensor }
  /** y_o = x1ᵀ·A_o·x2 + b_o: weight [out, in1, in2], bias [out], as torch.nn.Bilinear. */
  class Bilinear extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    constructor(in1Features: number, in2Features: number, outFeatures: number, bias?: boolean);
    constructor(in1Features: number, in2Features: number, options: { outFeatures: number; bias?: boolean });
    constructor(in1Features: number, options: { in2Features: number; outFeatures: number; bias?: boolean });
    constructor(options: { in1Features: number; in2Features: number; outFeatures: number; bias?: boolean });
    constructor(in1Features: number, in2Features: number, outFeatures: number, options: { bias?: boolean });
  }
  interface Bilinear { (x1: Tensor, x2: Tensor): Tensor }
  /** Bags of equal length (input [B, L]): each bag's rows summed, averaged or maxed; paddingIdx rows left out; perSampleWeights with "sum". */
  /** nn.EmbeddingBag's options; maxNorm, scaleGradByFreq, _weight and includeLastOffset only at their defaults (_weight: see fromPretrained). */
  interface EmbeddingBagOptions { maxNorm?: null; normType?: number; scaleGradByFreq?: false | null; mode?: "sum" | "mean" | "max"; sparse?: boolean | null; _weight?: null; includeLastOffset?: false | null; paddingIdx?: number | null }
  class EmbeddingBag extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    constructor(numEmbeddings: number, embeddingDim: number, options?: EmbeddingBagOptions);
    /** PyTorch's positional order: nn.EmbeddingBag(10, 3, None, 2.0, False, "max") */
    constructor(numEmbeddings: number, embeddingDim: number, maxNorm: null, normType?: number, scaleGradByFreq?: false | null, mode?: "sum" | "mean" | "max", sparse?: boolean | null, _weight?: null, includeLastOffset?: false | null, paddingIdx?: number | null);
    constructor(numEmbeddings: number, options: { embeddingDim: number } & EmbeddingBagOptions);
    constructor(options: { numEmbeddings: number; embeddingDim: number } & EmbeddingBagOptions);
    /** EmbeddingBag.from_pretrained: the weight starts as `embeddings`, frozen unless freeze is false */
    static fromPretrained(embeddings: Tensor, options?: { freeze?: boolean; mode?: "sum" | "mean" | "max"; paddingIdx?: number | null }): EmbeddingBag;
    /** [numEmbeddings, embeddingDim], as nn.Embedding's (DLRM's EE.weight.data = W in the constructor) */
    weight: Tensor;
  }
  interface EmbeddingBag { (input: Tensor<Shape, "int32">, offsets?: null, perSampleWeights?: Tensor | null): Tensor }
  class Dropout1d extends Module {
    constructor(p?: number, inplace?: boolean);
    constructor(p?: number, options?: { inplace?: boolean });
    constructor(options: { p?: number; inplace?: boolean });
  }
  interface Dropout1d { (x: Tensor): Tensor }

  /** momentum null: PyTorch's momentum=None, the cumulative average of the batches' statistics */
  interface BatchNormOptions extends FactoryKwargs { eps?: number; momentum?: number | null; affine?: boolean; trackRunningStats?: boolean }
  class BatchNorm2d extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    /** PyTorch's reset_running_stats(): the running statistics back to their start (mean 0, var 1, count 0), in a constructor. */
    resetRunningStats(): void;
    reset_running_stats(): void;
    constructor(numFeatures: number, options?: BatchNormOptions);
    constructor(options: { numFeatures: number } & BatchNormOptions);
    constructor(numFeatures: number, eps?: number, momentum?: number | null, affine?: boolean, trackRunningStats?: boolean);
    constructor(numFeatures: number, eps?: number, momentum?: number | null, affine?: boolean, options?: { trackRunningStats?: boolean });
    constructor(numFeatures: number, eps?: number, momentum?: number | null, options?: { affine?: boolean; trackRunningStats?: boolean });
    constructor(numFeatures: number, eps?: number, options?: { momentum?: number | null; affine?: boolean; trackRunningStats?: boolean });
    constructor(numFeatures: number, options?: { eps?: number; momentum?: number | null; affine?: boolean; trackRunningStats?: boolean });
    constructor(options: { numFeatures: number; eps?: number; momentum?: number | null; affine?: boolean; trackRunningStats?: boolean });
    readonly weight: Tensor; readonly bias: Tensor;
    readonly runningMean: Tensor; readonly runningVar: Tensor;
  }
  interface BatchNorm2d extends NormSettings { (x: Tensor): Tensor }
  class BatchNorm1d extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    /** PyTorch's reset_running_stats(): the running statistics back to their start (mean 0, var 1, count 0), in a constructor. */
    resetRunningStats(): void;
    reset_running_stats(): void;
    constructor(numFeatures: number, options?: BatchNormOptions);
    constructor(options: { numFeatures: number } & BatchNormOptions);
    constructor(numFeatures: number, eps?: number, momentum?: number | null, affine?: boolean, trackRunningStats?: boolean);
    constructor(numFeatures: number, eps?: number, momentum?: number | null, affine?: boolean, options?: { trackRunningStats?: boolean });
    constructor(numFeatures: number, eps?: number, momentum?: number | null, options?: { affine?: boolean; trackRunningStats?: boolean });
    constructor(numFeatures: number, eps?: number, options?: { momentum?: number | null; affine?: boolean; trackRunningStats?: boolean });
    constructor(numFeatures: number, options?: { eps?: number; momentum?: number | null; affine?: boolean; trackRunningStats?: boolean });
    constructor(options: { numFeatures: number; eps?: number; momentum?: number | null; affine?: boolean; trackRunningStats?: boolean });
    readonly weight: Tensor; readonly bias: Tensor;
    readonly runningMean: Tensor; readonly runningVar: Tensor;
  }
  interface BatchNorm1d extends NormSettings { (x: Tensor): Tensor }

  interface LayerNormOptions extends FactoryKwargs { eps?: number; elementwiseAffine?: boolean; bias?: boolean }
  class LayerNorm extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    constructor(normalizedShape: number | readonly number[], options?: LayerNormOptions);
    constructor(options: { normalizedShape: number | readonly number[] } & LayerNormOptions);
    constructor(normalizedShape: number | readonly number[], eps?: number, elementwiseAffine?: boolean, bias?: boolean);
    constructor(normalizedShape: number | readonly number[], eps?: number, elementwiseAffine?: boolean, options?: { bias?: boolean });
    constructor(normalizedShape: number | readonly number[], eps?: number, options?: { elementwiseAffine?: boolean; bias?: boolean });
    constructor(normalizedShape: number | readonly number[], options?: { eps?: number; elementwiseAffine?: boolean; bias?: boolean });
    constructor(options: { normalizedShape: number | readonly number[]; eps?: number; elementwiseAffine?: boolean; bias?: boolean });
    readonly weight: Tensor; readonly bias: Tensor;
  }
  interface LayerNorm extends LayerNormSettings { (x: Tensor): Tensor }

  /** maxNorm: each forward first renormalizes the weight's looked-up rows whose normType-norm exceeds it, as PyTorch's; scaleGradByFreq false; sparse changes nothing (the same gradient values) */
  interface EmbeddingOptions extends FactoryKwargs { paddingIdx?: number | null; maxNorm?: number | null; normType?: number; scaleGradByFreq?: false | null; sparse?: boolean | null }
  class Embedding extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    constructor(numEmbeddings: number, embeddingDim: number, options?: EmbeddingOptions);
    constructor(numEmbeddings: number, options: { embeddingDim: number } & EmbeddingOptions);
    constructor(options: { numEmbeddings: number; embeddingDim: number } & EmbeddingOptions);
    constructor(numEmbeddings: number, embeddingDim: number, paddingIdx?: number);
    constructor(numEmbeddings: number, embeddingDim: number, options?: { paddingIdx?: number });
    constructor(numEmbeddings: number, options: { embeddingDim: number; paddingIdx?: number });
    constructor(options: { numEmbeddings: number; embeddingDim: number; paddingIdx?: number });
    /**
     * nn.Embedding.from_pretrained: a layer whose weight starts as `embeddings` [num, dim] (a tensor
     * made in the constructor), frozen (a buffer) unless freeze is false.
     */
    static fromPretrained(embeddings: Tensor, options?: EmbeddingOptions & { freeze?: boolean }): Embedding;
    /** [numEmbeddings, embeddingDim]; assignable in a constructor to tie weights (see Linear.weight). */
    weight: Tensor;
  }
  interface Embedding extends EmbeddingSettings { (indices: Tensor<Shape, "int32">): Tensor }

  class ReLU extends Module { constructor(inplace?: boolean); constructor(options: { inplace?: boolean }) }
  interface ReLU { (x: Tensor): Tensor }
  interface GELUOptions { approximate?: "none" | "tanh" }
  class GELU extends Module {
    constructor(options?: GELUOptions);
    constructor(approximate?: "none" | "tanh");
    constructor(options?: { approximate?: "none" | "tanh" });
  }
  interface GELU { (x: Tensor): Tensor }
  class Tanh extends Module { constructor() }
  interface Tanh { (x: Tensor): Tensor }
  class Sigmoid extends Module { constructor() }
  interface Sigmoid { (x: Tensor): Tensor }
  class SiLU extends Module { constructor(inplace?: boolean); constructor(options: { inplace?: boolean }) }
  interface SiLU { (x: Tensor): Tensor }
  class LeakyReLU extends Module { constructor(negativeSlope?: number, inplace?: boolean);
      constructor(negativeSlope?: number, options?: { inplace?: boolean });
      constructor(options?: { negativeSlope?: number; inplace?: boolean }); }
  interface LeakyReLU extends LeakyReLUSettings { (x: Tensor): Tensor }
  /** Randomized leaky ReLU: negative slopes drawn from U(lower, upper) per element each call in train mode, (lower + upper)/2 in eval. */
  class RReLU extends Module { constructor(lower?: number, upper?: number, inplace?: boolean);
      constructor(lower?: number, upper?: number, options?: { inplace?: boolean });
      constructor(lower?: number, options?: { upper?: number; inplace?: boolean }); constructor(options: { lower?: number; upper?: number; inplace?: boolean }) }
  interface RReLU { (x: Tensor): Tensor }
  /** dim may be left out (old ports' nn.Softmax()): PyTorch's deprecated implicit choice, 0 for a 1- or 3-D input (the batch: refused), else 1 */
  class Softmax extends Module { constructor(dim?: number | null); constructor(options: { dim?: number | null }) }
  interface Softmax { (x: Tensor): Tensor }
  class LogSoftmax extends Module { constructor(dim?: number | null); constructor(options: { dim?: number | null }) }
  interface LogSoftmax { (x: Tensor): Tensor }
  /** Ignores its constructor's arguments, as PyTorch's. */
  class Identity extends Module { constructor(...args: unknown[]) }
  interface Identity { (x: Tensor): Tensor }
  /** log(1 + e^(βx))/β, and x where βx > threshold. */
  class Softplus extends Module {
    constructor(options?: { beta?: number; threshold?: number });
    constructor(beta?: number, threshold?: number);
    constructor(beta?: number, options?: { threshold?: number });
  }
  interface Softplus { (x: Tensor): Tensor }
  class Hardswish extends Module { constructor(inplace?: boolean); constructor(options: { inplace?: boolean }) }
  interface Hardswish { (x: Tensor): Tensor }
  class Mish extends Module { constructor(inplace?: boolean); constructor(options: { inplace?: boolean }) }
  interface Mish { (x: Tensor): Tensor }
  /** min(max(x + 3, 0), 6)/6 */
  class Hardsigmoid extends Module { constructor(inplace?: boolean); constructor(options: { inplace?: boolean }) }
  interface Hardsigmoid { (x: Tensor): Tensor }
  /** min(max(x, 0), 6) */
  class ReLU6 extends Module { constructor(inplace?: boolean); constructor(options: { inplace?: boolean }) }
  interface ReLU6 { (x: Tensor): Tensor }
  /** min(max(x, minVal), maxVal) (defaults −1, 1) */
  class Hardtanh extends Module {
    constructor(minVal?: number, maxVal?: number, inplace?: boolean);
    constructor(minVal?: number, maxVal?: number, options?: { inplace?: boolean });
    constructor(minVal?: number, options?: { maxVal?: number; inplace?: boolean });
    constructor(options: { minVal?: number; maxVal?: number; inplace?: boolean });
  }
  interface Hardtanh { (x: Tensor): Tensor }
  /** x > 0 ? x : α·(eˣ − 1) */
  class ELU extends Module {
    constructor(alpha?: number, inplace?: boolean);
    constructor(alpha?: number, options?: { inplace?: boolean });
    constructor(options: { alpha?: number; inplace?: boolean });
  }
  interface ELU { (x: Tensor): Tensor }
  /** scale·elu(x, α) with PyTorch's constants */
  class SELU extends Module { constructor(inplace?: boolean); constructor(options: { inplace?: boolean }) }
  interface SELU { (x: Tensor): Tensor }
  /** x > 0 ? x : α·(e^(x/α) − 1) */
  class CELU extends Module {
    constructor(alpha?: number, inplace?: boolean);
    constructor(alpha?: number, options?: { inplace?: boolean });
    constructor(options: { alpha?: number; inplace?: boolean });
  }
  interface CELU { (x: Tensor): Tensor }
  /** x / (1 + |x|) */
  class Softsign extends Module { constructor() }
  interface Softsign { (x: Tensor): Tensor }
  /** x − tanh(x) */
  class Tanhshrink extends Module { constructor() }
  interface Tanhshrink { (x: Tensor): Tensor }
  /** 0 where |x| ≤ lambd (0.5), else x */
  class Hardshrink extends Module { constructor(lambd?: number);
      constructor(options?: { lambd?: number }); }
  interface Hardshrink { (x: Tensor): Tensor }
  /** x ∓ lambd (0.5) outside [−lambd, lambd], else 0 */
  class Softshrink extends Module { constructor(lambd?: number);
      constructor(options?: { lambd?: number }); }
  interface Softshrink { (x: Tensor): Tensor }
  /** value where x ≤ threshold, else x */
  class Threshold extends Module { constructor(threshold: number, value: number, inplace?: boolean);
      constructor(threshold: number, value: number, options?: { inplace?: boolean });
      constructor(threshold: number, options: { value: number; inplace?: boolean });
      constructor(options: { threshold: number; value: number; inplace?: boolean }); }
  interface Threshold { (x: Tensor): Tensor }
  /** softmax(−x) along dim */
  class Softmin extends Module { constructor(dim?: number | null); constructor(options: { dim?: number | null }) }
  interface Softmin { (x: Tensor): Tensor }
  /** log(sigmoid(x)) */
  class LogSigmoid extends Module { constructor() }
  interface LogSigmoid { (x: Tensor): Tensor }

  interface GroupNormOptions { eps?: number; affine?: boolean }
  /** numGroups groups of numChannels/numGroups channels, each normalized over its channels and positions. */
  class GroupNorm extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    constructor(numGroups: number, numChannels: number, options?: GroupNormOptions);
    constructor(numGroups: number, options: { numChannels: number } & GroupNormOptions);
    constructor(options: { numGroups: number; numChannels: number } & GroupNormOptions);
    constructor(numGroups: number, numChannels: number, eps?: number, affine?: boolean);
    constructor(numGroups: number, numChannels: number, eps?: number, options?: { affine?: boolean });
    constructor(numGroups: number, numChannels: number, options?: { eps?: number; affine?: boolean });
    constructor(numGroups: number, options: { numChannels: number; eps?: number; affine?: boolean });
    constructor(options: { numGroups: number; numChannels: number; eps?: number; affine?: boolean });
    /** [numChannels] */ readonly weight: Tensor;
    /** [numChannels] */ readonly bias: Tensor;
  }
  interface GroupNorm extends GroupNormSettings { (x: Tensor): Tensor }
  interface InstanceNormOptions { eps?: number; momentum?: number | null; affine?: boolean; trackRunningStats?: boolean }
  /** Each sample's channel normalized over its positions (biased variance); affine false by default, as PyTorch's. Input [N, C, H, W]. */
  class InstanceNorm2d extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    /** PyTorch's reset_running_stats(): the running statistics back to their start (mean 0, var 1, count 0), in a constructor. */
    resetRunningStats(): void;
    reset_running_stats(): void;
    constructor(numFeatures: number, options?: InstanceNormOptions);
    constructor(options: { numFeatures: number } & InstanceNormOptions);
    /** [numFeatures], with affine: true */ readonly weight: Tensor;
    /** [numFeatures], with affine: true */ readonly bias: Tensor;
  }
  interface InstanceNorm2d extends NormSettings { (x: Tensor): Tensor }
  /**
   * Volumes [N, C, D, H, W] (C3D, a 3-D U-Net), as PyTorch's 3-D layers: each is built from the
   * 2-D ops (a conv2d per kernel depth with the depths in the batch; a pool over H×W then along D;
   * the 2-D norms over [N, C, D, H·W]), which give the same values.
   */
  type Size3 = number | readonly [number, number, number] | readonly number[];
  class Conv3d extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    /** PyTorch's _conv_forward(input, weight, bias): this layer's convolution (stride, padding, dilation, groups) with the weight and bias given — what subclasses that quantize or standardize the weight call. */
    _conv_forward(input: Tensor, weight: Tensor, bias: Tensor | null): Tensor;
    constructor(inChannels: number, outChannels: number, kernelSize: Size3, options?: { stride?: Size3; padding?: Size3 | "same" | "valid"; dilation?: Size3; groups?: number; bias?: boolean; paddingMode?: PaddingMode });
    constructor(inChannels: number, outChannels: number, options: { kernelSize: Size3; stride?: Size3; padding?: Size3 | "same" | "valid"; dilation?: Size3; groups?: number; bias?: boolean; paddingMode?: PaddingMode });
    constructor(inChannels: number, options: { outChannels: number; kernelSize: Size3; stride?: Size3; padding?: Size3 | "same" | "valid"; dilation?: Size3; groups?: number; bias?: boolean; paddingMode?: PaddingMode });
    constructor(options: { inChannels: number; outChannels: number; kernelSize: Size3; stride?: Size3; padding?: Size3 | "same" | "valid"; dilation?: Size3; groups?: number; bias?: boolean; paddingMode?: PaddingMode });
    constructor(inChannels: number, outChannels: number, options: { stride?: Size3; padding?: Size3 | "same" | "valid"; dilation?: Size3; groups?: number; bias?: boolean; paddingMode?: PaddingMode } & { kernelSize: Size3 });
    constructor(inChannels: number, options: { outChannels: number } & { stride?: Size3; padding?: Size3 | "same" | "valid"; dilation?: Size3; groups?: number; bias?: boolean; paddingMode?: PaddingMode } & { kernelSize: Size3 });
    constructor(options: { inChannels: number; outChannels: number } & { stride?: Size3; padding?: Size3 | "same" | "valid"; dilation?: Size3; groups?: number; bias?: boolean; paddingMode?: PaddingMode } & { kernelSize: Size3 });
    readonly weight: Tensor; readonly bias: Tensor;
  }
  interface Conv3d extends ConvSettings { (x: Tensor): Tensor }
  class ConvTranspose3d extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    constructor(inChannels: number, outChannels: number, kernelSize: Size3, options?: { stride?: Size3; padding?: Size3; outputPadding?: Size3; groups?: number; bias?: boolean; dilation?: Size3; paddingMode?: "zeros" });
    constructor(inChannels: number, outChannels: number, options: { kernelSize: Size3; stride?: Size3; padding?: Size3; outputPadding?: Size3; groups?: number; bias?: boolean; dilation?: Size3; paddingMode?: "zeros" });
    constructor(inChannels: number, options: { outChannels: number; kernelSize: Size3; stride?: Size3; padding?: Size3; outputPadding?: Size3; groups?: number; bias?: boolean; dilation?: Size3; paddingMode?: "zeros" });
    constructor(options: { inChannels: number; outChannels: number; kernelSize: Size3; stride?: Size3; padding?: Size3; outputPadding?: Size3; groups?: number; bias?: boolean; dilation?: Size3; paddingMode?: "zeros" });
    constructor(inChannels: number, outChannels: number, options: { stride?: Size3; padding?: Size3; outputPadding?: Size3; groups?: number; bias?: boolean; dilation?: Size3; paddingMode?: "zeros" } & { kernelSize: Size3 });
    constructor(inChannels: number, options: { outChannels: number } & { stride?: Size3; padding?: Size3; outputPadding?: Size3; groups?: number; bias?: boolean; dilation?: Size3; paddingMode?: "zeros" } & { kernelSize: Size3 });
    constructor(options: { inChannels: number; outChannels: number } & { stride?: Size3; padding?: Size3; outputPadding?: Size3; groups?: number; bias?: boolean; dilation?: Size3; paddingMode?: "zeros" } & { kernelSize: Size3 });
    readonly weight: Tensor; readonly bias: Tensor;
  }
  /** outputSize: the output's [D, H, W] (or [N, C, D, H, W]), which picks the output padding as PyTorch's output_size. */
  interface ConvTranspose3d extends ConvTransposeSettings { (x: Tensor, outputSize?: readonly number[] | null): Tensor }
  interface Pool3dOptions { stride?: Size3 | null; padding?: Size3; ceilMode?: boolean }
  /** With returnIndices: [values, int32 indices into each D×H×W volume], as PyTorch's, for nn.MaxUnpool3d. */
  class MaxPool3d<R extends boolean = false> extends Module {
    constructor(kernelSize: Size3, options?: Pool3dOptions & { dilation?: Size3; returnIndices?: R });
    constructor(options: { kernelSize: Size3 } & (Pool3dOptions & { dilation?: Size3; returnIndices?: R }));
    constructor(options: Pool3dOptions & { dilation?: Size3; returnIndices?: R; kernelSize: Size3 });
    constructor(kernelSize: Size3, stride?: Size3 | null, padding?: Size3, dilation?: Size3, returnIndices?: R, ceilMode?: boolean);
  }
  interface MaxPool3d<R extends boolean = false> extends PoolSettings<Size3> { readonly dilation: Size3; (x: Tensor): R extends true ? [Tensor, Tensor<Shape, "int32">] : Tensor }
  /** max_unpool3d: x written at a MaxPool3d's indices into zeros of outputSize ([D, H, W] or [N, C, D, H, W]; default (in − 1)·stride − 2·padding + kernel). */
  class MaxUnpool3d extends Module {
    constructor(kernelSize: Size3, stride?: Size3 | null, padding?: Size3);
    constructor(kernelSize: Size3, stride?: Size3 | null, options?: { padding?: Size3 });
    constructor(options: { kernelSize: Size3; stride?: Size3 | null; padding?: Size3 });
    constructor(kernelSize: Size3, options: { stride?: Size3 | null; padding?: Size3 });
  }
  interface MaxUnpool3d { (x: Tensor, indices: Tensor<Shape, "int32">, outputSize?: readonly number[] | null): Tensor }
  class AvgPool3d extends Module {
    constructor(kernelSize: Size3, options?: Pool3dOptions & { countIncludePad?: boolean; divisorOverride?: number | null });
    constructor(options: { kernelSize: Size3 } & (Pool3dOptions & { countIncludePad?: boolean; divisorOverride?: number | null }));
    constructor(options: Pool3dOptions & { countIncludePad?: boolean; divisorOverride?: number | null; kernelSize: Size3 });
  }
  interface AvgPool3d extends PoolSettings<Size3> { readonly countIncludePad: boolean; (x: Tensor): Tensor }
  class AdaptiveAvgPool3d extends Module { constructor(outputSize: number | readonly (number | null)[]);
      constructor(options: { outputSize: number | readonly (number | null)[] }); }
  interface AdaptiveAvgPool3d { (x: Tensor): Tensor }
  class AdaptiveMaxPool3d extends Module { constructor(outputSize: number | readonly (number | null)[]);
      constructor(options: { outputSize: number | readonly (number | null)[] }); }
  interface AdaptiveMaxPool3d { (x: Tensor): Tensor }
  class BatchNorm3d extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    /** PyTorch's reset_running_stats(): the running statistics back to their start (mean 0, var 1, count 0), in a constructor. */
    resetRunningStats(): void;
    reset_running_stats(): void;
    constructor(numFeatures: number, options?: BatchNormOptions);
    constructor(options: { numFeatures: number } & BatchNormOptions);
    readonly weight: Tensor; readonly bias: Tensor;
  }
  interface BatchNorm3d extends NormSettings { (x: Tensor): Tensor }
  class InstanceNorm3d extends Module { constructor(numFeatures: number, options?: InstanceNormOptions);
      constructor(options: { numFeatures: number } & InstanceNormOptions); }
  interface InstanceNorm3d extends NormSettings { (x: Tensor): Tensor }
  /** As InstanceNorm2d over [N, C, L]. */
  class InstanceNorm1d extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    /** PyTorch's reset_running_stats(): the running statistics back to their start (mean 0, var 1, count 0), in a constructor. */
    resetRunningStats(): void;
    reset_running_stats(): void;
    constructor(numFeatures: number, options?: InstanceNormOptions);
    constructor(options: { numFeatures: number } & InstanceNormOptions);
    readonly weight: Tensor;
    readonly bias: Tensor;
  }
  interface InstanceNorm1d extends NormSettings { (x: Tensor): Tensor }
  /** x where x > 0, else weight·x: one learned slope, or one per channel (dim 1), starting at init (0.25). */
  class PReLU extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    constructor(numParameters?: number, init?: number);
    constructor(numParameters?: number, options?: { init?: number });
    constructor(options: { numParameters?: number; init?: number });
    /** [numParameters] */ readonly weight: Tensor;
  }
  interface PReLU { (x: Tensor): Tensor }
  /** [N, C·r², H, W] → [N, C, H·r, W·r], as torch.nn.PixelShuffle. */
  class PixelShuffle extends Module {
    constructor(upscaleFactor: number);
    constructor(options: { upscaleFactor: number });
  }
  interface PixelShuffle { (x: Tensor): Tensor }
  /** [N, C, H·r, W·r] → [N, C·r², H, W], PixelShuffle's inverse. */
  class PixelUnshuffle extends Module {
    constructor(downscaleFactor: number);
    constructor(options: { downscaleFactor: number });
  }
  interface PixelUnshuffle { (x: Tensor): Tensor }
  /** dim viewed as unflattenedSize (one −1 takes the rest), as torch.nn.Unflatten. */
  class Unflatten extends Module {
    constructor(dim: number, unflattenedSize: readonly number[]);
    constructor(dim: number, options: { unflattenedSize: readonly number[] });
    constructor(options: { dim: number; unflattenedSize: readonly number[] });
  }
  interface Unflatten { (x: Tensor): Tensor }

  interface Conv1dOptions {
    stride?: Size1;
    /** "same" keeps the length (stride 1, odd effective kernel); "valid" is no padding. */
    padding?: Size1 | "same" | "valid";
    dilation?: Size1;
    groups?: number;
    bias?: boolean;
    paddingMode?: PaddingMode;
  }
  /** Over [N, C, L]. */
  class Conv1d extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    /** PyTorch's _conv_forward(input, weight, bias): this layer's convolution (stride, padding, dilation, groups) with the weight and bias given — what subclasses that quantize or standardize the weight call. */
    _conv_forward(input: Tensor, weight: Tensor, bias: Tensor | null): Tensor;
    // the splits of PyTorch's arguments in as few signatures as cover them (see Conv2d)
    /** kernel_size (and in/out_channels) as keywords too, PyTorch's nn.Conv1d(3, 8, kernel_size=3) */
    constructor(inChannels: number, outChannels: number, kernelSize: Size1, options?: Conv1dOptions);
    constructor(inChannels: number, outChannels: number, options: { kernelSize: Size1 } & Conv1dOptions);
    constructor(inChannels: number, options: { outChannels: number; kernelSize: Size1 } & Conv1dOptions);
    constructor(options: { inChannels: number; outChannels: number; kernelSize: Size1 } & Conv1dOptions);
    constructor(inChannels: number, outChannels: number, kernelSize: Size1, stride: Size1, options: Omit<Conv1dOptions, "stride">);
    constructor(inChannels: number, outChannels: number, kernelSize: Size1, stride: Size1, padding: Size1 | "same" | "valid", options: Omit<Conv1dOptions, "stride" | "padding">);
    constructor(inChannels: number, outChannels: number, kernelSize: Size1, stride: Size1, padding: Size1 | "same" | "valid", dilation: Size1, options: { groups?: number; bias?: boolean; paddingMode?: PaddingMode });
    constructor(inChannels: number, outChannels: number, kernelSize: Size1, stride: Size1, padding: Size1 | "same" | "valid", dilation: Size1, groups: number, options: { bias?: boolean; paddingMode?: PaddingMode });
    constructor(inChannels: number, outChannels: number, kernelSize: Size1, stride?: Size1, padding?: Size1 | "same" | "valid",
      dilation?: Size1, groups?: number, bias?: boolean, paddingMode?: PaddingMode);
    /** [outChannels, inChannels / groups, kernelSize] */ readonly weight: Tensor;
    /** [outChannels] */ readonly bias: Tensor;
  }
  interface Conv1d extends ConvSettings { (x: Tensor): Tensor }

  interface InterpolateOptions {
    /** The output's spatial size: one number for every spatial dim, or one per dim. */
    size?: number | readonly number[] | null;
    /** out = ⌊in·scaleFactor⌋; the coordinates use 1/scaleFactor, as PyTorch's. */
    scaleFactor?: number | readonly number[] | null;
    /** "nearest": src = ⌊dst·scale⌋ (3-D, 4-D or 5-D input); "linear": 3-D input; "bilinear" and "bicubic": 4-D; "trilinear": 5-D; "area": adaptive average pooling. */
    mode?: "nearest" | "nearest-exact" | "linear" | "bilinear" | "bicubic" | "trilinear" | "area";
    /** Linear, bilinear, bicubic and trilinear only: corners of input and output aligned (scale (in − 1)/(out − 1)). */
    alignCorners?: boolean | null;
    /** PyTorch's antialias, "bilinear" and "bicubic" on a 4-D input only: the filter is stretched by the scale when downsampling, and bicubic uses A = −0.5 (PIL's). */
    antialias?: boolean;
    /** true: the coordinates use in/out, not the given scaleFactor. */
    recomputeScaleFactor?: boolean | null;
  }
  class Upsample extends Module {
    constructor(options: InterpolateOptions);
  }
  interface Upsample { (x: Tensor): Tensor }
  /** Upsample with mode "nearest" */
  class UpsamplingNearest2d extends Module { constructor(options: { size?: number | readonly number[]; scaleFactor?: number | readonly number[] }) }
  interface UpsamplingNearest2d { (x: Tensor): Tensor }
  /** Upsample with mode "bilinear" and alignCorners true (as PyTorch's) */
  class UpsamplingBilinear2d extends Module { constructor(options: { size?: number | readonly number[]; scaleFactor?: number | readonly number[] }) }
  interface UpsamplingBilinear2d { (x: Tensor): Tensor }

  /** x·rsqrt(mean(x²) + eps) over the last dims, times weight (eps: float32's machine epsilon unless given) */
  class RMSNorm extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    constructor(normalizedShape: number | readonly number[], options?: { eps?: number | null; elementwiseAffine?: boolean });
    constructor(options: { normalizedShape: number | readonly number[]; eps?: number | null; elementwiseAffine?: boolean });
    constructor(normalizedShape: number | readonly number[], eps?: number | null, elementwiseAffine?: boolean);
    constructor(normalizedShape: number | readonly number[], eps?: number | null, options?: { elementwiseAffine?: boolean });
    readonly weight: Tensor;
  }
  interface RMSNorm extends LayerNormSettings { (x: Tensor): Tensor }
  /** a·σ(b) for the halves of dim (default −1) */
  class GLU extends Module { constructor(dim?: number); constructor(options: { dim?: number }) }
  interface GLU { (x: Tensor): Tensor }
  class CosineSimilarity extends Module {
    constructor(dim?: number, eps?: number);
    constructor(dim?: number, options?: { eps?: number });
    constructor(options: { dim?: number; eps?: number });
  }
  interface CosineSimilarity { (x1: Tensor, x2: Tensor): Tensor }
  /** ‖x1 − x2 + eps‖ₚ along the last dim (p 2, 1 or ±Infinity) */
  class PairwiseDistance extends Module {
    constructor(p?: number, eps?: number, keepdim?: boolean);
    constructor(p?: number, eps?: number, options?: { keepdim?: boolean });
    constructor(p?: number, options?: { eps?: number; keepdim?: boolean });
    constructor(options: { p?: number; eps?: number; keepdim?: boolean });
  }
  interface PairwiseDistance { (x1: Tensor, x2: Tensor): Tensor }
  /** Padding of the last dim (1d) or two (2d): one amount for every side, or (left, right[, top, bottom]) */
  class ZeroPad1d extends Module { constructor(padding: number | readonly number[]);
      constructor(options: { padding: number | readonly number[] }); }
  interface ZeroPad1d { (x: Tensor): Tensor }
  class ZeroPad2d extends Module { constructor(padding: number | readonly number[]);
      constructor(options: { padding: number | readonly number[] }); }
  interface ZeroPad2d { (x: Tensor): Tensor }
  class ConstantPad1d extends Module { constructor(padding: number | readonly number[], value: number);
      constructor(padding: number | readonly number[], options: { value: number });
      constructor(options: { padding: number | readonly number[]; value: number }); }
  interface ConstantPad1d { (x: Tensor): Tensor }
  class ConstantPad2d extends Module { constructor(padding: number | readonly number[], value: number);
      constructor(padding: number | readonly number[], options: { value: number });
      constructor(options: { padding: number | readonly number[]; value: number }); }
  interface ConstantPad2d { (x: Tensor): Tensor }
  /** Mirrored without repeating the edge; each amount below the dim's size */
  class ReflectionPad1d extends Module { constructor(padding: number | readonly number[]);
      constructor(options: { padding: number | readonly number[] }); }
  interface ReflectionPad1d { (x: Tensor): Tensor }
  class ReflectionPad2d extends Module { constructor(padding: number | readonly number[]);
      constructor(options: { padding: number | readonly number[] }); }
  interface ReflectionPad2d { (x: Tensor): Tensor }
  /** The edge repeated */
  class ReplicationPad1d extends Module { constructor(padding: number | readonly number[]);
      constructor(options: { padding: number | readonly number[] }); }
  interface ReplicationPad1d { (x: Tensor): Tensor }
  class ReplicationPad2d extends Module { constructor(padding: number | readonly number[]);
      constructor(options: { padding: number | readonly number[] }); }
  interface ReplicationPad2d { (x: Tensor): Tensor }
  /** The far end wrapped around */
  class CircularPad1d extends Module { constructor(padding: number | readonly number[]);
      constructor(options: { padding: number | readonly number[] }); }
  interface CircularPad1d { (x: Tensor): Tensor }
  class CircularPad2d extends Module { constructor(padding: number | readonly number[]);
      constructor(options: { padding: number | readonly number[] }); }
  interface CircularPad2d { (x: Tensor): Tensor }
  /** The volumes' pads ([N, C, D, H, W]): six amounts, (left, right, top, bottom, front, back), or one */
  class ZeroPad3d extends Module { constructor(padding: number | readonly number[]);
      constructor(options: { padding: number | readonly number[] }); }
  interface ZeroPad3d { (x: Tensor): Tensor }
  class ConstantPad3d extends Module { constructor(padding: number | readonly number[], value: number);
      constructor(padding: number | readonly number[], options: { value: number });
      constructor(options: { padding: number | readonly number[]; value: number }); }
  interface ConstantPad3d { (x: Tensor): Tensor }
  class ReflectionPad3d extends Module { constructor(padding: number | readonly number[]);
      constructor(options: { padding: number | readonly number[] }); }
  interface ReflectionPad3d { (x: Tensor): Tensor }
  class ReplicationPad3d extends Module { constructor(padding: number | readonly number[]);
      constructor(options: { padding: number | readonly number[] }); }
  interface ReplicationPad3d { (x: Tensor): Tensor }
  class CircularPad3d extends Module { constructor(padding: number | readonly number[]);
      constructor(options: { padding: number | readonly number[] }); }
  interface CircularPad3d { (x: Tensor): Tensor }
  /** Max over equal windows: each output size must divide the input's (null keeps a dim) */
  /** With returnIndices true (output sizes that divide the input's) it gives [values, int32 indices], as MaxPool2d's. */
  class AdaptiveMaxPool1d<R extends boolean = false> extends Module { constructor(outputSize: Size1, returnIndices?: R);
      constructor(outputSize: Size1, options: { returnIndices?: R });
      constructor(options: { outputSize: Size1; returnIndices?: R }); }
  interface AdaptiveMaxPool1d<R extends boolean = false> { (x: Tensor): R extends true ? [Tensor, Tensor<Shape, "int32">] : Tensor }
  class AdaptiveMaxPool2d<R extends boolean = false> extends Module { constructor(outputSize: number | readonly (number | null)[], returnIndices?: R);
      constructor(outputSize: number | readonly (number | null)[], options: { returnIndices?: R });
      constructor(options: { outputSize: number | readonly (number | null)[]; returnIndices?: R }); }
  interface AdaptiveMaxPool2d<R extends boolean = false> { (x: Tensor): R extends true ? [Tensor, Tensor<Shape, "int32">] : Tensor }
  /** [N, C, L] through a ConvTranspose2d with a 1 × k kernel */
  class ConvTranspose1d extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    constructor(inChannels: number, outChannels: number, kernelSize: Size1,
      options?: { stride?: Size1; padding?: Size1; outputPadding?: Size1; groups?: number; bias?: boolean; dilation?: Size1; paddingMode?: "zeros" });
    constructor(inChannels: number, outChannels: number, options: { kernelSize: Size1; stride?: Size1; padding?: Size1; outputPadding?: Size1; groups?: number; bias?: boolean; dilation?: Size1; paddingMode?: "zeros" });
    constructor(inChannels: number, options: { outChannels: number; kernelSize: Size1; stride?: Size1; padding?: Size1; outputPadding?: Size1; groups?: number; bias?: boolean; dilation?: Size1; paddingMode?: "zeros" });
    constructor(options: { inChannels: number; outChannels: number; kernelSize: Size1; stride?: Size1; padding?: Size1; outputPadding?: Size1; groups?: number; bias?: boolean; dilation?: Size1; paddingMode?: "zeros" });
    constructor(inChannels: number, outChannels: number, options: { stride?: Size1; padding?: Size1; outputPadding?: Size1; groups?: number; bias?: boolean; dilation?: Size1; paddingMode?: "zeros" } & { kernelSize: Size1 });
    constructor(inChannels: number, options: { outChannels: number } & { stride?: Size1; padding?: Size1; outputPadding?: Size1; groups?: number; bias?: boolean; dilation?: Size1; paddingMode?: "zeros" } & { kernelSize: Size1 });
    constructor(options: { inChannels: number; outChannels: number } & { stride?: Size1; padding?: Size1; outputPadding?: Size1; groups?: number; bias?: boolean; dilation?: Size1; paddingMode?: "zeros" } & { kernelSize: Size1 });
    constructor(inChannels: number, outChannels: number, kernelSize: Size1, stride?: Size1, padding?: Size1,
      outputPadding?: Size1, groups?: number, bias?: boolean, dilation?: Size1);
    constructor(inChannels: number, outChannels: number, kernelSize: Size1, stride?: Size1, padding?: Size1, outputPadding?: Size1, groups?: number, bias?: boolean, options?: { dilation?: Size1; paddingMode?: "zeros" });
    constructor(inChannels: number, outChannels: number, kernelSize: Size1, stride?: Size1, padding?: Size1, outputPadding?: Size1, groups?: number, options?: { bias?: boolean; dilation?: Size1; paddingMode?: "zeros" });
    constructor(inChannels: number, outChannels: number, kernelSize: Size1, stride?: Size1, padding?: Size1, outputPadding?: Size1, options?: { groups?: number; bias?: boolean; dilation?: Size1; paddingMode?: "zeros" });
    constructor(inChannels: number, outChannels: number, kernelSize: Size1, stride?: Size1, padding?: Size1, options?: { outputPadding?: Size1; groups?: number; bias?: boolean; dilation?: Size1; paddingMode?: "zeros" });
    constructor(inChannels: number, outChannels: number, kernelSize: Size1, stride?: Size1, options?: { padding?: Size1; outputPadding?: Size1; groups?: number; bias?: boolean; dilation?: Size1; paddingMode?: "zeros" });
    /** [inChannels, outChannels / groups, kernelSize] */ readonly weight: Tensor;
    /** [outChannels] */ readonly bias: Tensor;
  }
  /** outputSize: the output's [L] (or [N, C, L]), which picks the output padding as PyTorch's output_size. */
  interface ConvTranspose1d extends ConvTransposeSettings { (x: Tensor, outputSize?: readonly number[] | null): Tensor }
  /** softmax over the channels (dim −3) */
  class Softmax2d extends Module { constructor() }
  interface Softmax2d { (x: Tensor): Tensor }
  /** ShuffleNet's channel shuffle */
  class ChannelShuffle extends Module { constructor(groups: number);
      constructor(options: { groups: number }); }
  interface ChannelShuffle { (x: Tensor): Tensor }
  /** x / (k + α·mean of x² over `size` neighbouring channels)^β (AlexNet) */
  class LocalResponseNorm extends Module {
    constructor(size: number, alpha?: number, beta?: number, k?: number);
    constructor(size: number, alpha?: number, beta?: number, options?: { k?: number });
    constructor(size: number, alpha?: number, options?: { beta?: number; k?: number });
    constructor(options: { size: number; alpha?: number; beta?: number; k?: number });
    constructor(size: number, options: { alpha?: number; beta?: number; k?: number });
  }
  interface LocalResponseNorm { (x: Tensor): Tensor }

  interface MultiheadAttentionOptions {
    /**
     * The key's and value's widths (default embedDim: one in_proj_weight [3E, E] projects query,
     * key and value). Another width gives PyTorch's q_proj_weight [E, E], k_proj_weight [E, kdim]
     * and v_proj_weight [E, vdim] instead (cross-attention to another model's features).
     */
    kdim?: number | null;
    vdim?: number | null;
    /** true: learned bias_k and bias_v [1, 1, E] appended to every sample's keys and values after the projections (PyTorch's add_bias_kv). */
    addBiasKv?: boolean;
    /** true: a zero key and value appended after them (add_zero_attn); the masks cover it. */
    addZeroAttn?: boolean;
    dropout?: number;
    bias?: boolean;
    /** true: query, key, value and output are [N, L, E]; PyTorch's default false: [L, N, E]. The weights are [N, L, S] either way. */
    batchFirst?: boolean;
  }
  interface MultiheadAttentionCallOptions {
    /** A mask [N, S] for every query: a float one added to the scores, a bool one (a comparison's result: ids.eq(PAD)) masking out where true, as PyTorch's. */
    keyPaddingMask?: Tensor | null;
    /** PyTorch's default true: also return the attention weights. */
    needWeights?: boolean;
    /** A mask [L, S]: a float one added to the scores, a bool one (a comparison's result, F.ones(…, { dtype: F.bool }).tril().logicalNot()) masking out where true, as PyTorch's. */
    attnMask?: Tensor | null;
    /** With needWeights: the weights averaged over the heads [N, L, S] (true) or per head [N, H, L, S]. */
    averageAttnWeights?: boolean;
    /** Masks the future (query r attends to keys c ≤ r); attnMask wins when both are given. */
    isCausal?: boolean;
  }
  /**
   * torch.nn.MultiheadAttention(batch_first=True): parameters in_proj_weight [3E, E],
   * in_proj_bias [3E], out_proj.weight, out_proj.bias. Called as PyTorch's, it returns
   * [output [N, L, E], weights or null] (PyTorch's tuple; null when needWeights is false).
   */
  class MultiheadAttention extends Module {
    constructor(embedDim: number, numHeads: number, options?: MultiheadAttentionOptions);
    /** PyTorch's positional order: nn.MultiheadAttention(E, H, 0.1, True, False, False, None, None, True), batch_first last */
    constructor(embedDim: number, numHeads: number, dropout?: number, bias?: boolean, addBiasKv?: boolean, addZeroAttn?: boolean, kdim?: number | null, vdim?: number | null, batchFirst?: boolean);
    /** nn.MultiheadAttention(E, H, 0.1, batch_first=True): the dropout by position, the rest as options */
    constructor(embedDim: number, numHeads: number, dropout: number, options: Omit<MultiheadAttentionOptions, "dropout">);
    constructor(embedDim: number, options: { numHeads: number } & MultiheadAttentionOptions);
    constructor(options: { embedDim: number; numHeads: number } & MultiheadAttentionOptions);
    readonly in_proj_weight: Tensor;
    readonly in_proj_bias: Tensor;
    readonly out_proj: Linear;
  }
  interface MultiheadAttention extends MultiheadAttentionSettings {
    (query: Tensor, key: Tensor, value: Tensor, options?: MultiheadAttentionCallOptions): [Tensor, Tensor | null];
  }

  interface TransformerEncoderLayerOptions {
    /** Default 2048, as PyTorch's. */
    dimFeedforward?: number;
    /** Default 0.1: attention weights, feed-forward hidden layer and both residual branches, in training. */
    dropout?: number;
    /** "relu" (the default), "gelu", F.relu or F.gelu. */
    activation?: "relu" | "gelu" | typeof F.relu | typeof F.gelu;
    layerNormEps?: number;
    /** true: [N, L, E]; PyTorch's default false: [L, N, E]. */
    batchFirst?: boolean;
    /** true: x + sa(norm1(x)), x + ff(norm2(x)); false (the default): norm1(x + sa(x)), norm2(x + ff(x)). */
    normFirst?: boolean;
    bias?: boolean;
  }
  /**
   * torch.nn.TransformerEncoderLayer: children self_attn (nn.MultiheadAttention), linear1, dropout,
   * linear2, norm1, norm2, dropout1, dropout2, with PyTorch's state_dict names.
   */
  class TransformerEncoderLayer extends Module {
    constructor(dModel: number, nhead: number, options?: TransformerEncoderLayerOptions);
    constructor(dModel: number, options: { nhead: number } & TransformerEncoderLayerOptions);
    constructor(options: { dModel: number; nhead: number } & TransformerEncoderLayerOptions);
    constructor(dModel: number, nhead: number, dimFeedforward: number, dropout?: number, options?: TransformerEncoderLayerOptions);
    constructor(dModel: number, nhead: number, dimFeedforward: number, options?: { dropout?: number } & TransformerEncoderLayerOptions);
    constructor(dModel: number, nhead: number, options: { dimFeedforward: number; dropout?: number } & TransformerEncoderLayerOptions);
    constructor(dModel: number, options: { nhead: number; dimFeedforward: number; dropout?: number } & TransformerEncoderLayerOptions);
    constructor(options: { dModel: number; nhead: number; dimFeedforward: number; dropout?: number } & TransformerEncoderLayerOptions);
    readonly self_attn: MultiheadAttention;
    readonly linear1: Linear;
    readonly linear2: Linear;
    readonly norm1: LayerNorm;
    readonly norm2: LayerNorm;
  }
  interface TransformerEncoderCallOptions {
    /** A mask [L, L] (PyTorch's src_mask): a float one added to the attention scores, a bool one (a comparison's result) masking out where true. */
    srcMask?: Tensor | null;
    /** A mask [N, L] for every query: a float one added, a bool one (src.eq(PAD)) masking out the padded keys where true. */
    srcKeyPaddingMask?: Tensor | null;
    /** With no mask, the causal mask. */
    isCausal?: boolean;
  }
  interface TransformerEncoderLayer {
    (src: Tensor, srcMask?: Tensor | null, srcKeyPaddingMask?: Tensor | null, isCausal?: boolean): Tensor;
    (src: Tensor, options: TransformerEncoderCallOptions): Tensor;
  }
  /**
   * torch.nn.TransformerEncoder: `layers`, numLayers copies of encoderLayer (its settings and
   * initializers; PyTorch's deep copies also start from the same values, tsdp's draw their own), then
   * the optional final `norm`.
   */
  class TransformerEncoder extends Module {
    constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, options?: { norm?: Module | null; enableNestedTensor?: boolean; maskCheck?: boolean });
    constructor(encoderLayer: TransformerEncoderLayer, options: { numLayers: number; norm?: Module | null; enableNestedTensor?: boolean; maskCheck?: boolean });
    constructor(options: { encoderLayer: TransformerEncoderLayer; numLayers: number; norm?: Module | null; enableNestedTensor?: boolean; maskCheck?: boolean });
    readonly layers: ModuleList<TransformerEncoderLayer>;
    /** PyTorch's attributes num_layers, enable_nested_tensor and mask_check. */
    readonly numLayers: number;
    readonly enableNestedTensor: boolean;
    readonly maskCheck: boolean;
  }
  interface TransformerEncoder {
    (src: Tensor, mask?: Tensor | null, srcKeyPaddingMask?: Tensor | null, isCausal?: boolean): Tensor;
    (src: Tensor, options: { mask?: Tensor | null; srcKeyPaddingMask?: Tensor | null; isCausal?: boolean }): Tensor;
  }
  /**
   * torch.nn.TransformerDecoderLayer: children self_attn, multihead_attn (over the memory), linear1,
   * dropout, linear2, norm1, norm2, norm3, dropout1, dropout2, dropout3, with PyTorch's state_dict names.
   */
  class TransformerDecoderLayer extends Module {
    constructor(dModel: number, nhead: number, options?: TransformerEncoderLayerOptions);
    constructor(dModel: number, options: { nhead: number } & TransformerEncoderLayerOptions);
    constructor(options: { dModel: number; nhead: number } & TransformerEncoderLayerOptions);
    constructor(dModel: number, nhead: number, dimFeedforward: number, dropout?: number, options?: TransformerEncoderLayerOptions);
    constructor(dModel: number, nhead: number, dimFeedforward: number, options?: { dropout?: number } & TransformerEncoderLayerOptions);
    constructor(dModel: number, nhead: number, options: { dimFeedforward: number; dropout?: number } & TransformerEncoderLayerOptions);
    constructor(dModel: number, options: { nhead: number; dimFeedforward: number; dropout?: number } & TransformerEncoderLayerOptions);
    constructor(options: { dModel: number; nhead: number; dimFeedforward: number; dropout?: number } & TransformerEncoderLayerOptions);
    readonly self_attn: MultiheadAttention;
    readonly multihead_attn: MultiheadAttention;
    readonly linear1: Linear;
    readonly linear2: Linear;
  }
  interface TransformerDecoderCallOptions {
    /** Float masks added to the scores: tgtMask [T, T] (self-attention), memoryMask [T, S] (cross-attention). */
    tgtMask?: Tensor | null;
    memoryMask?: Tensor | null;
    /** Float masks [N, T] and [N, S] added to every query's scores. */
    tgtKeyPaddingMask?: Tensor | null;
    memoryKeyPaddingMask?: Tensor | null;
    tgtIsCausal?: boolean;
    memoryIsCausal?: boolean;
  }
  interface TransformerDecoderLayer {
    (tgt: Tensor, memory: Tensor, tgtMask?: Tensor | null, memoryMask?: Tensor | null, tgtKeyPaddingMask?: Tensor | null, memoryKeyPaddingMask?: Tensor | null, tgtIsCausal?: boolean, memoryIsCausal?: boolean): Tensor;
    (tgt: Tensor, memory: Tensor, options: TransformerDecoderCallOptions): Tensor;
  }
  /** torch.nn.TransformerDecoder: `layers`, numLayers copies of decoderLayer, then the optional final `norm`. */
  class TransformerDecoder extends Module {
    constructor(decoderLayer: TransformerDecoderLayer, numLayers: number, options?: { norm?: Module | null });
    constructor(decoderLayer: TransformerDecoderLayer, options: { numLayers: number; norm?: Module | null });
    constructor(options: { decoderLayer: TransformerDecoderLayer; numLayers: number; norm?: Module | null });
    readonly layers: ModuleList<TransformerDecoderLayer>;
    readonly numLayers: number;
  }
  interface TransformerDecoder {
    (tgt: Tensor, memory: Tensor, tgtMask?: Tensor | null, memoryMask?: Tensor | null, tgtKeyPaddingMask?: Tensor | null, memoryKeyPaddingMask?: Tensor | null, tgtIsCausal?: boolean, memoryIsCausal?: boolean): Tensor;
    (tgt: Tensor, memory: Tensor, options: TransformerDecoderCallOptions): Tensor;
  }
  interface TransformerOptions extends TransformerEncoderLayerOptions {
    dModel?: number;
    nhead?: number;
    numEncoderLayers?: number;
    numDecoderLayers?: number;
  }
  /**
   * torch.nn.Transformer: `encoder` (a TransformerEncoder ending in a LayerNorm) and `decoder` (a
   * TransformerDecoder ending in one), xavier_uniform_ on every parameter of 2 or more dims.
   */
  class Transformer extends Module {
    constructor(options?: TransformerOptions);
    constructor(dModel: number, nhead?: number, numEncoderLayers?: number, numDecoderLayers?: number, dimFeedforward?: number, dropout?: number, options?: TransformerOptions);
    constructor(dModel: number, nhead?: number, numEncoderLayers?: number, numDecoderLayers?: number, dimFeedforward?: number, options?: { dropout?: number } & TransformerOptions);
    constructor(dModel: number, nhead?: number, numEncoderLayers?: number, numDecoderLayers?: number, options?: { dimFeedforward?: number; dropout?: number } & TransformerOptions);
    constructor(dModel: number, nhead?: number, numEncoderLayers?: number, options?: { numDecoderLayers?: number; dimFeedforward?: number; dropout?: number } & TransformerOptions);
    constructor(dModel: number, nhead?: number, options?: { numEncoderLayers?: number; numDecoderLayers?: number; dimFeedforward?: number; dropout?: number } & TransformerOptions);
    constructor(dModel: number, options?: { nhead?: number; numEncoderLayers?: number; numDecoderLayers?: number; dimFeedforward?: number; dropout?: number } & TransformerOptions);
    constructor(options: { dModel: number; nhead?: number; numEncoderLayers?: number; numDecoderLayers?: number; dimFeedforward?: number; dropout?: number } & TransformerOptions);
    readonly encoder: TransformerEncoder;
    readonly decoder: TransformerDecoder;
    /** PyTorch's attributes d_model, nhead, batch_first. */
    readonly dModel: number;
    readonly nhead: number;
    readonly batchFirst: boolean;
    /** In forward: the float causal mask [sz, sz], 0 on and below the diagonal, −Infinity above (PyTorch's device and dtype: one device, float32). */
    static generateSquareSubsequentMask(sz: number, device?: unknown, dtype?: "float32" | null): Tensor;
    static generateSquareSubsequentMask(sz: number, options: { device?: unknown; dtype?: "float32" | null }): Tensor;
    static generate_square_subsequent_mask(sz: number, device?: unknown, dtype?: "float32" | null): Tensor;
    static generate_square_subsequent_mask(sz: number, options: { device?: unknown; dtype?: "float32" | null }): Tensor;
    /** The static method read through an instance, as Python allows: this.transformer.generateSquareSubsequentMask(T). */
    generateSquareSubsequentMask(sz: number, device?: unknown, dtype?: "float32" | null): Tensor;
    generateSquareSubsequentMask(sz: number, options: { device?: unknown; dtype?: "float32" | null }): Tensor;
    generate_square_subsequent_mask(sz: number, device?: unknown, dtype?: "float32" | null): Tensor;
    generate_square_subsequent_mask(sz: number, options: { device?: unknown; dtype?: "float32" | null }): Tensor;
  }
  interface Transformer {
    (src: Tensor, tgt: Tensor, options?: { srcMask?: Tensor | null; srcKeyPaddingMask?: Tensor | null; srcIsCausal?: boolean } & TransformerDecoderCallOptions): Tensor;
    /** PyTorch's positional order: the PyTorch translation tutorial's transformer(src, tgt, src_mask, tgt_mask, None, src_padding_mask, tgt_padding_mask, memory_key_padding_mask) */
    (src: Tensor, tgt: Tensor, srcMask?: Tensor | null, tgtMask?: Tensor | null, memoryMask?: Tensor | null, srcKeyPaddingMask?: Tensor | null, tgtKeyPaddingMask?: Tensor | null, memoryKeyPaddingMask?: Tensor | null, srcIsCausal?: boolean, tgtIsCausal?: boolean, memoryIsCausal?: boolean): Tensor;
  }

  /**
   * A trainable tensor of your module, registered under the field it is assigned to (state_dict
   * name "pos" for `this.pos`, before the children's parameters), as torch.nn.Parameter:
   *   this.pos = new nn.Parameter(F.zeros([1, 16, 64]));
   * Its initial value is a tensor made in the constructor (factories and math on them, computed
   * when the model is compiled: `F.ones(dim).mul(1e-6)`), F.randn scaled and shifted, or nn.init.
   */
  /** nn.ParameterList([...]): parameters "name.0", "name.1", …; indexed, iterated, length */
  class ParameterList extends Module {
    constructor(parameters?: readonly Parameter[]);
    readonly [index: number]: Tensor;
    readonly length: number;
    [Symbol.iterator](): Iterator<Tensor>;
  }
  /**
   * nn.ParameterDict({ name: p }): parameters "name.key", in PyTorch's order: an object (a Python
   * dict) sorted by key, as PyTorch's update() sorts a plain dict; a Map (an OrderedDict) or an
   * array of [key, p] pairs in their order. Iterating gives the keys.
   */
  class ParameterDict extends Module {
    constructor(parameters?: Record<string, Parameter> | ReadonlyMap<string, Parameter> | readonly (readonly [string, Parameter])[]);
    readonly [key: string]: any;
    readonly length: number;
    keys(): string[];
    values(): Tensor[];
    items(): [string, Tensor][];
    has(key: string): boolean;
    get(key: string, defaultValue?: Tensor | null): Tensor | null;
    update(parameters: Record<string, Parameter> | ReadonlyMap<string, Parameter> | readonly (readonly [string, Parameter])[]): void;
    [Symbol.iterator](): Iterator<string>;
  }
  class Parameter {
    constructor(data: Tensor, requiresGrad?: boolean | { requiresGrad?: boolean });
    constructor(options: { data: Tensor; requiresGrad?: boolean });
  }
  /** What registerForwardHook returns: remove() unregisters the hook (in a constructor). */
  interface RemovableHandle {
    remove(): void;
  }
  interface Parameter extends Tensor {}

  /**
   * torch.nn.utils: weightNorm(module, name = "weight", dim = 0) makes the module's parameter g·v/‖v‖
   * (the norm over every dim but `dim`: each dim-0 row by default; null or −1 the whole tensor), g
   * and v trained and named weight_g / weight_v as PyTorch's; v starts as the weight and g as its
   * norms. parametrizations.weightNorm names them parametrizations.weight.original0 (g) and
   * original1 (v). A layer's parameter or an nn.Parameter of your own module. Returns the module.
   */
  namespace utils {
    // the module with g and v as PyTorch's attributes (HiFi-GAN's conv.weight_v.data.normal_(…))
    function weightNorm<M extends Module, N extends string = "weight">(module: M, name?: N, dim?: number | null): M & { readonly [K in `${N}_g` | `${N}_v`]: Tensor };
    function weight_norm<M extends Module, N extends string = "weight">(module: M, name?: N, dim?: number | null): M & { readonly [K in `${N}_g` | `${N}_v`]: Tensor };
    /**
     * torch.nn.utils.spectral_norm: the weight W/σ, σ from a power iteration whose vectors are the
     * buffers weight_u and weight_v (kept by each train-mode forward); the trained parameter is
     * weight_orig. u and v start as unit vectors of equal elements (PyTorch's: normalized draws).
     */
    function spectralNorm<M extends Module, N extends string = "weight">(module: M, name?: N, nPowerIterations?: number, eps?: number, dim?: number | null): M & { readonly [K in `${N}_orig` | `${N}_u` | `${N}_v`]: Tensor };
    function spectralNorm<M extends Module>(module: M, options: { name?: string; nPowerIterations?: number; eps?: number; dim?: number | null }): M;
    function spectral_norm<M extends Module, N extends string = "weight">(module: M, name?: N, nPowerIterations?: number, eps?: number, dim?: number | null): M & { readonly [K in `${N}_orig` | `${N}_u` | `${N}_v`]: Tensor };
    namespace parametrizations {
      function weightNorm<M extends Module>(module: M, name?: string, dim?: number | null): M;
      function weight_norm<M extends Module>(module: M, name?: string, dim?: number | null): M;
      /** spectralNorm's computation under PyTorch's parametrization names: parametrizations.weight.original, .0._u, .0._v. */
      function spectralNorm<M extends Module>(module: M, name?: string, nPowerIterations?: number, eps?: number, dim?: number | null): M;
      function spectralNorm<M extends Module>(module: M, options: { name?: string; nPowerIterations?: number; eps?: number; dim?: number | null }): M;
      function spectral_norm<M extends Module>(module: M, name?: string, nPowerIterations?: number, eps?: number, dim?: number | null): M;
    }
    /**
     * torch.nn.utils.parametrize: a layer's (or your module's) parameter computed by your module's forward from a
     * trained tensor, `parametrizations.<name>.original` (its starting value the parameter's); a second
     * registration chains after the first. A parametrization with rightInverse is refused.
     */
    namespace parametrize {
      function registerParametrization<M extends Module>(module: M, tensorName: string, parametrization: Module, unsafe?: boolean): M;
      function registerParametrization<M extends Module>(module: M, tensorName: string, parametrization: Module, options: { unsafe?: boolean }): M;
      function register_parametrization<M extends Module>(module: M, tensorName: string, parametrization: Module, unsafe?: boolean): M;
      function isParametrized(module: Module, tensorName?: string | null): boolean;
      function is_parametrized(module: Module, tensorName?: string | null): boolean;
    }
    /**
     * torch.nn.utils.rnn: a batch of sequences of different lengths. A recurrent layer given a
     * PackedSequence steps each sample over its own length (its final state is after its last step,
     * its outputs past it zero); padPackedSequence gives the padded output back, of the input's
     * length L (PyTorch's: max(lengths), or total_length).
     */
    namespace rnn {
      function packPaddedSequence(input: Tensor, lengths: Tensor, options?: { batchFirst?: boolean; enforceSorted?: boolean }): PackedSequence;
      function packPaddedSequence(input: Tensor, lengths: Tensor, batchFirst?: boolean, enforceSorted?: boolean): PackedSequence;
      function padPackedSequence(sequence: PackedSequence, options?: { batchFirst?: boolean; paddingValue?: number; totalLength?: number | null }): [Tensor, Tensor<Shape, "int32">];
      function padPackedSequence(sequence: PackedSequence, batchFirst?: boolean, paddingValue?: number, totalLength?: number | null): [Tensor, Tensor<Shape, "int32">];
    }
  }
  /** torch.nn.utils.rnn.PackedSequence: kept padded, with each sample's length. */
  interface PackedSequence {
    readonly __packedSequence: true;
  }

  /** torch.nn.init's in-place initializers for an nn.Parameter or a layer's parameter (this.fc.weight), in the constructor. */
  namespace init {
    function zeros_(tensor: Tensor): Tensor;
    /** torch.nn.init's private helpers that the initializers call (GRU4Rec calls _no_grad_uniform_ itself): uniform_, normal_, trunc_normal_, constant_ and zeros_ */
    function _no_grad_uniform_(tensor: Tensor, a: number, b: number): Tensor;
    function _no_grad_normal_(tensor: Tensor, mean: number, std: number): Tensor;
    function _no_grad_trunc_normal_(tensor: Tensor, mean: number, std: number, a: number, b: number): Tensor;
    function _no_grad_fill_(tensor: Tensor, val: number): Tensor;
    function _no_grad_zero_(tensor: Tensor): Tensor;
    function ones_(tensor: Tensor): Tensor;
    function constant_(tensor: Tensor, val: number): Tensor;
    /** N(mean, std²) (defaults 0 and 1). */
    function normal_(tensor: Tensor, mean?: number, std?: number): Tensor;
    function normal_(tensor: Tensor, options: { mean?: number; std?: number }): Tensor;
    /** N(mean, std²) truncated to [a, b] (PyTorch's ViT default: std 0.02, a −2, b 2); bounds within a few std are drawn by the inverse CDF, as PyTorch's. */
    function trunc_normal_(tensor: Tensor, mean?: number, std?: number, a?: number, b?: number): Tensor;
    function trunc_normal_(tensor: Tensor, options: { mean?: number; std?: number; a?: number; b?: number }): Tensor;
    /** U(a, b) (defaults 0 and 1). */
    function uniform_(tensor: Tensor, a?: number, b?: number): Tensor;
    function uniform_(tensor: Tensor, options: { a?: number; b?: number }): Tensor;
    /** U(−b, b), b = gain·√(6/(fan_in + fan_out)); fans from dims 0 and 1 times the kernel size. */
    function xavier_uniform_(tensor: Tensor, gain?: number): Tensor;
    function xavier_uniform_(tensor: Tensor, options: { gain?: number }): Tensor;
    /** N(0, std²), std = gain·√(2/(fan_in + fan_out)). */
    function xavier_normal_(tensor: Tensor, gain?: number): Tensor;
    function xavier_normal_(tensor: Tensor, options: { gain?: number }): Tensor;
    type Nonlinearity = "linear" | "conv1d" | "conv2d" | "conv3d" | "conv_transpose1d" | "conv_transpose2d" | "conv_transpose3d" | "sigmoid" | "tanh" | "relu" | "leaky_relu" | "selu";
    /** U(−b, b), b = gain·√(3/fan) (fan_in by default); gain from the nonlinearity (leaky_relu: √(2/(1 + a²))). */
    function kaiming_uniform_(tensor: Tensor, a?: number, mode?: "fan_in" | "fan_out", nonlinearity?: Nonlinearity): Tensor;
    function kaiming_uniform_(tensor: Tensor, options: { a?: number; mode?: "fan_in" | "fan_out"; nonlinearity?: Nonlinearity }): Tensor;
    /** N(0, std²), std = gain/√fan. */
    function kaiming_normal_(tensor: Tensor, a?: number, mode?: "fan_in" | "fan_out", nonlinearity?: Nonlinearity): Tensor;
    function kaiming_normal_(tensor: Tensor, options: { a?: number; mode?: "fan_in" | "fan_out"; nonlinearity?: Nonlinearity }): Tensor;
    /** A (semi-)orthogonal matrix times gain: the tensor (2 or more dims) flattened after its first dim, as PyTorch's */
    function orthogonal_(tensor: Tensor, gain?: number): Tensor;
    function orthogonal_(tensor: Tensor, options: { gain?: number }): Tensor;
    /** N(0, std²) (std 0.01 by default) with ceil(sparsity·rows) zeros in each column of a matrix, at rows chosen at random per column. */
    function sparse_(tensor: Tensor, sparsity: number, std?: number): Tensor;
    function sparse_(tensor: Tensor, options: { sparsity: number; std?: number }): Tensor;
    /** The identity matrix (2-D; ones on the leading diagonal). */
    function eye_(tensor: Tensor): Tensor;
    /** A convolution weight (3–5 dims) that passes each group's first channels through at the kernel's centre. */
    function dirac_(tensor: Tensor, groups?: number): Tensor;
    /** PyTorch's recommended gain for a nonlinearity (param: leaky_relu's negative slope, 0.01 by default) */
    function calculate_gain(nonlinearity: Nonlinearity, param?: number | null): number;
    /**
     * [fan_in, fan_out] of a weight: dims 1 and 0, each times the product of dims 2…; private in torch,
     * but what custom layers' reset_parameters (`bound = 1 / Math.sqrt(fanIn)`) and timm's lecun_normal_ call.
     */
    function _calculate_fan_in_and_fan_out(tensor: Tensor): [number, number];
    /** fan_in or fan_out of a weight by the mode's name (private in torch; SampleRNN's lecun_uniform calls it). */
    function _calculate_correct_fan(tensor: Tensor, mode: "fan_in" | "fan_out"): number;
    // the same functions in the model language's camelCase
    const xavierUniform_: typeof xavier_uniform_;
    const xavierNormal_: typeof xavier_normal_;
    const kaimingUniform_: typeof kaiming_uniform_;
    const kaimingNormal_: typeof kaiming_normal_;
    const truncNormal_: typeof trunc_normal_;
    const calculateGain: typeof calculate_gain;
    const _calculateFanInAndFanOut: typeof _calculate_fan_in_and_fan_out;
    const _calculateCorrectFan: typeof _calculate_correct_fan;
    // PyTorch's deprecated names without the underscore (init.kaiming_normal(w) in older ports), the same functions
    const uniform: typeof uniform_;
    const normal: typeof normal_;
    const constant: typeof constant_;
    const eye: typeof eye_;
    const dirac: typeof dirac_;
    const xavier_uniform: typeof xavier_uniform_;
    const xavier_normal: typeof xavier_normal_;
    const kaiming_uniform: typeof kaiming_uniform_;
    const kaiming_normal: typeof kaiming_normal_;
    const orthogonal: typeof orthogonal_;
    const sparse: typeof sparse_;
  }

  /** Runs its modules in order; children are named "0", "1", ... as in PyTorch, or by the keys of an object (PyTorch's OrderedDict). */
  class Sequential extends Module {
    constructor(...modules: Module[]);
    constructor(modules: { readonly [name: string]: Module });
    /** PyTorch's nn.Sequential(OrderedDict([...])): named children in the Map's order */
    constructor(modules: ReadonlyMap<string, Module>);
    /** Adds a child at the end (a class that extends nn.Sequential, in its constructor). */
    append(module: Module): this;
  }
  interface Sequential extends ModuleSequence<Module> {}
  interface Sequential { (x: Tensor): Tensor }
  /** a named child, this.features.conv0 */
  interface Sequential { readonly [name: string]: any }

  /** torch.nn.DataParallel inside a model: the wrapped module as the child `module` (state "<name>.module.…"), called as it is; the whole model is already replicated, so the device arguments have no effect. */
  class DataParallel<M extends Module = Module> extends Module {
    constructor(module: M, deviceIds?: readonly number[] | null, outputDevice?: number | string | null, dim?: number);
    constructor(module: M, options: { deviceIds?: readonly number[] | null; outputDevice?: number | string | null; dim?: number });
    constructor(options: { module: M; deviceIds?: readonly number[] | null; outputDevice?: number | string | null; dim?: number });
    readonly module: M;
  }
  interface DataParallel<M extends Module = Module> { (...args: any[]): any }

  /** torch.nn.parallel's wrappers inside a model: as nn.DataParallel, the child `module`, called as it is (tsdp's harness replicates the model and all-reduces the gradients itself). */
  namespace parallel {
    class DataParallel<M extends Module = Module> extends nn.DataParallel<M> {}
    interface DataParallel<M extends Module = Module> { (...args: any[]): any }
    /** DDP's options are taken; its buckets and process group are the harness's (tsdp compile --bucket-cap-mb); broadcastBuffers false is refused (replica 0's buffers are kept, DDP's default). */
    class DistributedDataParallel<M extends Module = Module> extends Module {
      constructor(module: M, deviceIds?: readonly number[] | null, outputDevice?: number | string | null, dim?: number, broadcastBuffers?: boolean);
      constructor(module: M, options: { deviceIds?: readonly number[] | null; outputDevice?: number | string | null; dim?: number; broadcastBuffers?: boolean; processGroup?: unknown; bucketCapMb?: number | null; findUnusedParameters?: boolean; checkReduction?: boolean; gradientAsBucketView?: boolean; staticGraph?: boolean; initSync?: boolean; mixedPrecision?: unknown; deviceMesh?: unknown });
      readonly module: M;
    }
    interface DistributedDataParallel<M extends Module = Module> { (...args: any[]): any }
  }

  /** A list of modules; children are named "0", "1", ... as in PyTorch. */
  /** The read-only array methods of nn.ModuleList and nn.Sequential, over their children. */
  interface ModuleSequence<M extends Module | null> {
    readonly length: number;
    readonly [index: number]: M;
    [Symbol.iterator](): Iterator<M>;
    entries(): [number, M][];
    map<T>(fn: (module: M, index: number) => T): T[];
    forEach(fn: (module: M, index: number) => void): void;
    filter(fn: (module: M, index: number) => boolean): M[];
    reduce<T>(fn: (acc: T, module: M, index: number) => T, initial: T): T;
    some(fn: (module: M, index: number) => boolean): boolean;
    every(fn: (module: M, index: number) => boolean): boolean;
    slice(start?: number, end?: number): M[];
    /** Array.at: negative indices from the end (Python's self.linears[-1]) */
    at(index: number): M | undefined;
    concat(...others: (M | readonly M[])[]): M[];
    includes(module: M): boolean;
    indexOf(module: M): number;
  }
  /** null entries keep their places (PyTorch's None: HRNet's fuse layers), counted by length and indices; declare `nn.ModuleList<M | null>` to index them as such. */
  /**
   * Undeclared (`layers = new nn.ModuleList([])`, `layers: nn.ModuleList`), its children are any module, untyped as
   * Python's list: lucidrains' `for (const [attn, ff] of this.layers)` over appended nn.ModuleLists destructures and
   * calls them. Declare `nn.ModuleList<Block>` (or construct it from Blocks) for typed children.
   */
  class ModuleList<M extends Module | null = any> extends Module {
    /** PyTorch's nn.ModuleList([]) filled by append: a list of any modules (inferred from `[]` alone, its type would be never) */
    constructor(modules: readonly []);
    constructor(modules?: readonly M[]);
    append(module: M): this;
    extend(modules: readonly M[]): this;
    /** Python's list.insert: before index (negative from the end), the children renumbered. */
    insert(index: number, module: M): void;
  }
  interface ModuleList<M extends Module | null = any> extends Omit<ModuleSequence<M>, "slice"> {
    /** PyTorch's self.layers[1:]: an nn.ModuleList of those children, numbered from 0 (as a field, its keys name the same tensors) */
    slice(start?: number, end?: number): ModuleList<M>;
  }

  interface RecurrentOptions {
    numLayers?: number;
    bias?: boolean;
    /** true: input and output [N, L, ·]; PyTorch's default false: [L, N, ·]. */
    batchFirst?: boolean;
    /** Dropout on each layer's output but the last's, in training. */
    dropout?: number;
    bidirectional?: boolean;
  }
  /**
   * Elman RNN, as torch.nn.RNN, unrolled over the (compile-time) sequence length. hx, the initial
   * states, is [layers·directions, N, H] (F.zeros(layers, x.size(0), H) is the default: zeros).
   * Returns [output [N, L, D·H] (batchFirst) or [L, N, D·H], h_n [layers·directions, N, H]]: h_n[-1]
   * is the last layer's final state (its backward one when bidirectional).
   */
  class RNN extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    /** PyTorch's flatten_parameters() (a cuDNN weight layout): changes nothing here, in a constructor or forward. */
    flattenParameters(): void;
    flatten_parameters(): void;
    constructor(inputSize: number, hiddenSize: number, options?: RecurrentOptions & { nonlinearity?: "tanh" | "relu" });
    constructor(inputSize: number, options: { hiddenSize: number } & (RecurrentOptions & { nonlinearity?: "tanh" | "relu" }));
    constructor(options: { inputSize: number; hiddenSize: number } & (RecurrentOptions & { nonlinearity?: "tanh" | "relu" }));
    constructor(inputSize: number, hiddenSize: number, numLayers: number, options?: RecurrentOptions & { nonlinearity?: "tanh" | "relu" });
    constructor(inputSize: number, hiddenSize: number, options: { numLayers: number } & (RecurrentOptions & { nonlinearity?: "tanh" | "relu" }));
    constructor(inputSize: number, options: { hiddenSize: number; numLayers: number } & (RecurrentOptions & { nonlinearity?: "tanh" | "relu" }));
    constructor(options: { inputSize: number; hiddenSize: number; numLayers: number } & (RecurrentOptions & { nonlinearity?: "tanh" | "relu" }));
  }
  interface RNN extends RecurrentSettings { (input: Tensor, hx?: Tensor | null): [Tensor, Tensor]; (input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor] }
  /** torch.nn.GRU (gates r, z, n), as nn.RNN: [output, h_n]. */
  class GRU extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    /** PyTorch's flatten_parameters() (a cuDNN weight layout): changes nothing here, in a constructor or forward. */
    flattenParameters(): void;
    flatten_parameters(): void;
    constructor(inputSize: number, hiddenSize: number, options?: RecurrentOptions);
    constructor(inputSize: number, options: { hiddenSize: number } & RecurrentOptions);
    constructor(options: { inputSize: number; hiddenSize: number } & RecurrentOptions);
    constructor(inputSize: number, hiddenSize: number, numLayers: number, options?: RecurrentOptions);
    constructor(inputSize: number, hiddenSize: number, options: { numLayers: number } & RecurrentOptions);
    constructor(inputSize: number, options: { hiddenSize: number; numLayers: number } & RecurrentOptions);
    constructor(options: { inputSize: number; hiddenSize: number; numLayers: number } & RecurrentOptions);
  }
  interface GRU extends RecurrentSettings { (input: Tensor, hx?: Tensor | null): [Tensor, Tensor]; (input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor] }
  /** torch.nn.LSTM (gates i, f, g, o), as nn.RNN: hx is [h0, c0] and it returns [output, [h_n, c_n]], each state [layers·directions, N, H]. */
  class LSTM extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    /** PyTorch's flatten_parameters() (a cuDNN weight layout): changes nothing here, in a constructor or forward. */
    flattenParameters(): void;
    flatten_parameters(): void;
    /** projSize (PyTorch's proj_size, below hiddenSize): h = W_hr·(o·tanh(c)), weight_hr_l<k> [projSize, hiddenSize]; output and h_n projSize wide. */
    constructor(inputSize: number, hiddenSize: number, options?: RecurrentOptions & { projSize?: number });
    constructor(inputSize: number, options: { hiddenSize: number } & (RecurrentOptions & { projSize?: number }));
    constructor(options: { inputSize: number; hiddenSize: number } & (RecurrentOptions & { projSize?: number }));
    constructor(inputSize: number, hiddenSize: number, numLayers: number, options?: RecurrentOptions & { projSize?: number });
    constructor(inputSize: number, hiddenSize: number, options: { numLayers: number } & (RecurrentOptions & { projSize?: number }));
    constructor(inputSize: number, options: { hiddenSize: number; numLayers: number } & (RecurrentOptions & { projSize?: number }));
    constructor(options: { inputSize: number; hiddenSize: number; numLayers: number } & (RecurrentOptions & { projSize?: number }));
  }
  interface LSTM extends RecurrentSettings { (input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]]; (input: PackedSequence, hx?: readonly [Tensor, Tensor] | null): [PackedSequence, [Tensor, Tensor]] }
  /**
   * One step, as torch.nn.RNNCell / GRUCell / LSTMCell: parameters weight_ih, weight_hh, bias_ih,
   * bias_hh; x [N, inputSize], hx h [N, H] (LSTMCell: [h, c]), zeros when left out.
   */
  class RNNCell extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    constructor(inputSize: number, hiddenSize: number, bias?: boolean, nonlinearity?: "tanh" | "relu");
    constructor(inputSize: number, hiddenSize: number, bias?: boolean, options?: { nonlinearity?: "tanh" | "relu" });
    constructor(inputSize: number, options: { hiddenSize: number; bias?: boolean; nonlinearity?: "tanh" | "relu" });
    constructor(options: { inputSize: number; hiddenSize: number; bias?: boolean; nonlinearity?: "tanh" | "relu" });
    constructor(inputSize: number, hiddenSize: number, options?: { bias?: boolean; nonlinearity?: "tanh" | "relu" });
  }
  interface RNNCell { (input: Tensor, hx?: Tensor | null): Tensor }
  class GRUCell extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    constructor(inputSize: number, hiddenSize: number, bias?: boolean);
    constructor(inputSize: number, options: { hiddenSize: number; bias?: boolean });
    constructor(options: { inputSize: number; hiddenSize: number; bias?: boolean });
    constructor(inputSize: number, hiddenSize: number, options?: { bias?: boolean });
  }
  interface GRUCell { (input: Tensor, hx?: Tensor | null): Tensor }
  class LSTMCell extends Module {
    /** PyTorch's reset_parameters(): the default initialization again (and a norm layer's running statistics), in a constructor. */
    resetParameters(): void;
    reset_parameters(): void;
    constructor(inputSize: number, hiddenSize: number, bias?: boolean);
    constructor(inputSize: number, options: { hiddenSize: number; bias?: boolean });
    constructor(options: { inputSize: number; hiddenSize: number; bias?: boolean });
    constructor(inputSize: number, hiddenSize: number, options?: { bias?: boolean });
  }
  interface LSTMCell { (input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor] }

  /** Modules by name, in insertion order, as torch.nn.ModuleDict: `this.heads["cls"](x)`, `for (const [name, m] of this.heads.items())`. */
  class ModuleDict<M extends Module = Module> extends Module {
    /** an object (a dict, in its order), a Map (an OrderedDict) or an array of [name, module] pairs */
    constructor(modules?: { readonly [name: string]: M } | ReadonlyMap<string, M> | readonly (readonly [string, M])[]);
    readonly length: number;
    keys(): string[];
    values(): M[];
    items(): [string, M][];
    has(key: string): boolean;
    update(modules: { readonly [name: string]: M } | ReadonlyMap<string, M> | readonly (readonly [string, M])[]): void;
    [Symbol.iterator](): Iterator<string>;
  }
  interface ModuleDict<M extends Module = Module> {
    [name: string]: any;
  }

  type Reduction = "mean" | "sum" | "none";
  /**
   * ignoreIndex (PyTorch's ignore_index, e.g. -1 or -100 for padding): a target equal to it adds no
   * loss and no gradient, and "mean" is over the other targets. Off unless given: then every
   * target must be a class (PyTorch ignores -100 by default; tsdp refuses it unless declared).
   */
  /** weight: one value per class (PyTorch's weight=), known at compile time (F.tensor([...])); the mean is Σ w[y]·ℓ / Σ w[y] */
  interface CrossEntropyOptions { reduction?: Reduction; labelSmoothing?: number; ignoreIndex?: number | null; weight?: Tensor | null }
  /** the class weight by position too, as PyTorch's nn.CrossEntropyLoss(class_weights) (then PyTorch's positions, the deprecated size_average and reduce taken only as null; options are clearer) */
  class CrossEntropyLoss extends Module { constructor(options?: CrossEntropyOptions); constructor(weight: Tensor | null, options?: Omit<CrossEntropyOptions, "weight">) }
  /** target: int32 class indices [N] (or [N, d…] for [N, C, d…] scores), or float32 class probabilities of the input's shape */
  interface CrossEntropyLoss { (input: Tensor, target: Tensor): Tensor }
  class NLLLoss extends Module {
    constructor(options?: { reduction?: Reduction; ignoreIndex?: number | null; weight?: Tensor | null });
    constructor(weight: Tensor | null, options?: { reduction?: Reduction; ignoreIndex?: number | null });
  }
  interface NLLLoss { (input: Tensor, target: Tensor<Shape, "int32">): Tensor }
  /** PyTorch's deprecated name for nn.NLLLoss (its 2-D form is NLLLoss's [N, C, H, W]): the same class. */
  class NLLLoss2d extends Module {
    constructor(options?: { reduction?: Reduction; ignoreIndex?: number | null; weight?: Tensor | null });
    constructor(weight: Tensor | null, options?: { reduction?: Reduction; ignoreIndex?: number | null });
  }
  interface NLLLoss2d { (input: Tensor, target: Tensor<Shape, "int32">): Tensor }
  class MSELoss extends Module { constructor(options?: { reduction?: Reduction }) }
  interface MSELoss { (input: Tensor, target: Tensor): Tensor }
  /** |input − target|, elementwise, then reduced */
  class L1Loss extends Module { constructor(options?: { reduction?: Reduction }) }
  interface L1Loss { (input: Tensor, target: Tensor): Tensor }
  /** ½d²/β where |d| < β, else |d| − ½β, with d = input − target (β defaults to 1; 0 gives L1) */
  class SmoothL1Loss extends Module { constructor(options?: { reduction?: Reduction; beta?: number }) }
  interface SmoothL1Loss { (input: Tensor, target: Tensor): Tensor }
  /** ½d² where |d| < δ, else δ(|d| − ½δ) (δ defaults to 1) */
  class HuberLoss extends Module { constructor(options?: { reduction?: Reduction; delta?: number }) }
  interface HuberLoss { (input: Tensor, target: Tensor): Tensor }
  /** −(t·log x + (1 − t)·log(1 − x)) on probabilities x in [0, 1], each log clamped at −100 */
  class BCELoss extends Module { constructor(options?: { reduction?: Reduction; weight?: Tensor | null }); constructor(weight: Tensor | null, options?: { reduction?: Reduction }) }
  interface BCELoss { (input: Tensor, target: Tensor): Tensor }
  /** BCELoss of sigmoid(input), computed from the logits without overflow */
  /** weight rescales each element's loss; posWeight (one per class, along the last dim) the positive term */
  class BCEWithLogitsLoss extends Module {
    constructor(options?: { reduction?: Reduction; weight?: Tensor | null; posWeight?: Tensor | null });
    constructor(weight: Tensor | null, options?: { reduction?: Reduction; posWeight?: Tensor | null });
  }
  interface BCEWithLogitsLoss { (input: Tensor, target: Tensor): Tensor }
  /** Σ target·(log target − input) on log-probabilities (distillation); "batchmean" is the sum over input.size(0) */
  /** max(0, −y·(x1 − x2) + margin), y = ±1 */
  class MarginRankingLoss extends Module { constructor(options?: { margin?: number; reduction?: Reduction }) }
  interface MarginRankingLoss { (input1: Tensor, input2: Tensor, target: Tensor): Tensor }
  /** x where y = 1, max(0, margin − x) where y = −1 */
  class HingeEmbeddingLoss extends Module { constructor(options?: { margin?: number; reduction?: Reduction }) }
  interface HingeEmbeddingLoss { (input: Tensor, target: Tensor): Tensor }
  /** log(1 + e^(−y·x)), y = ±1 */
  class SoftMarginLoss extends Module { constructor(options?: { reduction?: Reduction }) }
  interface SoftMarginLoss { (input: Tensor, target: Tensor): Tensor }
  /** per sample the classes' mean of −(y·log σ(x) + (1 − y)·log σ(−x)), input and target [N, C] */
  class MultiLabelSoftMarginLoss extends Module { constructor(options?: { weight?: Tensor | null; reduction?: Reduction }) }
  /** Multi-class hinge loss: Σ_{i ≠ y} w_y·max(0, margin − x_y + x_i)^p / C, y int32 class indices [N] */
  class MultiMarginLoss extends Module { constructor(options?: { p?: 1 | 2; margin?: number; weight?: Tensor | null; reduction?: Reduction }) }
  interface MultiMarginLoss { (input: Tensor, target: Tensor<Shape, "int32">): Tensor }
  /** Multi-label hinge: per sample Σ_j Σ_{i ∉ targets} max(0, 1 − (x[y_j] − x[i])) / C; target: int32 class indices of the input's shape, each row's list ended by −1. */
  class MultiLabelMarginLoss extends Module { constructor(options?: { reduction?: Reduction }) }
  interface MultiLabelMarginLoss { (input: Tensor, target: Tensor<Shape, "int32">): Tensor }
  interface MultiLabelSoftMarginLoss { (input: Tensor, target: Tensor): Tensor }
  /** 1 − cos(x1, x2) where y = 1, max(0, cos − margin) where y = −1 (cos along dim 1) */
  class CosineEmbeddingLoss extends Module { constructor(options?: { margin?: number; reduction?: Reduction }) }
  interface CosineEmbeddingLoss { (input1: Tensor, input2: Tensor, target: Tensor): Tensor }
  /** max(d(a, p) − d(a, n) + margin, 0), d the p-norm distance along the last dim */
  class TripletMarginLoss extends Module { constructor(options?: { margin?: number; p?: number; eps?: number; swap?: boolean; reduction?: Reduction }) }
  interface TripletMarginLoss { (anchor: Tensor, positive: Tensor, negative: Tensor): Tensor }
  /** max(d(a, p) − d(a, n) + margin, 0) with the given distance (default: F.pairwiseDistance); swap takes min(d(a, n), d(p, n)). */
  class TripletMarginWithDistanceLoss extends Module { constructor(options?: { distanceFunction?: ((x: Tensor, y: Tensor) => Tensor) | Module | null; margin?: number; swap?: boolean; reduction?: Reduction }) }
  interface TripletMarginWithDistanceLoss { (anchor: Tensor, positive: Tensor, negative: Tensor): Tensor }
  /** logInput: eˣ − t·x, else x − t·log(x + eps); full adds Stirling's term where t > 1 */
  class PoissonNLLLoss extends Module {
    constructor(options?: { logInput?: boolean; full?: boolean; eps?: number; reduction?: Reduction });
    /** PyTorch's positional order, its deprecated sizeAverage and reduce as null: nn.PoissonNLLLoss(False, True, None, 1e-6) */
    constructor(logInput: boolean, full?: boolean, sizeAverage?: null, eps?: number, reduce?: null, reduction?: Reduction);
  }
  interface PoissonNLLLoss { (input: Tensor, target: Tensor): Tensor }
  /**
   * Connectionist temporal classification (torch.nn.CTCLoss): −log of the probability of every
   * alignment of each target to its input frames. logProbs [T, N, C] (log_softmax over C), targets
   * [N, S] int32 padded, inputLengths / targetLengths one per sample [N] (int32) or one number for
   * all. "mean" divides each loss by its target length, then averages; a target that fits no
   * alignment gives +∞, or 0 with zeroInfinity.
   */
  class CTCLoss extends Module { constructor(options?: { blank?: number; reduction?: Reduction; zeroInfinity?: boolean }) }
  interface CTCLoss { (logProbs: Tensor, targets: Tensor<Shape, "int32">, inputLengths: Tensor | number, targetLengths: Tensor | number): Tensor }
  /** ½·(log max(var, eps) + (x − t)²/max(var, eps)), + ½·log 2π when full */
  class GaussianNLLLoss extends Module { constructor(options?: { full?: boolean; eps?: number; reduction?: Reduction }) }
  interface GaussianNLLLoss { (input: Tensor, target: Tensor, variance: Tensor): Tensor }
  class KLDivLoss extends Module { constructor(options?: { reduction?: Reduction | "batchmean"; logTarget?: boolean }) }
  interface KLDivLoss { (input: Tensor, target: Tensor): Tensor }
}

/** torch.nn.functional */
export namespace F {
  // torch's pointwise math as functions (torch.rsqrt(x) is F.rsqrt(x)): the methods of the same names
  function exp(x: Tensor): Tensor;
  /** e^z of a complex tensor (Hyena's torch.exp(-1j * f * w), written F.exp(F.complex(zeros, f.mul(w).neg()))) */
  function exp(x: ComplexTensor): ComplexTensor;
  function log(x: Tensor): Tensor;
  function sqrt(x: Tensor): Tensor;
  function rsqrt(x: Tensor): Tensor;
  function abs(x: Tensor): Tensor;
  /** |z| of a complex tensor, float32 */
  function abs(x: ComplexTensor): Tensor;
  function neg(x: Tensor): Tensor;
  function sin(x: Tensor): Tensor;
  function cos(x: Tensor): Tensor;
  function tan(x: Tensor): Tensor;
  function sinh(x: Tensor): Tensor;
  function cosh(x: Tensor): Tensor;
  function asin(x: Tensor): Tensor;
  function acos(x: Tensor): Tensor;
  function atan(x: Tensor): Tensor;
  function asinh(x: Tensor): Tensor;
  function acosh(x: Tensor): Tensor;
  function atanh(x: Tensor): Tensor;
  function erf(x: Tensor): Tensor;
  function erfc(x: Tensor): Tensor;
  function erfinv(x: Tensor): Tensor;
  /** ln|Γ(x)| (torch.lgamma) */
  function lgamma(x: Tensor): Tensor;
  /** ψ(x) (torch.digamma) */
  function digamma(x: Tensor): Tensor;
  /** ψ⁽ⁿ⁾(x), torch.polygamma(n, input): the order first */
  function polygamma(n: number, input: Tensor): Tensor;
  function polygamma(n: number, options: { input: Tensor }): Tensor;
  function polygamma(options: { n: number; input: Tensor }): Tensor;
  /** torch.mvlgamma(input, p) */
  function mvlgamma(x: Tensor, p: number): Tensor;
  function mvlgamma(x: Tensor, options: { p: number }): Tensor;
  function logit(x: Tensor, eps?: number | null): Tensor;
  function logit(x: Tensor, options?: { eps?: number | null }): Tensor;
  function median(x: Tensor): Tensor;
  function median(x: Tensor, dim: number, keepdim?: boolean): MaxResult;
  function median(x: Tensor, options: { dim: number; keepdim?: boolean }): MaxResult;
  function median(x: Tensor, dim: number, options: { keepdim?: boolean }): MaxResult;
  /** torch.cartesian_prod(a, b, …) of 1-D tensors: [Π nᵢ, k], each combination in order (a itself for one). */
  function cartesianProd(...tensors: Tensor[]): Tensor;
  function exp2(x: Tensor): Tensor;
  function expm1(x: Tensor): Tensor;
  function log1p(x: Tensor): Tensor;
  function log2(x: Tensor): Tensor;
  function log10(x: Tensor): Tensor;
  function reciprocal(x: Tensor): Tensor;
  function square(x: Tensor): Tensor;
  function floor(x: Tensor): Tensor;
  function ceil(x: Tensor): Tensor;
  function round(x: Tensor, decimals?: number): Tensor;
  function round(x: Tensor, options: { decimals?: number }): Tensor;
  function trunc(x: Tensor): Tensor;
  function fix(x: Tensor): Tensor;
  function frac(x: Tensor): Tensor;
  function sign(x: Tensor): Tensor;
  function isnan(input: Tensor): Tensor;
  function isinf(input: Tensor): Tensor;
  function isfinite(input: Tensor): Tensor;
  function isposinf(input: Tensor): Tensor;
  function isneginf(input: Tensor): Tensor;
  function nanToNum(input: Tensor, options?: { nan?: number; posinf?: number | null; neginf?: number | null }): Tensor;
  function all(input: Tensor, dim?: number | readonly number[] | null, keepdim?: boolean): Tensor;
  function all(input: Tensor, options: { dim?: number | readonly number[] | null; keepdim?: boolean }): Tensor;
  function all(input: Tensor, dim: number | readonly number[] | null, options: { keepdim?: boolean }): Tensor;
  function any(input: Tensor, dim?: number | readonly number[] | null, keepdim?: boolean): Tensor;
  function any(input: Tensor, options: { dim?: number | readonly number[] | null; keepdim?: boolean }): Tensor;
  function any(input: Tensor, dim: number | readonly number[] | null, options: { keepdim?: boolean }): Tensor;
  function countNonzero(input: Tensor, dim?: number | readonly number[] | null): Tensor;
  function countNonzero(input: Tensor, options: { dim?: number | readonly number[] | null }): Tensor;
  function isin(elements: Tensor, testElements: Tensor | number, options?: { assumeUnique?: boolean; invert?: boolean }): Tensor;
  function isin(elements: Tensor, options: { testElements: Tensor | number; assumeUnique?: boolean; invert?: boolean }): Tensor;
  function nansum(input: Tensor, dim?: number | readonly number[] | null, keepdim?: boolean): Tensor;
  function nansum(input: Tensor, options: { dim?: number | readonly number[] | null; keepdim?: boolean }): Tensor;
  function nansum(input: Tensor, dim: number | readonly number[] | null, options: { keepdim?: boolean }): Tensor;
  function nanmean(input: Tensor, dim?: number | readonly number[] | null, keepdim?: boolean): Tensor;
  function nanmean(input: Tensor, options: { dim?: number | readonly number[] | null; keepdim?: boolean }): Tensor;
  function nanmean(input: Tensor, dim: number | readonly number[] | null, options: { keepdim?: boolean }): Tensor;
  function diff(input: Tensor, n?: number, dim?: number, prepend?: Tensor | null, append?: Tensor | null): Tensor;
  function diff(input: Tensor, n?: number, dim?: number, prepend?: Tensor | null, options?: { append?: Tensor | null }): Tensor;
  function diff(input: Tensor, n?: number, dim?: number, options?: { prepend?: Tensor | null; append?: Tensor | null }): Tensor;
  function diff(input: Tensor, n?: number, options?: { dim?: number; prepend?: Tensor | null; append?: Tensor | null }): Tensor;
  function diff(input: Tensor, options: { n?: number; dim?: number; prepend?: Tensor | null; append?: Tensor | null }): Tensor;
  /** torch.std_mean / var_mean: [std or var, mean] over the same dims (x.std's arguments) */
  function stdMean(input: Tensor, unbiased: boolean): [Tensor, Tensor];
  function stdMean(input: Tensor, dim?: number | readonly number[] | null, options?: { unbiased?: boolean; keepdim?: boolean; correction?: number }): [Tensor, Tensor];
  function stdMean(input: Tensor, options: { dim?: number | readonly number[] | null; unbiased?: boolean; keepdim?: boolean; correction?: number }): [Tensor, Tensor];
  function varMean(input: Tensor, unbiased: boolean): [Tensor, Tensor];
  function varMean(input: Tensor, dim?: number | readonly number[] | null, options?: { unbiased?: boolean; keepdim?: boolean; correction?: number }): [Tensor, Tensor];
  function varMean(input: Tensor, options: { dim?: number | readonly number[] | null; unbiased?: boolean; keepdim?: boolean; correction?: number }): [Tensor, Tensor];
  function diag(input: Tensor, diagonal?: number): Tensor;
  function diag(input: Tensor, options?: { diagonal?: number }): Tensor;
  /** torch.meshgrid: each 1-D tensor broadcast over the grid of their lengths; indexing "ij" (default) or "xy" */
  function topk(input: Tensor, k: number, dim?: number, largest?: boolean, sorted?: boolean): MaxResult;
  function topk(input: Tensor, k: number, dim?: number, largest?: boolean, options?: { sorted?: boolean }): MaxResult;
  function topk(input: Tensor, options: { k: number; dim?: number; largest?: boolean; sorted?: boolean }): MaxResult;
  function topk(input: Tensor, k: number, options: { dim?: number; largest?: boolean; sorted?: boolean }): MaxResult;
  function topk(input: Tensor, k: number, dim: number, options: { largest?: boolean; sorted?: boolean }): MaxResult;
  function sort(input: Tensor, dim?: number, descending?: boolean, options?: { stable?: boolean }): MaxResult;
  function sort(input: Tensor, options: { dim?: number; descending?: boolean; stable?: boolean }): MaxResult;
  function sort(input: Tensor, dim: number, options: { descending?: boolean; stable?: boolean }): MaxResult;
  function argsort(input: Tensor, dim?: number, descending?: boolean, options?: { stable?: boolean }): Tensor<Shape, "int32">;
  function argsort(input: Tensor, options: { dim?: number; descending?: boolean; stable?: boolean }): Tensor<Shape, "int32">;
  function argsort(input: Tensor, dim: number, options: { descending?: boolean; stable?: boolean }): Tensor<Shape, "int32">;
  function meshgrid(tensors: readonly Tensor[], options?: { indexing?: "ij" | "xy" }): Tensor[];
  /** F.gumbel_softmax: softmax((logits + Gumbel noise)/tau) drawn each call; hard: one-hot in value, the soft gradient */
  function gumbelSoftmax(logits: Tensor, options?: { tau?: number; hard?: boolean; eps?: number; dim?: number }): Tensor;
  function pixelShuffle(input: Tensor, upscaleFactor: number): Tensor;
  function pixelShuffle(input: Tensor, options: { upscaleFactor: number }): Tensor;
  function pixelUnshuffle(input: Tensor, downscaleFactor: number): Tensor;
  function pixelUnshuffle(input: Tensor, options: { downscaleFactor: number }): Tensor;
  function meshgrid(...tensors: (Tensor | { indexing?: "ij" | "xy" })[]): Tensor[];
  function atan2(input: Tensor, other: Tensor | number): Tensor;
  function atan2(input: Tensor, options: { other: Tensor | number }): Tensor;
  function arctan2(input: Tensor, other: Tensor | number): Tensor;
  function arctan2(input: Tensor, options: { other: Tensor | number }): Tensor;
  function hypot(input: Tensor, other: Tensor | number): Tensor;
  function hypot(input: Tensor, options: { other: Tensor | number }): Tensor;
  function fmod(input: Tensor, other: Tensor | number): Tensor;
  function fmod(input: Tensor, options: { other: Tensor | number }): Tensor;
  function remainder(input: Tensor, other: Tensor | number): Tensor;
  function remainder(input: Tensor, options: { other: Tensor | number }): Tensor;
  function logaddexp(input: Tensor, other: Tensor | number): Tensor;
  function logaddexp(input: Tensor, options: { other: Tensor | number }): Tensor;
  function xlogy(input: Tensor, other: Tensor | number): Tensor;
  function xlogy(input: Tensor, options: { other: Tensor | number }): Tensor;
  function lerp(input: Tensor, end: Tensor, weight: Tensor | number): Tensor;
  function lerp(input: Tensor, end: Tensor, options: { weight: Tensor | number }): Tensor;
  function lerp(input: Tensor, options: { end: Tensor; weight: Tensor | number }): Tensor;
  function addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, options?: { value?: number }): Tensor;
  function addcmul(input: Tensor, tensor1: Tensor, options: { tensor2: Tensor; value?: number }): Tensor;
  function addcmul(input: Tensor, options: { tensor1: Tensor; tensor2: Tensor; value?: number }): Tensor;
  function addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, options?: { value?: number }): Tensor;
  function addcdiv(input: Tensor, tensor1: Tensor, options: { tensor2: Tensor; value?: number }): Tensor;
  function addcdiv(input: Tensor, options: { tensor1: Tensor; tensor2: Tensor; value?: number }): Tensor;
  function addmm(input: Tensor, mat1: Tensor, mat2: Tensor, options?: { beta?: number; alpha?: number }): Tensor;
  function addmm(input: Tensor, mat1: Tensor, options: { mat2: Tensor; beta?: number; alpha?: number }): Tensor;
  function addmm(input: Tensor, options: { mat1: Tensor; mat2: Tensor; beta?: number; alpha?: number }): Tensor;
  function baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, options?: { beta?: number; alpha?: number }): Tensor;
  function baddbmm(input: Tensor, batch1: Tensor, options: { batch2: Tensor; beta?: number; alpha?: number }): Tensor;
  function baddbmm(input: Tensor, options: { batch1: Tensor; batch2: Tensor; beta?: number; alpha?: number }): Tensor;
  function addmv(input: Tensor, mat: Tensor, vec: Tensor, options?: { beta?: number; alpha?: number }): Tensor;
  function addmv(input: Tensor, mat: Tensor, options: { vec: Tensor; beta?: number; alpha?: number }): Tensor;
  function addmv(input: Tensor, options: { mat: Tensor; vec: Tensor; beta?: number; alpha?: number }): Tensor;
  function addr(input: Tensor, vec1: Tensor, vec2: Tensor, options?: { beta?: number; alpha?: number }): Tensor;
  function addr(input: Tensor, vec1: Tensor, options: { vec2: Tensor; beta?: number; alpha?: number }): Tensor;
  function addr(input: Tensor, options: { vec1: Tensor; vec2: Tensor; beta?: number; alpha?: number }): Tensor;
  function copysign(input: Tensor, other: Tensor | number): Tensor;
  function copysign(input: Tensor, options: { other: Tensor | number }): Tensor;
  function signbit(input: Tensor): Tensor;
  /** torch.histc(input, bins = 100, min, max): min and max must be given and differ (min = max means the data's range, refused); input must not hold the batch; no gradient */
  function histc(input: Tensor, bins?: number, min?: number, max?: number): Tensor;
  function histc(input: Tensor, bins?: number, min?: number, options?: { max?: number }): Tensor;
  function histc(input: Tensor, bins?: number, options?: { min?: number; max?: number }): Tensor;
  function histc(input: Tensor, options?: { bins?: number; min?: number; max?: number }): Tensor;
  function relu(x: Tensor, inplace?: boolean): Tensor;
  function relu(x: Tensor, options: { inplace?: boolean }): Tensor;
  /** torch.matmul, torch.mm (matrices), torch.bmm (3-D batches of matrices) */
  function matmul(input: Tensor, other: Tensor): Tensor;
  function matmul(input: Tensor, options: { other: Tensor }): Tensor;
  function mm(input: Tensor, other: Tensor): Tensor;
  function mm(input: Tensor, options: { other: Tensor }): Tensor;
  function bmm(input: Tensor, other: Tensor): Tensor;
  function bmm(input: Tensor, options: { other: Tensor }): Tensor;
  /** torch.norm: x.norm's arguments */
  function norm(x: Tensor, p?: number | "fro", dim?: number | readonly number[] | null, keepdim?: boolean, options?: { dtype?: "float32" | null }): Tensor;
  function norm(x: Tensor, p?: number | "fro", dim?: number | readonly number[] | null, options?: { keepdim?: boolean; dtype?: "float32" | null }): Tensor;
  function norm(x: Tensor, p?: number | "fro", options?: { dim?: number | readonly number[] | null; keepdim?: boolean; dtype?: "float32" | null }): Tensor;
  function norm(x: Tensor, options: { p?: number | "fro"; dim?: number | readonly number[] | null; keepdim?: boolean; dtype?: "float32" | null }): Tensor;
  function logicalXor(input: Tensor, other: Tensor): Tensor;
  function logicalXor(input: Tensor, options: { other: Tensor }): Tensor;
  /** torch.dot / vdot (Σ a·b of 1-D tensors), mv (matrix × vector), inner (Σ over the last dims of every pair of rows), trace, dist (‖a − b‖ₚ) */
  function dot(input: Tensor, other: Tensor): Tensor;
  function dot(input: Tensor, options: { other: Tensor }): Tensor;
  function vdot(input: Tensor, other: Tensor): Tensor;
  function vdot(input: Tensor, options: { other: Tensor }): Tensor;
  function mv(input: Tensor, vec: Tensor): Tensor;
  function mv(input: Tensor, options: { vec: Tensor }): Tensor;
  function inner(input: Tensor, other: Tensor): Tensor;
  function inner(input: Tensor, options: { other: Tensor }): Tensor;
  function trace(input: Tensor): Tensor;
  function dist(input: Tensor, other: Tensor, p?: number): Tensor;
  function dist(input: Tensor, other: Tensor, options?: { p?: number }): Tensor;
  function dist(input: Tensor, options: { other: Tensor; p?: number }): Tensor;
  /** torch.hstack, vstack (rowStack), dstack, columnStack: cats after PyTorch's rank rules */
  function hstack(tensors: readonly Tensor[]): Tensor;
  function vstack(tensors: readonly Tensor[]): Tensor;
  function rowStack(tensors: readonly Tensor[]): Tensor;
  function dstack(tensors: readonly Tensor[]): Tensor;
  function columnStack(tensors: readonly Tensor[]): Tensor;
  /** torch.rot90(x, k, dims): k quarter turns from dims[0] towards dims[1] */
  function rot90(input: Tensor, k?: number, dims?: readonly [number, number]): Tensor;
  function rot90(input: Tensor, k?: number, options?: { dims?: readonly [number, number] }): Tensor;
  function rot90(input: Tensor, options?: { k?: number; dims?: readonly [number, number] }): Tensor;
  /** torch.tensor_split: a number of sections (the first n mod s one longer) or the indices to cut at */
  function tensorSplit(input: Tensor, indicesOrSections: number | readonly number[], dim?: number): Tensor[];
  function tensorSplit(input: Tensor, options: { indicesOrSections: number | readonly number[]; dim?: number }): Tensor[];
  function tensorSplit(input: Tensor, indicesOrSections: number | readonly number[], options: { dim?: number }): Tensor[];
  function hsplit(input: Tensor, indicesOrSections: number | readonly number[]): Tensor[];
  function hsplit(input: Tensor, options: { indicesOrSections: number | readonly number[] }): Tensor[];
  function vsplit(input: Tensor, indicesOrSections: number | readonly number[]): Tensor[];
  function vsplit(input: Tensor, options: { indicesOrSections: number | readonly number[] }): Tensor[];
  function dsplit(input: Tensor, indicesOrSections: number | readonly number[]): Tensor[];
  function dsplit(input: Tensor, options: { indicesOrSections: number | readonly number[] }): Tensor[];
  function fliplr(input: Tensor): Tensor;
  function flipud(input: Tensor): Tensor;
  function kthvalue(input: Tensor, k: number, dim?: number, keepdim?: boolean): MaxResult;
  function kthvalue(input: Tensor, options: { k: number; dim?: number; keepdim?: boolean }): MaxResult;
  function kthvalue(input: Tensor, k: number, options: { dim?: number; keepdim?: boolean }): MaxResult;
  function kthvalue(input: Tensor, k: number, dim: number, options: { keepdim?: boolean }): MaxResult;
  function mode(input: Tensor, dim?: number, keepdim?: boolean): MaxResult;
  function mode(input: Tensor, options: { dim?: number; keepdim?: boolean }): MaxResult;
  function mode(input: Tensor, dim: number, options: { keepdim?: boolean }): MaxResult;
  function quantile(input: Tensor, q: number | readonly number[], dim?: number | null, keepdim?: boolean, interpolation?: "linear" | "lower" | "higher" | "midpoint" | "nearest"): Tensor;
  function quantile(input: Tensor, q: number | readonly number[], dim?: number | null, keepdim?: boolean, options?: { interpolation?: "linear" | "lower" | "higher" | "midpoint" | "nearest" }): Tensor;
  function quantile(input: Tensor, options: { q: number | readonly number[]; dim?: number | null; keepdim?: boolean; interpolation?: "linear" | "lower" | "higher" | "midpoint" | "nearest" }): Tensor;
  function quantile(input: Tensor, q: number | readonly number[], options: { dim?: number | null; keepdim?: boolean; interpolation?: "linear" | "lower" | "higher" | "midpoint" | "nearest" }): Tensor;
  function quantile(input: Tensor, q: number | readonly number[], dim: number | null, options: { keepdim?: boolean; interpolation?: "linear" | "lower" | "higher" | "midpoint" | "nearest" }): Tensor;
  function aminmax(input: Tensor, options?: { dim?: number | null; keepdim?: boolean }): { min: Tensor; max: Tensor; 0: Tensor; 1: Tensor } & [Tensor, Tensor];
  function nanmedian(input: Tensor): Tensor;
  function nanmedian(input: Tensor, dim: number, keepdim?: boolean): MaxResult;
  function nanmedian(input: Tensor, options: { dim: number; keepdim?: boolean }): MaxResult;
  function nanmedian(input: Tensor, dim: number, options: { keepdim?: boolean }): MaxResult;
  function nanquantile(input: Tensor, q: number | readonly number[], dim?: number | null, keepdim?: boolean, interpolation?: "linear" | "lower" | "higher" | "midpoint" | "nearest"): Tensor;
  function nanquantile(input: Tensor, q: number | readonly number[], dim?: number | null, keepdim?: boolean, options?: { interpolation?: "linear" | "lower" | "higher" | "midpoint" | "nearest" }): Tensor;
  function nanquantile(input: Tensor, options: { q: number | readonly number[]; dim?: number | null; keepdim?: boolean; interpolation?: "linear" | "lower" | "higher" | "midpoint" | "nearest" }): Tensor;
  function nanquantile(input: Tensor, q: number | readonly number[], options: { dim?: number | null; keepdim?: boolean; interpolation?: "linear" | "lower" | "higher" | "midpoint" | "nearest" }): Tensor;
  function nanquantile(input: Tensor, q: number | readonly number[], dim: number | null, options: { keepdim?: boolean; interpolation?: "linear" | "lower" | "higher" | "midpoint" | "nearest" }): Tensor;
  /** torch.diag_embed: the last dim on the offset diagonal of two new dims dim1 and dim2 (the last two by default) */
  function diagEmbed(input: Tensor, offset?: number, dim1?: number, dim2?: number): Tensor;
  function diagEmbed(input: Tensor, offset?: number, dim1?: number, options?: { dim2?: number }): Tensor;
  function diagEmbed(input: Tensor, offset?: number, options?: { dim1?: number; dim2?: number }): Tensor;
  function diagEmbed(input: Tensor, options: { offset?: number; dim1?: number; dim2?: number }): Tensor;
  /** torch.diagflat: the flattened input (no batch dim) on the offset diagonal of a square matrix. */
  function diagflat(input: Tensor, offset?: number): Tensor;
  function diagflat(input: Tensor, options: { offset?: number }): Tensor;
  /** torch.take: the input (no batch dim) read as 1-D at index; the result has index's shape. */
  function take(input: Tensor, index: Tensor<Shape, "int32">): Tensor;
  function take(input: Tensor, options: { index: Tensor<Shape, "int32"> }): Tensor;
  /** torch.put: a copy of the input (no batch dim) read as 1-D with source's elements written at index (summed with accumulate). */
  function put(input: Tensor, index: Tensor<Shape, "int32">, source: Tensor, accumulate?: boolean): Tensor;
  function put(input: Tensor, index: Tensor<Shape, "int32">, source: Tensor, options: { accumulate?: boolean }): Tensor;
  function put(input: Tensor, options: { index: Tensor<Shape, "int32">; source: Tensor; accumulate?: boolean }): Tensor;
  /** torch.atleast_1d/2d/3d: a tensor, or each of several, viewed with at least that many dims. */
  function atleast1d(tensor: Tensor): Tensor;
  function atleast1d(...tensors: Tensor[]): Tensor[];
  function atleast1d(tensors: readonly Tensor[]): Tensor[];
  function atleast2d(tensor: Tensor): Tensor;
  function atleast2d(...tensors: Tensor[]): Tensor[];
  function atleast2d(tensors: readonly Tensor[]): Tensor[];
  function atleast3d(tensor: Tensor): Tensor;
  function atleast3d(...tensors: Tensor[]): Tensor[];
  function atleast3d(tensors: readonly Tensor[]): Tensor[];
  /** torch.combinations: the r-element combinations of a 1-D fixed-size tensor's elements, as rows [count, r]. */
  function combinations(input: Tensor, r?: number, withReplacement?: boolean): Tensor;
  function combinations(input: Tensor, options: { r?: number; withReplacement?: boolean }): Tensor;
  function sliceScatter(input: Tensor, src: Tensor, dim?: number, start?: number | null, end?: number | null, step?: number): Tensor;
  function sliceScatter(input: Tensor, src: Tensor, dim?: number, start?: number | null, end?: number | null, options?: { step?: number }): Tensor;
  function sliceScatter(input: Tensor, src: Tensor, dim?: number, start?: number | null, options?: { end?: number | null; step?: number }): Tensor;
  function sliceScatter(input: Tensor, src: Tensor, dim?: number, options?: { start?: number | null; end?: number | null; step?: number }): Tensor;
  function sliceScatter(input: Tensor, options: { src: Tensor; dim?: number; start?: number | null; end?: number | null; step?: number }): Tensor;
  function sliceScatter(input: Tensor, src: Tensor, options: { dim?: number; start?: number | null; end?: number | null; step?: number }): Tensor;
  function selectScatter(input: Tensor, src: Tensor, dim: number, index: number): Tensor;
  function selectScatter(input: Tensor, src: Tensor, dim: number, options: { index: number }): Tensor;
  function selectScatter(input: Tensor, options: { src: Tensor; dim: number; index: number }): Tensor;
  function selectScatter(input: Tensor, src: Tensor, options: { dim: number; index: number }): Tensor;
  function diagonalScatter(input: Tensor, src: Tensor, offset?: number, dim1?: number, dim2?: number): Tensor;
  function diagonalScatter(input: Tensor, src: Tensor, offset?: number, dim1?: number, options?: { dim2?: number }): Tensor;
  function diagonalScatter(input: Tensor, src: Tensor, offset?: number, options?: { dim1?: number; dim2?: number }): Tensor;
  function diagonalScatter(input: Tensor, options: { src: Tensor; offset?: number; dim1?: number; dim2?: number }): Tensor;
  function diagonalScatter(input: Tensor, src: Tensor, options: { offset?: number; dim1?: number; dim2?: number }): Tensor;
  function matrixPower(input: Tensor, n: number): Tensor;
  function matrixPower(input: Tensor, options: { n: number }): Tensor;
  function i0(input: Tensor): Tensor;
  /** torch.fmax / fmin: NaN-ignoring maximum / minimum */
  function fmax(input: Tensor, other: Tensor): Tensor;
  function fmax(input: Tensor, options: { other: Tensor }): Tensor;
  function fmin(input: Tensor, other: Tensor): Tensor;
  function fmin(input: Tensor, options: { other: Tensor }): Tensor;
  /** sin(πx)/(πx), 1 at 0 */
  function sinc(input: Tensor): Tensor;
  /** torch.float_power: pow of float operands (int32 ones converted); PyTorch's float64 result is float32 here. */
  function floatPower(input: Tensor | number, exponent: Tensor | number): Tensor;
  function floatPower(input: Tensor | number, options: { exponent: Tensor | number }): Tensor;
  function logaddexp2(input: Tensor, other: Tensor | number): Tensor;
  function logaddexp2(input: Tensor, options: { other: Tensor | number }): Tensor;
  /** base ** linspace(start, end, steps) */
  function logspace(start: number, end: number, steps: number, base?: number, options?: { dtype?: "float32" | null; device?: unknown; requiresGrad?: boolean }): Tensor;
  function logspace(start: number, end: number, options: { steps: number; base?: number; dtype?: "float32" | null; device?: unknown; requiresGrad?: boolean }): Tensor;
  function logspace(start: number, options: { end: number; steps: number; base?: number; dtype?: "float32" | null; device?: unknown; requiresGrad?: boolean }): Tensor;
  function logspace(options: { start: number; end: number; steps: number; base?: number; dtype?: "float32" | null; device?: unknown; requiresGrad?: boolean }): Tensor;
  function logspace(start: number, end: number, steps: number, options: { base?: number; dtype?: "float32" | null; device?: unknown; requiresGrad?: boolean }): Tensor;
  /** torch's other names: acos, asin, atan, acosh, asinh, atanh; abs; neg; identity; div; trunc; expand */
  function arccos(input: Tensor): Tensor;
  function arcsin(input: Tensor): Tensor;
  function arctan(input: Tensor): Tensor;
  function arccosh(input: Tensor): Tensor;
  function arcsinh(input: Tensor): Tensor;
  function arctanh(input: Tensor): Tensor;
  function absolute(input: Tensor): Tensor;
  function negative(input: Tensor): Tensor;
  function positive(input: Tensor): Tensor;
  function trueDivide(input: Tensor, other: Tensor | number): Tensor;
  function trueDivide(input: Tensor, options: { other: Tensor | number }): Tensor;
  function fix(input: Tensor): Tensor;
  /** torch's other names: sign (of a real tensor); mul, sub, div; gt, ge, lt, le, ne; cat; movedim */
  function sgn(input: Tensor): Tensor;
  function multiply(input: Tensor, other: Tensor | number): Tensor;
  function multiply(input: Tensor, options: { other: Tensor | number }): Tensor;
  function subtract(input: Tensor, other: Tensor | number, options?: { alpha?: number }): Tensor;
  function subtract(input: Tensor, options: { other: Tensor | number; alpha?: number }): Tensor;
  function divide(input: Tensor, other: Tensor | number, options?: { roundingMode?: "floor" | "trunc" | null }): Tensor;
  function divide(input: Tensor, options: { other: Tensor | number; roundingMode?: "floor" | "trunc" | null }): Tensor;
  function greater(input: Tensor, other: Tensor | number): Tensor;
  function greater(input: Tensor, options: { other: Tensor | number }): Tensor;
  function greaterEqual(input: Tensor, other: Tensor | number): Tensor;
  function greaterEqual(input: Tensor, options: { other: Tensor | number }): Tensor;
  function less(input: Tensor, other: Tensor | number): Tensor;
  function less(input: Tensor, options: { other: Tensor | number }): Tensor;
  function lessEqual(input: Tensor, other: Tensor | number): Tensor;
  function lessEqual(input: Tensor, options: { other: Tensor | number }): Tensor;
  function notEqual(input: Tensor, other: Tensor | number): Tensor;
  function notEqual(input: Tensor, options: { other: Tensor | number }): Tensor;
  function concat(tensors: readonly Tensor[], dim?: number): Tensor;
  function concat(tensors: readonly Tensor[], options: { dim?: number }): Tensor;
  function concatenate(tensors: readonly Tensor[], dim?: number): Tensor;
  function concatenate(tensors: readonly Tensor[], options: { dim?: number }): Tensor;
  function moveaxis(input: Tensor, source: number, destination: number): Tensor;
  function moveaxis(input: Tensor, source: number, options: { destination: number }): Tensor;
  function moveaxis(input: Tensor, options: { source: number; destination: number }): Tensor;
  function deg2rad(input: Tensor): Tensor;
  function rad2deg(input: Tensor): Tensor;
  function broadcastTo(input: Tensor, size: readonly number[]): Tensor;
  /** torch.broadcast_tensors: each expanded to the shape they broadcast to */
  function broadcastTensors(...tensors: Tensor[]): Tensor[];
  /** torch.broadcast_shapes: the shape these shapes (x.shape, arrays of sizes, or one size) broadcast to, at compile time */
  function broadcastShapes(...shapes: (readonly number[] | number)[]): number[];
  /** torch.special: expit, erf, erfc, erfinv, exp2, expm1, log1p, logsumexp, logSoftmax, softmax, xlogy, sinc, logit, round, ndtr (Φ), entr (−x·ln x), gammaln, digamma/psi, polygamma, multigammaln */
  const special: {
    expit(input: Tensor): Tensor; erf(input: Tensor): Tensor; erfc(input: Tensor): Tensor; erfinv(input: Tensor): Tensor; exp2(input: Tensor): Tensor;
    expm1(input: Tensor): Tensor; log1p(input: Tensor): Tensor; logsumexp(input: Tensor, dim: number | readonly number[], keepdim?: boolean): Tensor;
    logsumexp(input: Tensor, dim: number | readonly number[], options: { keepdim?: boolean }): Tensor;
    logsumexp(input: Tensor, options: { dim: number | readonly number[]; keepdim?: boolean }): Tensor;
    logSoftmax(input: Tensor, dim: number, dtype?: DType): Tensor; softmax(input: Tensor, dim: number, dtype?: DType): Tensor;
    logSoftmax(input: Tensor, options: { dim: number; dtype?: DType }): Tensor; softmax(input: Tensor, options: { dim: number; dtype?: DType }): Tensor; xlogy(input: Tensor, other: Tensor | number): Tensor;
    xlogy(input: Tensor, options: { other: Tensor | number }): Tensor;
    sinc(input: Tensor): Tensor; logit(input: Tensor, eps?: number): Tensor; logit(input: Tensor, options?: { eps?: number }): Tensor; round(input: Tensor, options?: { decimals?: number }): Tensor; ndtr(input: Tensor): Tensor; entr(input: Tensor): Tensor;
    gammaln(input: Tensor): Tensor; digamma(input: Tensor): Tensor; psi(input: Tensor): Tensor; polygamma(n: number, input: Tensor): Tensor; multigammaln(input: Tensor, p: number): Tensor;
    polygamma(n: number, options: { input: Tensor }): Tensor; polygamma(options: { n: number; input: Tensor }): Tensor; multigammaln(input: Tensor, options: { p: number }): Tensor;
    /** Φ⁻¹, √2·erfinv(2p − 1) */
    ndtri(input: Tensor): Tensor;
    /** x·log1p(y), 0 where x = 0 (y not NaN) */
    xlog1py(input: Tensor | number, other: Tensor | number): Tensor;
    xlog1py(input: Tensor | number, options: { other: Tensor | number }): Tensor;
    /** The modified Bessel functions of orders 0 and 1, and their e^−|x|-scaled forms */
    i0(input: Tensor): Tensor; i0e(input: Tensor): Tensor; i1(input: Tensor): Tensor; i1e(input: Tensor): Tensor;
  };
  /** torch.bitwise_and / or / xor / not: on bool masks (a comparison's or logical op's result) the logical ops; with an integer the integers' bits (int32) */
  function bitwiseAnd(input: Tensor, other: Tensor | boolean | number): Tensor;
  function bitwiseAnd(input: Tensor, options: { other: Tensor | boolean | number }): Tensor;
  function bitwiseOr(input: Tensor, other: Tensor | boolean | number): Tensor;
  function bitwiseOr(input: Tensor, options: { other: Tensor | boolean | number }): Tensor;
  function bitwiseXor(input: Tensor, other: Tensor | boolean | number): Tensor;
  function bitwiseXor(input: Tensor, options: { other: Tensor | boolean | number }): Tensor;
  function bitwiseNot(input: Tensor): Tensor;
  /** torch.bitwise_left_shift / right_shift of integers (x << n, x >> n): x·2ⁿ and floor(x / 2ⁿ), as PyTorch's int64 (int32 here) */
  function bitwiseLeftShift(input: Tensor, other: Tensor | number): Tensor;
  function bitwiseLeftShift(input: Tensor, options: { other: Tensor | number }): Tensor;
  function bitwiseRightShift(input: Tensor, other: Tensor | number): Tensor;
  function bitwiseRightShift(input: Tensor, options: { other: Tensor | number }): Tensor;
  /** torch.roll: x.roll's arguments */
  function roll(x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor;
  function roll(x: Tensor, shifts: number | readonly number[], options?: { dims?: number | readonly number[] }): Tensor;
  function roll(x: Tensor, options: { shifts: number | readonly number[]; dims?: number | readonly number[] }): Tensor;
  /** F.layer_norm with the caller's weight and bias (each of the normalized shape, or null) */
  function layerNorm(x: Tensor, normalizedShape: number | readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps?: number): Tensor;
  function layerNorm(x: Tensor, normalizedShape: number | readonly number[], weight?: Tensor | null, bias?: Tensor | null, options?: { eps?: number }): Tensor;
  function layerNorm(x: Tensor, normalizedShape: number | readonly number[], weight?: Tensor | null, options?: { bias?: Tensor | null; eps?: number }): Tensor;
  function layerNorm(x: Tensor, options: { normalizedShape: number | readonly number[]; weight?: Tensor | null; bias?: Tensor | null; eps?: number }): Tensor;
  function layerNorm(x: Tensor, normalizedShape: number | readonly number[], options: { weight?: Tensor | null; bias?: Tensor | null; eps?: number }): Tensor;
  /** F.embedding: rows of a [numEmbeddings, embeddingDim] weight (a tied output layer's, say); paddingIdx's row gets no gradient; maxNorm renormalizes the looked-up rows of the weight (a module's parameter) in place first */
  function embedding(input: Tensor<Shape, "int32">, weight: Tensor, paddingIdx?: number | null, maxNorm?: number | null, normType?: number, scaleGradByFreq?: false, sparse?: boolean): Tensor;
  function embedding(input: Tensor<Shape, "int32">, options: { weight: Tensor; paddingIdx?: number | null; maxNorm?: number | null; normType?: number; scaleGradByFreq?: false; sparse?: boolean }): Tensor;
  function embedding(input: Tensor<Shape, "int32">, weight: Tensor, options: { paddingIdx?: number | null; maxNorm?: number | null; normType?: number; scaleGradByFreq?: false; sparse?: boolean }): Tensor;
  /** F.one_hot of int32 class indices: a float32 0/1 tensor with a last dim of numClasses (required: sizes are known at compile time); an index outside gives a row of zeros */
  function oneHot(x: Tensor<Shape, "int32">, numClasses: number): Tensor;
  function oneHot(x: Tensor<Shape, "int32">, options: { numClasses: number }): Tensor;
  /** Σ x1/max(‖x1‖, eps) · x2/max(‖x2‖, eps) along dim (default 1, eps 1e-8) */
  function cosineSimilarity(x1: Tensor, x2: Tensor, dim?: number, eps?: number): Tensor;
  function cosineSimilarity(x1: Tensor, x2: Tensor, dim?: number, options?: { eps?: number }): Tensor;
  function cosineSimilarity(x1: Tensor, options: { x2: Tensor; dim?: number; eps?: number }): Tensor;
  function cosineSimilarity(x1: Tensor, x2: Tensor, options: { dim?: number; eps?: number }): Tensor;
  /** a·σ(b) for the halves a, b of dim (default −1) */
  function glu(x: Tensor, dim?: number): Tensor;
  function glu(x: Tensor, options: { dim?: number }): Tensor;
  function gelu(x: Tensor, options?: { approximate?: "none" | "tanh" }): Tensor;
  function tanh(x: Tensor): Tensor;
  function sigmoid(x: Tensor): Tensor;
  function silu(x: Tensor, inplace?: boolean): Tensor;
  function silu(x: Tensor, options: { inplace?: boolean }): Tensor;
  /** x·min(max(x + 3, 0), 6)/6 */
  function hardswish(x: Tensor, inplace?: boolean): Tensor;
  function hardswish(x: Tensor, options: { inplace?: boolean }): Tensor;
  /** min(max(x + 3, 0), 6)/6 */
  function hardsigmoid(x: Tensor, inplace?: boolean): Tensor;
  function hardsigmoid(x: Tensor, options: { inplace?: boolean }): Tensor;
  /** min(max(x, 0), 6); the gradient 0 at 0 and 6, as PyTorch's */
  function relu6(x: Tensor, inplace?: boolean): Tensor;
  function relu6(x: Tensor, options: { inplace?: boolean }): Tensor;
  /** min(max(x, minVal), maxVal) (defaults −1, 1); the gradient only strictly inside */
  function hardtanh(x: Tensor, minVal?: number, maxVal?: number, inplace?: boolean): Tensor;
  function hardtanh(x: Tensor, minVal?: number, maxVal?: number, options?: { inplace?: boolean }): Tensor;
  function hardtanh(x: Tensor, minVal?: number, options?: { maxVal?: number; inplace?: boolean }): Tensor;
  function hardtanh(x: Tensor, options: { minVal?: number; maxVal?: number; inplace?: boolean }): Tensor;
  /** torch.clamp: min(max(x, min), max); either bound may be null; the gradient passes at the bounds */
  function clamp(x: Tensor, min?: Tensor | number | null, max?: Tensor | number | null): Tensor;
  function clamp(x: Tensor, min?: Tensor | number | null, options?: { max?: Tensor | number | null }): Tensor;
  function clamp(x: Tensor, options: { min?: Tensor | number | null; max?: Tensor | number | null }): Tensor;
  /** torch.clip, the same as clamp */
  function clip(x: Tensor, min?: Tensor | number | null, max?: Tensor | number | null): Tensor;
  function clip(x: Tensor, min?: Tensor | number | null, options?: { max?: Tensor | number | null }): Tensor;
  function clip(x: Tensor, options: { min?: Tensor | number | null; max?: Tensor | number | null }): Tensor;
  /** torch.maximum / torch.minimum: elementwise, broadcast; a tie gives each half the gradient. Tensors only, as PyTorch's: a number bound is x.clamp({ min }) / clamp({ max }). */
  function maximum(input: Tensor, other: Tensor): Tensor;
  function maximum(input: Tensor, options: { other: Tensor }): Tensor;
  function minimum(input: Tensor, other: Tensor): Tensor;
  function minimum(input: Tensor, options: { other: Tensor }): Tensor;
  /** x > 0 ? x : α·(eˣ − 1) (α = 1) */
  function elu(x: Tensor, alpha?: number, inplace?: boolean): Tensor;
  function elu(x: Tensor, alpha?: number, options?: { inplace?: boolean }): Tensor;
  function elu(x: Tensor, options: { alpha?: number; inplace?: boolean }): Tensor;
  /** scale·elu(x, α) with PyTorch's constants */
  function selu(x: Tensor, inplace?: boolean): Tensor;
  function selu(x: Tensor, options: { inplace?: boolean }): Tensor;
  /** x > 0 ? x : α·(e^(x/α) − 1) (α = 1) */
  function celu(x: Tensor, alpha?: number, inplace?: boolean): Tensor;
  function celu(x: Tensor, alpha?: number, options?: { inplace?: boolean }): Tensor;
  function celu(x: Tensor, options: { alpha?: number; inplace?: boolean }): Tensor;
  /** x / (1 + |x|) */
  function softsign(x: Tensor): Tensor;
  /** log(sigmoid(x)), as min(x, 0) − log1p(e^−|x|) */
  function logsigmoid(x: Tensor): Tensor;
  /** torch.logsumexp(x, dim, keepdim) */
  function logsumexp(x: Tensor, dim: number | readonly number[], keepdim?: boolean): Tensor;
  function logsumexp(x: Tensor, options: { dim: number | readonly number[]; keepdim?: boolean }): Tensor;
  function logsumexp(x: Tensor, dim: number | readonly number[], options: { keepdim?: boolean }): Tensor;
  /** torch.renorm(x, p, dim, maxnorm): each slice along dim whose p-norm exceeds maxnorm scaled to it, by maxnorm / (norm + 1e-7) (braindecode's max-norm constraint on a weight). */
  function renorm(x: Tensor, p: number, dim: number, maxnorm: number): Tensor;
  function renorm(x: Tensor, options: { p: number; dim: number; maxnorm: number }): Tensor;
  /** torch.std over dim (any dims, the batch's too); unbiased (correction 1) by default. torch.var is F.var, with the same arguments (declared below) */
  /** torch.std(x): over every element, unbiased */
  function std(x: Tensor): Tensor;
  /** torch.std(x, unbiased): PyTorch's deprecated overload, over every element (x.std(false) likewise) */
  function std(x: Tensor, unbiased: boolean): Tensor;
  function std(x: Tensor, dim: number | readonly number[], unbiased?: boolean, keepdim?: boolean): Tensor;
  function std(x: Tensor, dim: number | readonly number[], unbiased?: boolean, options?: { keepdim?: boolean }): Tensor;
  function std(x: Tensor, dim: number | readonly number[], options?: { unbiased?: boolean; keepdim?: boolean }): Tensor;
  function std(x: Tensor, options: { dim: number | readonly number[]; unbiased?: boolean; keepdim?: boolean }): Tensor;
  function std(x: Tensor, dim: number | readonly number[], options: { unbiased?: boolean; keepdim?: boolean; correction?: number }): Tensor;
  function std(x: Tensor, options: { dim: number | readonly number[]; unbiased?: boolean; keepdim?: boolean; correction?: number }): Tensor;
  /** x / max(‖x‖ₚ, eps) along dim (any p ≥ 1 and Infinity; defaults p 2, dim 1, eps 1e-12) */
  function normalize(x: Tensor, p?: number, dim?: number, eps?: number): Tensor;
  function normalize(x: Tensor, p?: number, dim?: number, options?: { eps?: number }): Tensor;
  function normalize(x: Tensor, p?: number, options?: { dim?: number; eps?: number }): Tensor;
  function normalize(x: Tensor, options: { p?: number; dim?: number; eps?: number }): Tensor;
  /** log(1 + e^(βx))/β, and x where βx > threshold (PyTorch's defaults: β = 1, threshold 20; β may be negative, not 0) */
  function softplus(x: Tensor, beta?: number, threshold?: number): Tensor;
  function softplus(x: Tensor, beta?: number, options?: { threshold?: number }): Tensor;
  function softplus(x: Tensor, options: { beta?: number; threshold?: number }): Tensor;
  /** x·tanh(softplus(x)) */
  function mish(x: Tensor, inplace?: boolean): Tensor;
  function mish(x: Tensor, options: { inplace?: boolean }): Tensor;
  function leakyRelu(x: Tensor, negativeSlope?: number, inplace?: boolean): Tensor;
  function leakyRelu(x: Tensor, negativeSlope?: number, options?: { inplace?: boolean }): Tensor;
  function leakyRelu(x: Tensor, options: { negativeSlope?: number; inplace?: boolean }): Tensor;
  /** F.rrelu: slopes drawn from U(lower, upper) when training is true (this.training), else their mean */
  function rrelu(x: Tensor, lower?: number, upper?: number, training?: boolean, inplace?: boolean): Tensor;
  function rrelu(x: Tensor, lower?: number, upper?: number, training?: boolean, options?: { inplace?: boolean }): Tensor;
  function rrelu(x: Tensor, lower?: number, upper?: number, options?: { training?: boolean; inplace?: boolean }): Tensor;
  function rrelu(x: Tensor, lower?: number, options?: { upper?: number; training?: boolean; inplace?: boolean }): Tensor;
  function rrelu(x: Tensor, options: { lower?: number; upper?: number; training?: boolean; inplace?: boolean }): Tensor;
  function softmax(x: Tensor, dim?: number | null, options?: { dtype?: DType }): Tensor;
  function softmax(x: Tensor, options: { dim?: number | null; dtype?: DType }): Tensor;
  function logSoftmax(x: Tensor, dim?: number | null, options?: { dtype?: DType }): Tensor;
  function logSoftmax(x: Tensor, options: { dim?: number | null; dtype?: DType }): Tensor;
  function softmin(x: Tensor, dim?: number | null, options?: { dtype?: "float32" }): Tensor;
  function softmin(x: Tensor, options: { dim?: number | null; dtype?: "float32" }): Tensor;
  function tanhshrink(x: Tensor): Tensor;
  function hardshrink(x: Tensor, lambd?: number): Tensor;
  function hardshrink(x: Tensor, options?: { lambd?: number }): Tensor;
  function softshrink(x: Tensor, lambd?: number): Tensor;
  function softshrink(x: Tensor, options?: { lambd?: number }): Tensor;
  function threshold(x: Tensor, threshold: number, value: number, inplace?: boolean): Tensor;
  function threshold(x: Tensor, threshold: number, value: number, options?: { inplace?: boolean }): Tensor;
  function threshold(x: Tensor, threshold: number, options: { value: number; inplace?: boolean }): Tensor;
  function threshold(x: Tensor, options: { threshold: number; value: number; inplace?: boolean }): Tensor;
  /** x where x > 0, else weight·x; weight [1] or one per channel of dim 1 */
  function prelu(x: Tensor, weight: Tensor): Tensor;
  function prelu(x: Tensor, options: { weight: Tensor }): Tensor;
  /** torch.pow(x, exponent): a number or tensor exponent (broadcast), or a number base with a tensor exponent (torch.pow(2, t)) */
  function pow(x: Tensor | number, exponent: number | Tensor): Tensor;
  function pow(x: Tensor | number, options: { exponent: number | Tensor }): Tensor;
  /** torch.outer of two 1-D tensors */
  function outer(input: Tensor, vec2: Tensor): Tensor;
  function outer(input: Tensor, options: { vec2: Tensor }): Tensor;
  /** torch.ger: outer's old name. */
  function ger(input: Tensor, vec2: Tensor): Tensor;
  function ger(input: Tensor, options: { vec2: Tensor }): Tensor;
  /** torch.kron: the Kronecker product of two fixed-size tensors (the lower rank padded with leading 1s). */
  function kron(input: Tensor, other: Tensor): Tensor;
  function kron(input: Tensor, options: { other: Tensor }): Tensor;
  /** torch.block_diag: 2-D blocks (1-D ones as rows) on the diagonal, zeros elsewhere. */
  function blockDiag(...tensors: Tensor[]): Tensor;
  /** torch.tensordot: dims n (a's last n against b's first n, default 2) or two lists of dims; a's free dims, then b's. */
  function tensordot(a: Tensor, b: Tensor, dims?: number | readonly [number | readonly number[], number | readonly number[]]): Tensor;
  function tensordot(a: Tensor, options: { b: Tensor; dims?: number | readonly [number | readonly number[], number | readonly number[]] }): Tensor;
  function tensordot(a: Tensor, b: Tensor, options: { dims?: number | readonly [number | readonly number[], number | readonly number[]] }): Tensor;
  /** torch.trapezoid (and its old name trapz): the trapezoid rule along dim, with sample points x or a spacing dx (default 1). */
  function trapezoid(y: Tensor, x?: Tensor | null, options?: { dx?: number | null; dim?: number }): Tensor;
  function trapezoid(y: Tensor, options: { x?: Tensor | null; dx?: number | null; dim?: number }): Tensor;
  function trapz(y: Tensor, x?: Tensor | number | null, options?: { dx?: number | null; dim?: number }): Tensor;
  function trapz(y: Tensor, options?: { x?: Tensor | number | null; dx?: number | null; dim?: number }): Tensor;
  function trapz(y: Tensor, options: { x?: Tensor | null; dx?: number | null; dim?: number }): Tensor;
  /** torch.heaviside: 0 below 0, values at 0, 1 above (no gradient). */
  function heaviside(input: Tensor, values: Tensor | number): Tensor;
  function heaviside(input: Tensor, options: { values: Tensor | number }): Tensor;
  /**
   * torch.fake_quantize_per_tensor_affine (quantization-aware training): (clamp(round(x / scale) +
   * zeroPoint, quantMin, quantMax) − zeroPoint) · scale; the gradient passes where the value was not
   * clamped (straight-through), none reaches scale or zeroPoint. Both a number or a one-element tensor.
   */
  function fakeQuantizePerTensorAffine(input: Tensor, scale: number | Tensor, zeroPoint: number | Tensor, quantMin: number, quantMax: number): Tensor;
  function fakeQuantizePerTensorAffine(input: Tensor, options: { scale: number | Tensor; zeroPoint: number | Tensor; quantMin: number; quantMax: number }): Tensor;
  /** torch.fake_quantize_per_channel_affine: the same with one scale and zero point per index of `axis` (1-D tensors). */
  function fakeQuantizePerChannelAffine(input: Tensor, scale: Tensor, zeroPoint: Tensor, axis: number, quantMin: number, quantMax: number): Tensor;
  function fakeQuantizePerChannelAffine(input: Tensor, options: { scale: Tensor; zeroPoint: Tensor; axis: number; quantMin: number; quantMax: number }): Tensor;
  /** Running sums along a fixed-size dim: torch.cumsum. */
  /** dtype: the input converted first (DETR's not_mask.cumsum(1, dtype=torch.float32)) */
  function cumsum(x: Tensor, dim: number, options?: { dtype?: DType | "int64" | null }): Tensor;
  function cumsum(x: Tensor, options: { dim: number; dtype?: DType | "int64" | null }): Tensor;
  function cumprod(x: Tensor, dim: number, options?: { dtype?: DType | "int64" | null }): Tensor;
  function cumprod(x: Tensor, options: { dim: number; dtype?: DType | "int64" | null }): Tensor;
  function diagonal(x: Tensor, offset?: number, dim1?: number, dim2?: number): Tensor;
  function diagonal(x: Tensor, offset?: number, dim1?: number, options?: { dim2?: number }): Tensor;
  function diagonal(x: Tensor, offset?: number, options?: { dim1?: number; dim2?: number }): Tensor;
  function diagonal(x: Tensor, options?: { offset?: number; dim1?: number; dim2?: number }): Tensor;
  /** torch.cross: without dim, the first dim of size 3 (as PyTorch's; torch.linalg.cross takes the last). */
  function cross(x: Tensor, other: Tensor, dim?: number | null): Tensor;
  function cross(x: Tensor, options: { other: Tensor; dim?: number | null }): Tensor;
  function cross(x: Tensor, other: Tensor, options: { dim?: number | null }): Tensor;
  function isclose(x: Tensor, other: Tensor, options?: { rtol?: number; atol?: number; equalNan?: boolean }): Tensor;
  function isclose(x: Tensor, options: { other: Tensor; rtol?: number; atol?: number; equalNan?: boolean }): Tensor;
  /** In forward: integers uniform in [low, high) (low 0 when left out), int32, drawn afresh each call; the size may name the batch. */
  function randint(high: number, size: readonly number[], options?: { dtype?: "int32" | "int64" | "float32"; device?: unknown }): Tensor<Shape, "int32">;
  function randint(high: number, options: { size: readonly number[]; dtype?: "int32" | "int64" | "float32"; device?: unknown }): Tensor<Shape, "int32">;
  function randint(options: { high: number; size: readonly number[]; dtype?: "int32" | "int64" | "float32"; device?: unknown }): Tensor<Shape, "int32">;
  function randint(low: number, high: number, size: readonly number[], options?: { dtype?: "int32" | "int64" | "float32"; device?: unknown }): Tensor<Shape, "int32">;
  function randint(low: number, high: number, options: { size: readonly number[]; dtype?: "int32" | "int64" | "float32"; device?: unknown }): Tensor<Shape, "int32">;
  function randint(options: { low: number; high: number; size: readonly number[]; dtype?: "int32" | "int64" | "float32"; device?: unknown }): Tensor<Shape, "int32">;
  /** torch.randint(low, high=…, size=…) */
  function randint(low: number, options: { high: number; size: readonly number[]; dtype?: "int32" | "int64" | "float32"; device?: unknown }): Tensor<Shape, "int32">;
  /** torch.randint_like: randint over input's shape, in input's dtype (float32: whole numbers) unless dtype says. */
  function randintLike(input: Tensor, high: number, options?: { dtype?: "float32" | "int32" | "int64"; device?: unknown }): Tensor;
  function randintLike(input: Tensor, options: { high: number; dtype?: "float32" | "int32" | "int64"; device?: unknown }): Tensor;
  function randintLike(input: Tensor, low: number, high: number, options?: { dtype?: "float32" | "int32" | "int64"; device?: unknown }): Tensor;
  function randintLike(input: Tensor, options: { low: number; high: number; dtype?: "float32" | "int32" | "int64"; device?: unknown }): Tensor;
  /** torch.randint_like(input, low, high=…) */
  function randintLike(input: Tensor, low: number, options: { high: number; dtype?: "float32" | "int32" | "int64"; device?: unknown }): Tensor;
  /** In forward: a random order of 0 … n − 1 (int32), drawn afresh each call. */
  function randperm(n: number, options?: { dtype?: "int32" | "int64" | "float32"; device?: unknown }): Tensor<Shape, "int32">;
  function randperm(options: { n: number; dtype?: "int32" | "int64" | "float32"; device?: unknown }): Tensor<Shape, "int32">;
  /** torch.linalg: vector norms (ord 2, 1, ±Infinity, 0, any p ≥ 1), norm of vectors or matrices, matrixNorm "fro", ±1, ±Infinity; cross. */
  namespace linalg {
    /** Square matrices [..., n, n]: the inverse, the determinant, and (sign, log|det|) */
    function inv(A: Tensor): Tensor;
    function det(A: Tensor): Tensor;
    function slogdet(A: Tensor): SlogdetResult;
    /** X with A·X = B (left) or X·A = B (left false), by A's inverse; B [..., n, k], or [n] a vector. */
    function solve(A: Tensor, B: Tensor, options?: { left?: boolean }): Tensor;
    function solve(A: Tensor, options: { B: Tensor; left?: boolean }): Tensor;
    /** QR of [..., m, n]: "reduced" (the default), "complete" (m ≤ n only), or "r" (R alone). */
    function qr(A: Tensor, mode?: "reduced" | "complete"): QrResult;
    function qr(A: Tensor, mode: "r"): { readonly R: Tensor };
    function qr(A: Tensor, options: { mode: "r" }): { readonly R: Tensor };
    function qr(A: Tensor, options: { mode?: "reduced" | "complete" }): QrResult;
    function vectorNorm(x: Tensor, ord?: number | "fro", dim?: number | readonly number[] | null, keepdim?: boolean): Tensor;
    function vectorNorm(x: Tensor, options?: { ord?: number | "fro"; dim?: number | readonly number[] | null; keepdim?: boolean }): Tensor;
    function vectorNorm(x: Tensor, ord: number | "fro", options: { dim?: number | readonly number[] | null; keepdim?: boolean }): Tensor;
    function vectorNorm(x: Tensor, ord: number | "fro", dim: number | readonly number[] | null, options: { keepdim?: boolean }): Tensor;
    function norm(x: Tensor, ord?: number | "fro" | null, dim?: number | readonly number[] | null, keepdim?: boolean): Tensor;
    function norm(x: Tensor, ord?: number | "fro" | null, dim?: number | readonly number[] | null, options?: { keepdim?: boolean }): Tensor;
    function norm(x: Tensor, ord?: number | "fro" | null, options?: { dim?: number | readonly number[] | null; keepdim?: boolean }): Tensor;
    function norm(x: Tensor, options: { ord?: number | "fro" | null; dim?: number | readonly number[] | null; keepdim?: boolean }): Tensor;
    /** "fro", or ord ±1 (largest/smallest column sum of |x|), ±Infinity (row sum) */
    function matrixNorm(x: Tensor, ord?: "fro" | number, dim?: readonly [number, number], keepdim?: boolean): Tensor;
    function matrixNorm(x: Tensor, options?: { ord?: "fro" | number; dim?: readonly [number, number]; keepdim?: boolean }): Tensor;
    function matrixNorm(x: Tensor, ord: "fro" | number, options: { dim?: readonly [number, number]; keepdim?: boolean }): Tensor;
    function matrixNorm(x: Tensor, ord: "fro" | number, dim: readonly [number, number], options: { keepdim?: boolean }): Tensor;
    /** torch.linalg.cross: the cross product of 3-vectors along dim (the last by default). */
    function cross(x: Tensor, other: Tensor, dim?: number): Tensor;
    function cross(x: Tensor, options: { other: Tensor; dim?: number }): Tensor;
    function cross(x: Tensor, other: Tensor, options: { dim?: number }): Tensor;
    /** A·B·…·Z of two or more matrices; the first may be a 1-D row vector, the last a 1-D column vector. */
    function multiDot(tensors: readonly Tensor[]): Tensor;
    /** Σ x·y along dim (the last by default), x and y broadcast together. */
    function vecdot(x: Tensor, y: Tensor, dim?: number): Tensor;
    function vecdot(x: Tensor, options: { y: Tensor; dim?: number }): Tensor;
    function vecdot(x: Tensor, y: Tensor, options: { dim?: number }): Tensor;
    /** Square matrices [..., n, n] to the power n: the identity at 0, the inverse's powers below 0. */
    function matrixPower(A: Tensor, n: number): Tensor;
    function matrixPower(A: Tensor, options: { n: number }): Tensor;
  }
  function prod(x: Tensor, dim?: number, keepdim?: boolean, options?: { dtype?: DType | "int64" | null }): Tensor;
  function prod(x: Tensor, options: { dim?: number; keepdim?: boolean; dtype?: DType | "int64" | null }): Tensor;
  function prod(x: Tensor, dim: number, options: { keepdim?: boolean; dtype?: DType | "int64" | null }): Tensor;
  function logcumsumexp(x: Tensor, dim: number): Tensor;
  function logcumsumexp(x: Tensor, options: { dim: number }): Tensor;
  function cummax(x: Tensor, dim: number): MaxResult;
  function cummax(x: Tensor, options: { dim: number }): MaxResult;
  function cummin(x: Tensor, dim: number): MaxResult;
  function cummin(x: Tensor, options: { dim: number }): MaxResult;
  /**
   * PyTorch's `with torch.no_grad():` block, as a function run at once: in forward what it returns
   * carries no gradient; in a constructor it only runs (parameter copies are initial values).
   */
  function noGrad<T>(fn: () => T): T;
  /**
   * PyTorch's `with torch.autocast(device_type, dtype=…, enabled=…):` block, as a function run at once.
   * With `enabled: false` (a float32 island in a mixed-precision model) the block is its code: tsdp
   * computes in float32. An enabled block is refused: compile with tsdp compile --precision bf16 instead.
   */
  function autocast<T>(deviceType: "cuda" | "cpu", options: { dtype?: "float16" | "bfloat16" | "float32" | DType | null; enabled?: boolean; cacheEnabled?: boolean | null }, fn: () => T): T;
  function autocast<T>(deviceType: "cuda" | "cpu", fn: () => T): T;
  /**
   * As a method decorator, PyTorch's `@torch.no_grad()`: `@F.noGrad() update() { … }` runs each
   * call of the method as the block above (an EMA teacher's forward, a sampling method).
   */
  function noGrad(): <M extends (...args: any[]) => any>(method: M, context: ClassMethodDecoratorContext) => M;
  /**
   * torch.utils.checkpoint.checkpoint(fn, *args): fn(...args), the same values and gradients
   * (PyTorch recomputes the block's activations in the backward to save memory; tsdp's step keeps
   * what its backward reads). A trailing { useReentrant, preserveRngState } is accepted.
   */
  function checkpoint<R>(fn: (...args: any[]) => R, ...args: unknown[]): R;
  /**
   * torch.utils.checkpoint.checkpoint_sequential(functions, segments, input): the modules of an
   * nn.Sequential (or an array of modules and functions) run in order on input — the same values
   * and gradients; segments (1 … their count) only says how PyTorch recomputes. A trailing
   * { useReentrant } is accepted.
   */
  function checkpointSequential(functions: nn.Sequential | readonly ((x: any) => any)[], segments: number, input: Tensor, options?: { useReentrant?: boolean; preserveRngState?: boolean }): Tensor;
  function checkpointSequential(functions: nn.Sequential | readonly ((x: any) => any)[], options: { segments: number; input: Tensor; useReentrant?: boolean; preserveRngState?: boolean }): Tensor;
  /** As in PyTorch, `training` defaults to true: pass `this.training` to follow the mode. */
  function dropout(x: Tensor, p?: number, training?: boolean, inplace?: boolean): Tensor;
  function dropout(x: Tensor, p?: number, training?: boolean, options?: { inplace?: boolean }): Tensor;
  function dropout(x: Tensor, p?: number, options?: { training?: boolean; inplace?: boolean }): Tensor;
  function dropout(x: Tensor, options: { p?: number; training?: boolean; inplace?: boolean }): Tensor;
  function dropout1d(x: Tensor, p?: number, training?: boolean, inplace?: boolean): Tensor;
  function dropout1d(x: Tensor, p?: number, training?: boolean, options?: { inplace?: boolean }): Tensor;
  function dropout1d(x: Tensor, p?: number, options?: { training?: boolean; inplace?: boolean }): Tensor;
  function dropout1d(x: Tensor, options: { p?: number; training?: boolean; inplace?: boolean }): Tensor;
  function dropout2d(x: Tensor, p?: number, training?: boolean, inplace?: boolean): Tensor;
  function dropout2d(x: Tensor, p?: number, training?: boolean, options?: { inplace?: boolean }): Tensor;
  function dropout2d(x: Tensor, p?: number, options?: { training?: boolean; inplace?: boolean }): Tensor;
  function dropout3d(x: Tensor, p?: number, training?: boolean, inplace?: boolean): Tensor;
  function dropout3d(x: Tensor, p?: number, training?: boolean, options?: { inplace?: boolean }): Tensor;
  function dropout3d(x: Tensor, p?: number, options?: { training?: boolean; inplace?: boolean }): Tensor;
  function dropout3d(x: Tensor, options: { p?: number; training?: boolean; inplace?: boolean }): Tensor;
  /** PyTorch's F.alpha_dropout (training false by default, as PyTorch's): see nn.AlphaDropout. */
  function alphaDropout(x: Tensor, p?: number, training?: boolean, inplace?: boolean): Tensor;
  function alphaDropout(x: Tensor, p?: number, training?: boolean, options?: { inplace?: boolean }): Tensor;
  function alphaDropout(x: Tensor, p?: number, options?: { training?: boolean; inplace?: boolean }): Tensor;
  function alphaDropout(x: Tensor, options: { p?: number; training?: boolean; inplace?: boolean }): Tensor;
  function featureAlphaDropout(x: Tensor, p?: number, training?: boolean, inplace?: boolean): Tensor;
  function featureAlphaDropout(x: Tensor, p?: number, training?: boolean, options?: { inplace?: boolean }): Tensor;
  function featureAlphaDropout(x: Tensor, p?: number, options?: { training?: boolean; inplace?: boolean }): Tensor;
  function featureAlphaDropout(x: Tensor, options: { p?: number; training?: boolean; inplace?: boolean }): Tensor;
  function bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias?: Tensor | null): Tensor;
  function bilinear(input1: Tensor, input2: Tensor, weight: Tensor, options?: { bias?: Tensor | null }): Tensor;
  function bilinear(input1: Tensor, input2: Tensor, options: { weight: Tensor; bias?: Tensor | null }): Tensor;
  function bilinear(input1: Tensor, options: { input2: Tensor; weight: Tensor; bias?: Tensor | null }): Tensor;
  interface WindowOptions { dilation?: Size2; padding?: Size2; stride?: Size2 }
  /** F.conv_transpose2d / conv_transpose1d of any weight [in, out/groups, k…]. */
  function convTranspose2d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: Size2, padding?: Size2, outputPadding?: Size2, groups?: number, dilation?: Size2): Tensor;
  function convTranspose2d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: Size2, padding?: Size2, outputPadding?: Size2, groups?: number, options?: { dilation?: Size2 }): Tensor;
  function convTranspose2d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: Size2, padding?: Size2, outputPadding?: Size2, options?: { groups?: number; dilation?: Size2 }): Tensor;
  function convTranspose2d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: Size2, padding?: Size2, options?: { outputPadding?: Size2; groups?: number; dilation?: Size2 }): Tensor;
  function convTranspose2d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: Size2, options?: { padding?: Size2; outputPadding?: Size2; groups?: number; dilation?: Size2 }): Tensor;
  function convTranspose2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: { stride?: Size2; padding?: Size2; outputPadding?: Size2; groups?: number; dilation?: Size2 }): Tensor;
  function convTranspose2d(input: Tensor, weight: Tensor, options?: { bias?: Tensor | null; stride?: Size2; padding?: Size2; outputPadding?: Size2; groups?: number; dilation?: Size2 }): Tensor;
  function convTranspose2d(input: Tensor, options: { weight: Tensor; bias?: Tensor | null; stride?: Size2; padding?: Size2; outputPadding?: Size2; groups?: number; dilation?: Size2 }): Tensor;
  /** [N, C, D, H, W] with a weight [in, out/groups, kD, kH, kW]: nn.ConvTranspose3d's composition of any weight. */
  function convTranspose3d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: nn.Size3, padding?: nn.Size3, outputPadding?: nn.Size3, groups?: number, dilation?: nn.Size3): Tensor;
  function convTranspose3d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: nn.Size3, padding?: nn.Size3, outputPadding?: nn.Size3, groups?: number, options?: { dilation?: nn.Size3 }): Tensor;
  function convTranspose3d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: nn.Size3, padding?: nn.Size3, outputPadding?: nn.Size3, options?: { groups?: number; dilation?: nn.Size3 }): Tensor;
  function convTranspose3d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: nn.Size3, padding?: nn.Size3, options?: { outputPadding?: nn.Size3; groups?: number; dilation?: nn.Size3 }): Tensor;
  function convTranspose3d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: nn.Size3, options?: { padding?: nn.Size3; outputPadding?: nn.Size3; groups?: number; dilation?: nn.Size3 }): Tensor;
  function convTranspose3d(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: { stride?: nn.Size3; padding?: nn.Size3; outputPadding?: nn.Size3; groups?: number; dilation?: nn.Size3 }): Tensor;
  function convTranspose3d(input: Tensor, weight: Tensor, options?: { bias?: Tensor | null; stride?: nn.Size3; padding?: nn.Size3; outputPadding?: nn.Size3; groups?: number; dilation?: nn.Size3 }): Tensor;
  function convTranspose3d(input: Tensor, options: { weight: Tensor; bias?: Tensor | null; stride?: nn.Size3; padding?: nn.Size3; outputPadding?: nn.Size3; groups?: number; dilation?: nn.Size3 }): Tensor;
  function convTranspose1d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: Size1, padding?: Size1, outputPadding?: Size1, groups?: number, dilation?: Size1): Tensor;
  function convTranspose1d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: Size1, padding?: Size1, outputPadding?: Size1, groups?: number, options?: { dilation?: Size1 }): Tensor;
  function convTranspose1d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: Size1, padding?: Size1, outputPadding?: Size1, options?: { groups?: number; dilation?: Size1 }): Tensor;
  function convTranspose1d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: Size1, padding?: Size1, options?: { outputPadding?: Size1; groups?: number; dilation?: Size1 }): Tensor;
  function convTranspose1d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: Size1, options?: { padding?: Size1; outputPadding?: Size1; groups?: number; dilation?: Size1 }): Tensor;
  function convTranspose1d(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: { stride?: Size1; padding?: Size1; outputPadding?: Size1; groups?: number; dilation?: Size1 }): Tensor;
  function convTranspose1d(input: Tensor, weight: Tensor, options?: { bias?: Tensor | null; stride?: Size1; padding?: Size1; outputPadding?: Size1; groups?: number; dilation?: Size1 }): Tensor;
  function convTranspose1d(input: Tensor, options: { weight: Tensor; bias?: Tensor | null; stride?: Size1; padding?: Size1; outputPadding?: Size1; groups?: number; dilation?: Size1 }): Tensor;
  /** Each sample's channel normalized over its positions (no running statistics). */
  function instanceNorm(input: Tensor, runningMean?: null, runningVar?: null, weight?: Tensor | null, bias?: Tensor | null, useInputStats?: true, momentum?: number, eps?: number): Tensor;
  function instanceNorm(input: Tensor, runningMean?: null, runningVar?: null, weight?: Tensor | null, bias?: Tensor | null, useInputStats?: true, momentum?: number, options?: { eps?: number }): Tensor;
  function instanceNorm(input: Tensor, runningMean?: null, runningVar?: null, weight?: Tensor | null, bias?: Tensor | null, useInputStats?: true, options?: { momentum?: number; eps?: number }): Tensor;
  function instanceNorm(input: Tensor, runningMean?: null, runningVar?: null, weight?: Tensor | null, bias?: Tensor | null, options?: { useInputStats?: true; momentum?: number; eps?: number }): Tensor;
  function instanceNorm(input: Tensor, runningMean?: null, runningVar?: null, weight?: Tensor | null, options?: { bias?: Tensor | null; useInputStats?: true; momentum?: number; eps?: number }): Tensor;
  function instanceNorm(input: Tensor, runningMean?: null, runningVar?: null, options?: { weight?: Tensor | null; bias?: Tensor | null; useInputStats?: true; momentum?: number; eps?: number }): Tensor;
  function instanceNorm(input: Tensor, runningMean?: null, options?: { runningVar?: null; weight?: Tensor | null; bias?: Tensor | null; useInputStats?: true; momentum?: number; eps?: number }): Tensor;
  function instanceNorm(input: Tensor, options?: { runningMean?: null; runningVar?: null; weight?: Tensor | null; bias?: Tensor | null; useInputStats?: true; momentum?: number; eps?: number }): Tensor;
  /**
   * torch.nn.functional.batch_norm: in training (true or this.training) or without running
   * statistics, the batch's per channel; running statistics given are updated in place in training
   * (a module's buffers persist), and normalize in eval.
   */
  function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight?: Tensor | null, bias?: Tensor | null, training?: boolean, momentum?: number, eps?: number): Tensor;
  function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight?: Tensor | null, bias?: Tensor | null, training?: boolean, momentum?: number, options?: { eps?: number }): Tensor;
  function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight?: Tensor | null, bias?: Tensor | null, training?: boolean, options?: { momentum?: number; eps?: number }): Tensor;
  function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight?: Tensor | null, bias?: Tensor | null, options?: { training?: boolean; momentum?: number; eps?: number }): Tensor;
  function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight?: Tensor | null, options?: { bias?: Tensor | null; training?: boolean; momentum?: number; eps?: number }): Tensor;
  function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options?: { weight?: Tensor | null; bias?: Tensor | null; training?: boolean; momentum?: number; eps?: number }): Tensor;
  function batchNorm(input: Tensor, runningMean: Tensor | null, options: { runningVar: Tensor | null; weight?: Tensor | null; bias?: Tensor | null; training?: boolean; momentum?: number; eps?: number }): Tensor;
  function batchNorm(input: Tensor, options: { runningMean: Tensor | null; runningVar: Tensor | null; weight?: Tensor | null; bias?: Tensor | null; training?: boolean; momentum?: number; eps?: number }): Tensor;
  function channelShuffle(x: Tensor, groups: number): Tensor;
  function channelShuffle(x: Tensor, options: { groups: number }): Tensor;
  /** F.embedding_bag over equal-length bags (input [B, L]): see nn.EmbeddingBag. */
  function embeddingBag(input: Tensor<Shape, "int32">, weight: Tensor, offsets?: null, options?: { mode?: "sum" | "mean" | "max"; perSampleWeights?: Tensor | null; paddingIdx?: number | null; maxNorm?: null; normType?: number; scaleGradByFreq?: false; sparse?: boolean; includeLastOffset?: boolean }): Tensor;
  function embeddingBag(input: Tensor<Shape, "int32">, weight: Tensor, options?: { offsets?: null; mode?: "sum" | "mean" | "max"; perSampleWeights?: Tensor | null; paddingIdx?: number | null; maxNorm?: null; normType?: number; scaleGradByFreq?: false; sparse?: boolean; includeLastOffset?: boolean }): Tensor;
  function embeddingBag(input: Tensor<Shape, "int32">, options: { weight: Tensor; offsets?: null; mode?: "sum" | "mean" | "max"; perSampleWeights?: Tensor | null; paddingIdx?: number | null; maxNorm?: null; normType?: number; scaleGradByFreq?: false; sparse?: boolean; includeLastOffset?: boolean }): Tensor;
  /** The deprecated spellings of F.interpolate (upsampleBilinear aligns the corners). */
  function upsample(x: Tensor, options: nn.InterpolateOptions): Tensor;
  /** PyTorch's positional form F.upsample(input, size, scale_factor, mode, align_corners), as F.interpolate's. */
  function upsample(x: Tensor, size?: number | readonly number[] | null, scaleFactor?: number | readonly number[] | null, mode?: "nearest" | "nearest-exact" | "linear" | "bilinear" | "bicubic" | "trilinear" | "area", alignCorners?: boolean | null): Tensor;
  function upsampleNearest(x: Tensor, options: { size?: number | readonly number[]; scaleFactor?: number | readonly number[] }): Tensor;
  function upsampleBilinear(x: Tensor, options: { size?: number | readonly number[]; scaleFactor?: number | readonly number[] }): Tensor;
  /** im2col: x [N, C, H, W] → [N, C·kh·kw, L], each block's window as a column (channel-major, then tap by tap). */
  function unfold(x: Tensor, kernelSize: Size2, options?: WindowOptions): Tensor;
  function unfold(x: Tensor, options: { kernelSize: Size2 } & WindowOptions): Tensor;
  function unfold(x: Tensor, kernelSize: Size2, dilation?: Size2, padding?: Size2, stride?: Size2): Tensor;
  function unfold(x: Tensor, kernelSize: Size2, dilation?: Size2, padding?: Size2, options?: { stride?: Size2 }): Tensor;
  function unfold(x: Tensor, kernelSize: Size2, dilation?: Size2, options?: { padding?: Size2; stride?: Size2 }): Tensor;
  function unfold(x: Tensor, kernelSize: Size2, options?: { dilation?: Size2; padding?: Size2; stride?: Size2 }): Tensor;
  function unfold(x: Tensor, options: { kernelSize: Size2; dilation?: Size2; padding?: Size2; stride?: Size2 }): Tensor;
  /** col2im, unfold's adjoint: [N, C·kh·kw, L] → [N, C, H, W], overlapping values summed. */
  function fold(x: Tensor, outputSize: Size2, kernelSize: Size2, options?: WindowOptions): Tensor;
  function fold(x: Tensor, outputSize: Size2, options: { kernelSize: Size2 } & WindowOptions): Tensor;
  function fold(x: Tensor, options: { outputSize: Size2; kernelSize: Size2 } & WindowOptions): Tensor;
  function fold(x: Tensor, outputSize: Size2, kernelSize: Size2, dilation?: Size2, padding?: Size2, stride?: Size2): Tensor;
  function fold(x: Tensor, outputSize: Size2, kernelSize: Size2, dilation?: Size2, padding?: Size2, options?: { stride?: Size2 }): Tensor;
  function fold(x: Tensor, outputSize: Size2, kernelSize: Size2, dilation?: Size2, options?: { padding?: Size2; stride?: Size2 }): Tensor;
  function fold(x: Tensor, outputSize: Size2, kernelSize: Size2, options?: { dilation?: Size2; padding?: Size2; stride?: Size2 }): Tensor;
  function fold(x: Tensor, outputSize: Size2, options: { kernelSize: Size2; dilation?: Size2; padding?: Size2; stride?: Size2 }): Tensor;
  function fold(x: Tensor, options: { outputSize: Size2; kernelSize: Size2; dilation?: Size2; padding?: Size2; stride?: Size2 }): Tensor;
  /** (Σ_window x^p)^(1/p), as torch.nn.functional.lp_pool2d / lp_pool1d. */
  function lpPool2d(x: Tensor, normType: number, kernelSize: Size2, stride?: Size2 | null, ceilMode?: boolean): Tensor;
  function lpPool2d(x: Tensor, normType: number, kernelSize: Size2, stride?: Size2 | null, options?: { ceilMode?: boolean }): Tensor;
  function lpPool2d(x: Tensor, normType: number, options: { kernelSize: Size2; stride?: Size2 | null; ceilMode?: boolean }): Tensor;
  function lpPool2d(x: Tensor, options: { normType: number; kernelSize: Size2; stride?: Size2 | null; ceilMode?: boolean }): Tensor;
  function lpPool2d(x: Tensor, normType: number, kernelSize: Size2, options: { stride?: Size2 | null; ceilMode?: boolean }): Tensor;
  function lpPool1d(x: Tensor, normType: number, kernelSize: Size1, stride?: Size1 | null, ceilMode?: boolean): Tensor;
  function lpPool1d(x: Tensor, normType: number, kernelSize: Size1, stride?: Size1 | null, options?: { ceilMode?: boolean }): Tensor;
  function lpPool1d(x: Tensor, normType: number, options: { kernelSize: Size1; stride?: Size1 | null; ceilMode?: boolean }): Tensor;
  function lpPool1d(x: Tensor, options: { normType: number; kernelSize: Size1; stride?: Size1 | null; ceilMode?: boolean }): Tensor;
  function lpPool1d(x: Tensor, normType: number, kernelSize: Size1, options: { stride?: Size1 | null; ceilMode?: boolean }): Tensor;
  /** torch.floor_divide (Python's //): int32 operands give int32. */
  function floorDivide(input: Tensor, other: Tensor | number): Tensor;
  function floorDivide(input: Tensor, options: { other: Tensor | number }): Tensor;
  /** How many of each row's sorted values are < each value (≤ with right): torch.searchsorted, int32. */
  function searchsorted(sortedSequence: Tensor, values: Tensor, options?: { right?: boolean; side?: "left" | "right"; outInt32?: boolean }): Tensor<Shape, "int32">;
  function searchsorted(sortedSequence: Tensor, options: { values: Tensor; right?: boolean; side?: "left" | "right"; outInt32?: boolean }): Tensor<Shape, "int32">;
  /** The bucket of each value among 1-D sorted boundaries: torch.bucketize, int32. */
  function bucketize(input: Tensor, boundaries: Tensor, options?: { right?: boolean; outInt32?: boolean }): Tensor<Shape, "int32">;
  function bucketize(input: Tensor, options: { boundaries: Tensor; right?: boolean; outInt32?: boolean }): Tensor<Shape, "int32">;
  /** torch.take_along_dim: gather along dim. */
  function takeAlongDim(x: Tensor, indices: Tensor<Shape, "int32">, dim: number): Tensor;
  function takeAlongDim(x: Tensor, options: { indices: Tensor<Shape, "int32">; dim: number }): Tensor;
  function takeAlongDim(x: Tensor, indices: Tensor<Shape, "int32">, options: { dim: number }): Tensor;
  /** The p-norm distance of every pair of rows of x1 [*, P, M] and x2 [*, R, M]: [*, P, R]. */
  function cdist(x1: Tensor, x2: Tensor, p?: number): Tensor;
  function cdist(x1: Tensor, x2: Tensor, options?: { p?: number }): Tensor;
  function cdist(x1: Tensor, options: { x2: Tensor; p?: number }): Tensor;
  /** torch.pdist: the p-norm distance of each pair of rows i < j of a 2-D tensor without the batch (a parameter), [N·(N − 1)/2]. */
  function pdist(input: Tensor, p?: number): Tensor;
  function pdist(input: Tensor, options: { p?: number }): Tensor;
  /**
   * torch.nn.functional.affine_grid: the sampling grid [N, H, W, 2] of a 2-D affine transform
   * theta [N, 2, 3] for an output of `size` [N, C, H, W] (x.size() or a list); alignCorners false
   * (PyTorch's default) puts the coordinates at pixel centres.
   */
  function affineGrid(theta: Tensor, size: readonly number[], alignCorners?: boolean | null): Tensor;
  function affineGrid(theta: Tensor, options: { size: readonly number[]; alignCorners?: boolean | null }): Tensor;
  function affineGrid(theta: Tensor, size: readonly number[], options: { alignCorners?: boolean | null }): Tensor;
  /**
   * torch.nn.functional.grid_sample over images: input [N, C, H, W] sampled at grid [N, Ho, Wo, 2]
   * (x, y in [−1, 1]), bilinear or nearest, outside the image 0 ("zeros"), the edge ("border") or
   * the mirror image ("reflection"); gradients to the input and to the grid, as PyTorch's. 5-D inputs are refused.
   */
  function gridSample(input: Tensor, grid: Tensor, mode?: "bilinear" | "nearest", paddingMode?: "zeros" | "border" | "reflection", alignCorners?: boolean | null): Tensor;
  function gridSample(input: Tensor, grid: Tensor, mode?: "bilinear" | "nearest", paddingMode?: "zeros" | "border" | "reflection", options?: { alignCorners?: boolean | null }): Tensor;
  function gridSample(input: Tensor, grid: Tensor, mode?: "bilinear" | "nearest", options?: { paddingMode?: "zeros" | "border" | "reflection"; alignCorners?: boolean | null }): Tensor;
  function gridSample(input: Tensor, options: { grid: Tensor; mode?: "bilinear" | "nearest"; paddingMode?: "zeros" | "border" | "reflection"; alignCorners?: boolean | null }): Tensor;
  function gridSample(input: Tensor, grid: Tensor, options: { mode?: "bilinear" | "nearest"; paddingMode?: "zeros" | "border" | "reflection"; alignCorners?: boolean | null }): Tensor;
  function dropout2d(x: Tensor, options: { p?: number; training?: boolean; inplace?: boolean }): Tensor;
  function maxPool2d(x: Tensor, kernelSize: Size2, stride: Size2 | null, padding: Size2, dilation: Size2, ceilMode: boolean, returnIndices: true): [Tensor, Tensor<Shape, "int32">];
  function maxPool2d(x: Tensor, kernelSize: Size2, stride: Size2 | null, padding: Size2, dilation: Size2, ceilMode: boolean, options: { returnIndices: true }): [Tensor, Tensor<Shape, "int32">];
  function maxPool2d(x: Tensor, kernelSize: Size2, stride: Size2 | null, padding: Size2, dilation: Size2, options: { ceilMode: boolean; returnIndices: true }): [Tensor, Tensor<Shape, "int32">];
  function maxPool2d(x: Tensor, kernelSize: Size2, stride: Size2 | null, padding: Size2, options: { dilation: Size2; ceilMode: boolean; returnIndices: true }): [Tensor, Tensor<Shape, "int32">];
  function maxPool2d(x: Tensor, kernelSize: Size2, stride: Size2 | null, options: { padding: Size2; dilation: Size2; ceilMode: boolean; returnIndices: true }): [Tensor, Tensor<Shape, "int32">];
  function maxPool2d(x: Tensor, kernelSize: Size2, options: { stride: Size2 | null; padding: Size2; dilation: Size2; ceilMode: boolean; returnIndices: true }): [Tensor, Tensor<Shape, "int32">];
  function maxPool2d(x: Tensor, options: { kernelSize: Size2; stride: Size2 | null; padding: Size2; dilation: Size2; ceilMode: boolean; returnIndices: true }): [Tensor, Tensor<Shape, "int32">];
  function maxPool2d(x: Tensor, kernelSize: Size2, stride?: Size2 | null, padding?: Size2, dilation?: Size2, ceilMode?: boolean, returnIndices?: false): Tensor;
  function maxPool2d(x: Tensor, kernelSize: Size2, stride?: Size2 | null, padding?: Size2, dilation?: Size2, ceilMode?: boolean, options?: { returnIndices?: false }): Tensor;
  function maxPool2d(x: Tensor, kernelSize: Size2, stride?: Size2 | null, padding?: Size2, dilation?: Size2, options?: { ceilMode?: boolean; returnIndices?: false }): Tensor;
  function maxPool2d(x: Tensor, kernelSize: Size2, stride?: Size2 | null, padding?: Size2, options?: { dilation?: Size2; ceilMode?: boolean; returnIndices?: false }): Tensor;
  function maxPool2d(x: Tensor, kernelSize: Size2, stride?: Size2 | null, options?: { padding?: Size2; dilation?: Size2; ceilMode?: boolean; returnIndices?: false }): Tensor;
  function maxPool2d(x: Tensor, kernelSize: Size2, options?: { stride?: Size2 | null; padding?: Size2; dilation?: Size2; ceilMode?: boolean; returnIndices?: false }): Tensor;
  function maxPool2d(x: Tensor, options: { kernelSize: Size2; stride?: Size2 | null; padding?: Size2; dilation?: Size2; ceilMode?: boolean; returnIndices?: false }): Tensor;
  function maxPool2d(x: Tensor, kernelSize: Size2, options: nn.MaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor<Shape, "int32">];
  function maxPool2d(x: Tensor, options: { kernelSize: Size2 } & (nn.MaxPool2dOptions & { returnIndices: true })): [Tensor, Tensor<Shape, "int32">];
  /** F.max_unpool2d(input, indices, kernel_size, stride, padding, output_size) */
  function maxUnpool2d(input: Tensor, indices: Tensor<Shape, "int32">, kernelSize: Size2, stride?: Size2 | null, padding?: Size2, outputSize?: readonly number[] | null): Tensor;
  function maxUnpool2d(input: Tensor, indices: Tensor<Shape, "int32">, kernelSize: Size2, stride?: Size2 | null, padding?: Size2, options?: { outputSize?: readonly number[] | null }): Tensor;
  function maxUnpool2d(input: Tensor, indices: Tensor<Shape, "int32">, kernelSize: Size2, stride?: Size2 | null, options?: { padding?: Size2; outputSize?: readonly number[] | null }): Tensor;
  function maxUnpool2d(input: Tensor, indices: Tensor<Shape, "int32">, options: { kernelSize: Size2; stride?: Size2 | null; padding?: Size2; outputSize?: readonly number[] | null }): Tensor;
  function maxUnpool2d(input: Tensor, options: { indices: Tensor<Shape, "int32">; kernelSize: Size2; stride?: Size2 | null; padding?: Size2; outputSize?: readonly number[] | null }): Tensor;
  function maxUnpool2d(input: Tensor, indices: Tensor<Shape, "int32">, kernelSize: Size2, options: { stride?: Size2 | null; padding?: Size2; outputSize?: readonly number[] | null }): Tensor;
  function maxUnpool3d(input: Tensor, indices: Tensor<Shape, "int32">, kernelSize: nn.Size3, stride?: nn.Size3 | null, padding?: nn.Size3, outputSize?: readonly number[] | null): Tensor;
  function maxUnpool3d(input: Tensor, indices: Tensor<Shape, "int32">, kernelSize: nn.Size3, options?: { stride?: nn.Size3 | null; padding?: nn.Size3; outputSize?: readonly number[] | null }): Tensor;
  function maxUnpool3d(input: Tensor, indices: Tensor<Shape, "int32">, options: { kernelSize: nn.Size3; stride?: nn.Size3 | null; padding?: nn.Size3; outputSize?: readonly number[] | null }): Tensor;
  function maxUnpool3d(input: Tensor, options: { indices: Tensor<Shape, "int32">; kernelSize: nn.Size3; stride?: nn.Size3 | null; padding?: nn.Size3; outputSize?: readonly number[] | null }): Tensor;
  function maxUnpool1d(input: Tensor, indices: Tensor<Shape, "int32">, kernelSize: Size1, stride?: Size1 | null, padding?: Size1, outputSize?: readonly number[] | null): Tensor;
  function maxUnpool1d(input: Tensor, indices: Tensor<Shape, "int32">, kernelSize: Size1, stride?: Size1 | null, padding?: Size1, options?: { outputSize?: readonly number[] | null }): Tensor;
  function maxUnpool1d(input: Tensor, indices: Tensor<Shape, "int32">, kernelSize: Size1, stride?: Size1 | null, options?: { padding?: Size1; outputSize?: readonly number[] | null }): Tensor;
  function maxUnpool1d(input: Tensor, indices: Tensor<Shape, "int32">, kernelSize: Size1, options?: { stride?: Size1 | null; padding?: Size1; outputSize?: readonly number[] | null }): Tensor;
  function maxUnpool1d(input: Tensor, indices: Tensor<Shape, "int32">, options: { kernelSize: Size1; stride?: Size1 | null; padding?: Size1; outputSize?: readonly number[] | null }): Tensor;
  function maxUnpool1d(input: Tensor, options: { indices: Tensor<Shape, "int32">; kernelSize: Size1; stride?: Size1 | null; padding?: Size1; outputSize?: readonly number[] | null }): Tensor;
  function conv3d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: nn.Size3, padding?: nn.Size3 | "same" | "valid", dilation?: nn.Size3, groups?: number): Tensor;
  function conv3d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: nn.Size3, padding?: nn.Size3 | "same" | "valid", dilation?: nn.Size3, options?: { groups?: number }): Tensor;
  function conv3d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: nn.Size3, padding?: nn.Size3 | "same" | "valid", options?: { dilation?: nn.Size3; groups?: number }): Tensor;
  function conv3d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: nn.Size3, options?: { padding?: nn.Size3 | "same" | "valid"; dilation?: nn.Size3; groups?: number }): Tensor;
  function conv3d(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: { stride?: nn.Size3; padding?: nn.Size3 | "same" | "valid"; dilation?: nn.Size3; groups?: number }): Tensor;
  function conv3d(input: Tensor, weight: Tensor, options?: { bias?: Tensor | null; stride?: nn.Size3; padding?: nn.Size3 | "same" | "valid"; dilation?: nn.Size3; groups?: number }): Tensor;
  function conv3d(input: Tensor, options: { weight: Tensor; bias?: Tensor | null; stride?: nn.Size3; padding?: nn.Size3 | "same" | "valid"; dilation?: nn.Size3; groups?: number }): Tensor;
  function maxPool3d(x: Tensor, kernelSize: nn.Size3, stride: nn.Size3 | null, padding: nn.Size3, dilation: nn.Size3, ceilMode: boolean, returnIndices: true): [Tensor, Tensor<Shape, "int32">];
  function maxPool3d(x: Tensor, kernelSize: nn.Size3, stride?: nn.Size3 | null, padding?: nn.Size3, dilation?: nn.Size3, ceilMode?: boolean, returnIndices?: false): Tensor;
  function maxPool3d(x: Tensor, kernelSize: nn.Size3, options: nn.Pool3dOptions & { dilation?: nn.Size3; returnIndices: true }): [Tensor, Tensor<Shape, "int32">];
  function maxPool3d(x: Tensor, options: { kernelSize: nn.Size3 } & (nn.Pool3dOptions & { dilation?: nn.Size3; returnIndices: true })): [Tensor, Tensor<Shape, "int32">];
  function maxPool3d(x: Tensor, kernelSize: nn.Size3, options?: nn.Pool3dOptions & { dilation?: nn.Size3; returnIndices?: false }): Tensor;
  function maxPool3d(x: Tensor, options: { kernelSize: nn.Size3 } & (nn.Pool3dOptions & { dilation?: nn.Size3; returnIndices?: false })): Tensor;
  function avgPool3d(x: Tensor, kernelSize: nn.Size3, options?: nn.Pool3dOptions & { countIncludePad?: boolean; divisorOverride?: number | null }): Tensor;
  function avgPool3d(x: Tensor, options: { kernelSize: nn.Size3 } & (nn.Pool3dOptions & { countIncludePad?: boolean; divisorOverride?: number | null })): Tensor;
  function adaptiveAvgPool3d(x: Tensor, outputSize: number | readonly (number | null)[]): Tensor;
  function adaptiveAvgPool3d(x: Tensor, options: { outputSize: number | readonly (number | null)[] }): Tensor;
  function adaptiveMaxPool3d(x: Tensor, outputSize: number | readonly (number | null)[]): Tensor;
  function adaptiveMaxPool3d(x: Tensor, options: { outputSize: number | readonly (number | null)[] }): Tensor;
  function maxPool2d(x: Tensor, kernelSize: Size2, options: nn.MaxPool2dOptions & { returnIndices?: false }): Tensor;
  function maxPool2d(x: Tensor, options: { kernelSize: Size2 } & (nn.MaxPool2dOptions & { returnIndices?: false })): Tensor;
  function maxPool2d(x: Tensor, options: nn.MaxPool2dOptions & { kernelSize: Size2; returnIndices?: false }): Tensor;
  function avgPool2d(x: Tensor, kernelSize: Size2, stride?: Size2 | null, padding?: Size2, ceilMode?: boolean, countIncludePad?: boolean, divisorOverride?: number | null): Tensor;
  function avgPool2d(x: Tensor, kernelSize: Size2, stride?: Size2 | null, padding?: Size2, ceilMode?: boolean, countIncludePad?: boolean, options?: { divisorOverride?: number | null }): Tensor;
  function avgPool2d(x: Tensor, kernelSize: Size2, stride?: Size2 | null, padding?: Size2, ceilMode?: boolean, options?: { countIncludePad?: boolean; divisorOverride?: number | null }): Tensor;
  function avgPool2d(x: Tensor, kernelSize: Size2, stride?: Size2 | null, padding?: Size2, options?: { ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null }): Tensor;
  function avgPool2d(x: Tensor, kernelSize: Size2, stride?: Size2 | null, options?: { padding?: Size2; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null }): Tensor;
  function avgPool2d(x: Tensor, kernelSize: Size2, options?: { stride?: Size2 | null; padding?: Size2; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null }): Tensor;
  function avgPool2d(x: Tensor, options: { kernelSize: Size2; stride?: Size2 | null; padding?: Size2; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null }): Tensor;
  function avgPool2d(x: Tensor, kernelSize: Size2, options: nn.AvgPool2dOptions): Tensor;
  function avgPool2d(x: Tensor, options: { kernelSize: Size2 } & nn.AvgPool2dOptions): Tensor;
  function avgPool2d(x: Tensor, options: nn.AvgPool2dOptions & { kernelSize: Size2 }): Tensor;
  function adaptiveAvgPool2d(x: Tensor, outputSize: Size2 | readonly [number | null, number | null]): Tensor;
  function adaptiveAvgPool2d(x: Tensor, options: { outputSize: Size2 | readonly [number | null, number | null] }): Tensor;
  /**
   * torch's complex tensors (complex64) as LLaMA's rotary embedding uses them: F.polar(abs, angle),
   * F.viewAsComplex(x) of a [..., 2] tensor, arithmetic with complex or real operands, movement
   * (view, reshape, index, unsqueeze, …), and F.viewAsReal(z) back to [..., 2]. A complex value is
   * never forward's result or model state.
   */
  function viewAsComplex(input: Tensor): ComplexTensor;
  function viewAsReal(input: ComplexTensor): Tensor;
  function polar(abs: Tensor, angle: Tensor): ComplexTensor;
  function polar(abs: Tensor, options: { angle: Tensor }): ComplexTensor;
  function complex(real: Tensor, imag: Tensor): ComplexTensor;
  function complex(real: Tensor, options: { imag: Tensor }): ComplexTensor;
  function real(input: ComplexTensor): Tensor;
  function imag(input: ComplexTensor): Tensor;
  function conj(input: ComplexTensor): ComplexTensor;
  function angle(input: ComplexTensor): Tensor;
  /**
   * torch.fft: the discrete Fourier transform along a fixed-size dim (up to 4096), as a matmul with
   * constant cosine and sine tables. norm "backward" (default: the inverse divides by n), "ortho",
   * "forward". fft/ifft take real or complex tensors, rfft a real one (the n//2 + 1 non-negative
   * frequencies), irfft the half-spectrum (n default 2·(m − 1)); the 2-D forms along `dim` (default [-2, -1]).
   */
  namespace fft {
    interface Options { n?: number | null; dim?: number; norm?: "backward" | "ortho" | "forward" | null }
    interface Options2 { s?: readonly number[] | null; dim?: readonly number[]; norm?: "backward" | "ortho" | "forward" | null }
    function fft(input: Tensor | ComplexTensor, options?: Options): ComplexTensor;
    function ifft(input: Tensor | ComplexTensor, options?: Options): ComplexTensor;
    function rfft(input: Tensor, options?: Options): ComplexTensor;
    function irfft(input: ComplexTensor, options?: Options): Tensor;
    function fft2(input: Tensor | ComplexTensor, options?: Options2): ComplexTensor;
    function ifft2(input: Tensor | ComplexTensor, options?: Options2): ComplexTensor;
    function rfft2(input: Tensor, options?: Options2): ComplexTensor;
    function irfft2(input: ComplexTensor, options?: Options2): Tensor;
    /** The N-D forms along `dim` (FNet's fftn(x, dim=(1, 2))); without dim the last s.length dims or every dim, which must not include the batch */
    interface OptionsN { s?: readonly number[] | null; dim?: number | readonly number[] | null; norm?: "backward" | "ortho" | "forward" | null }
    function fftn(input: Tensor | ComplexTensor, options?: OptionsN): ComplexTensor;
    function ifftn(input: Tensor | ComplexTensor, options?: OptionsN): ComplexTensor;
    function rfftn(input: Tensor, options?: OptionsN): ComplexTensor;
    function irfftn(input: ComplexTensor, options?: OptionsN): Tensor;
    /** The zero frequency to the middle: a roll by ⌊n/2⌋ along each dim (give them for a batched tensor); ifftshift rolls back */
    function fftshift<T extends Tensor | ComplexTensor>(input: T, dim?: number | readonly number[] | { dim?: number | readonly number[] }): T;
    function ifftshift<T extends Tensor | ComplexTensor>(input: T, dim?: number | readonly number[] | { dim?: number | readonly number[] }): T;
  }
  /**
   * torch.distributions, in forward and in losses: a policy's `new Categorical({ logits })`, a VAE's
   * `new Normal(mu, std).rsample()` and `klDivergence(q, p)`. Parameters broadcast together (a number
   * is a 0-dim tensor). rsample keeps the gradient to the parameters (loc + scale·ε), sample does not.
   * Draws are fresh on every call, from tsdp's generator, with PyTorch's laws but not its numbers; a
   * categorical draw is the Gumbel-max trick. Snake-case members (log_prob, batch_shape) are taken too.
   */
  namespace distributions {
    type SampleShape = number | readonly number[];
    interface Distribution {
      readonly batchShape: number[];
      readonly eventShape: number[];
      sample(sampleShape?: SampleShape): Tensor;
      logProb(value: Tensor | number): Tensor;
      /** PyTorch's spelling of logProb */
      log_prob(value: Tensor | number): Tensor;
      entropy(): Tensor;
    }
    /**
     * The base class of a distribution the model defines (rlkit's TanhNormal(Distribution)): super(batchShape, eventShape)
     * sets its shapes; its class writes logProb, sample, rsample, entropy themselves.
     */
    class Distribution {
      constructor(batchShape?: readonly number[], eventShape?: readonly number[], validateArgs?: boolean | null);
      constructor(options: { batchShape?: readonly number[]; eventShape?: readonly number[]; validateArgs?: boolean | null });
      /** The class's rsample without its gradient (PyTorch's base: rsample under torch.no_grad) */
      sample(sampleShape?: SampleShape): Tensor;
      // optional: the built-in distributions implement Distribution without them
      /** The square root of the class's variance */
      readonly stddev?: Tensor;
      /** exp of the class's entropy */
      perplexity?(): Tensor;
    }
    /** A distribution with a reparameterized draw: rsample's gradient reaches the parameters. */
    interface Reparameterized extends Distribution {
      rsample(sampleShape?: SampleShape): Tensor;
      readonly mean: Tensor;
      readonly stddev: Tensor;
      readonly variance: Tensor;
    }
    class Normal {
      constructor(loc: Tensor | number, scale: Tensor | number, validateArgs?: boolean | null);
      constructor(options: { loc: Tensor | number; scale: Tensor | number; validateArgs?: boolean | null });
      readonly loc: Tensor; readonly scale: Tensor; readonly mode: Tensor;
      /** Φ((v − loc)/scale) */
      cdf(value: Tensor | number): Tensor;
      /** loc + scale·√2·erf⁻¹(2p − 1) */
      icdf(value: Tensor | number): Tensor;
    }
    interface Normal extends Reparameterized {}
    /** Categories along probs' (or logits') last dim; sample and mode give int32 indices. */
    class Categorical implements Distribution {
      constructor(probs?: Tensor | null, logits?: Tensor | null, validateArgs?: boolean | null);
      constructor(options: { probs?: Tensor | null; logits?: Tensor | null; validateArgs?: boolean | null });
      /** normalized: logits − logsumexp(logits) */
      readonly logits: Tensor; readonly probs: Tensor; readonly mode: Tensor<Shape, "int32">;
      readonly batchShape: number[]; readonly eventShape: number[];
      sample(sampleShape?: SampleShape): Tensor<Shape, "int32">;
      logProb(value: Tensor): Tensor;
      log_prob(value: Tensor): Tensor;
      entropy(): Tensor;
    }
    /** Categories along probs' (or logits') last dim, which is the event dim: samples are float32 one-hot rows; logProb reads value.max(-1)'s index. */
    class OneHotCategorical {
      constructor(probs?: Tensor | null, logits?: Tensor | null, validateArgs?: boolean | null);
      constructor(options: { probs?: Tensor | null; logits?: Tensor | null; validateArgs?: boolean | null });
      /** normalized: logits − logsumexp(logits) */
      readonly logits: Tensor; readonly probs: Tensor; readonly mean: Tensor; readonly mode: Tensor; readonly variance: Tensor;
    }
    interface OneHotCategorical extends Distribution {}
    /** A OneHotCategorical whose rsample is straight-through: the one-hot sample's value, probs' gradient (sample + probs − probs.detach()), DreamerV2's latents. */
    class OneHotCategoricalStraightThrough extends OneHotCategorical {
      rsample(sampleShape?: SampleShape): Tensor;
    }
    /** 0/1 float32 samples. */
    class Bernoulli {
      constructor(probs?: Tensor | number | null, logits?: Tensor | number | null, validateArgs?: boolean | null);
      constructor(options: { probs?: Tensor | number | null; logits?: Tensor | number | null; validateArgs?: boolean | null });
      readonly logits: Tensor; readonly probs: Tensor; readonly mean: Tensor; readonly variance: Tensor;
    }
    interface Bernoulli extends Distribution {}
    /** Uniform on [low, high); logProb is −∞ outside. */
    class Uniform {
      constructor(low: Tensor | number, high: Tensor | number, validateArgs?: boolean | null);
      constructor(options: { low: Tensor | number; high: Tensor | number; validateArgs?: boolean | null });
      readonly low: Tensor; readonly high: Tensor;
      cdf(value: Tensor | number): Tensor;
    }
    interface Uniform extends Reparameterized {}
    /** The base's last n batch dims read as one event: logProb and entropy sum over them (a diagonal Gaussian policy). */
    class Independent {
      constructor(baseDistribution: Distribution, reinterpretedBatchNdims: number, validateArgs?: boolean | null);
      constructor(options: { baseDistribution: Distribution; reinterpretedBatchNdims: number; validateArgs?: boolean | null });
      readonly baseDist: Distribution; readonly reinterpretedBatchNdims: number; readonly mode: Tensor;
    }
    interface Independent extends Reparameterized {}
    /**
     * A Gaussian with a full covariance (PPO-PyTorch's MultivariateNormal(mean, torch.diag_embed(var))): exactly one of
     * covarianceMatrix and scaleTril (its lower Cholesky factor), [..., n, n] for loc [..., n], n ≤ 16 (unrolled over the
     * event). precisionMatrix is refused.
     */
    class MultivariateNormal {
      constructor(loc: Tensor, covarianceMatrix?: Tensor | null, precisionMatrix?: Tensor | null, scaleTril?: Tensor | null, validateArgs?: boolean | null);
      constructor(loc: Tensor, options: { covarianceMatrix?: Tensor | null; precisionMatrix?: Tensor | null; scaleTril?: Tensor | null; validateArgs?: boolean | null });
      constructor(options: { loc: Tensor; covarianceMatrix?: Tensor | null; precisionMatrix?: Tensor | null; scaleTril?: Tensor | null; validateArgs?: boolean | null });
      readonly loc: Tensor; readonly covarianceMatrix: Tensor; readonly scaleTril: Tensor; readonly mode: Tensor;
      readonly covariance_matrix: Tensor; readonly scale_tril: Tensor;
    }
    interface MultivariateNormal extends Reparameterized {}
    /** KL(p ‖ q) for two distributions of one kind (Normal, Categorical, OneHotCategorical (either kind), Bernoulli, Uniform, MultivariateNormal, Independent of those); +∞ where q has no mass under p's. */
    function klDivergence(p: Distribution, q: Distribution): Tensor;
    function klDivergence(p: Distribution, options: { q: Distribution }): Tensor;
    function klDivergence(options: { p: Distribution; q: Distribution }): Tensor;
    namespace kl {
      function klDivergence(p: Distribution, q: Distribution): Tensor;
    }
    /** Each class under its defining module too, as torch.distributions.normal.Normal. */
    namespace normal { export import Normal = distributions.Normal; }
    namespace categorical { export import Categorical = distributions.Categorical; }
    namespace bernoulli { export import Bernoulli = distributions.Bernoulli; }
    namespace uniform { export import Uniform = distributions.Uniform; }
    namespace independent { export import Independent = distributions.Independent; }
    namespace multivariate_normal { export import MultivariateNormal = distributions.MultivariateNormal; }
    namespace one_hot_categorical {
      export import OneHotCategorical = distributions.OneHotCategorical;
      export import OneHotCategoricalStraightThrough = distributions.OneHotCategoricalStraightThrough;
    }
    /**
     * The base's draws pushed through the transforms in order (CORL's and pytorch_sac's squashed Gaussian:
     * `new TransformedDistribution(new Normal(mu, std), new transforms.TanhTransform({ cacheSize: 1 }))`). logProb(y)
     * inverts them from the last (the cached x where y is the transform's last output, with cacheSize 1) and subtracts
     * each log|det J|. No mean, entropy or cdf, as PyTorch's raise NotImplementedError.
     */
    class TransformedDistribution {
      constructor(baseDistribution: Distribution, transforms: transforms.Transform | readonly transforms.Transform[], validateArgs?: boolean | null);
      constructor(options: { baseDistribution: Distribution; transforms: transforms.Transform | readonly transforms.Transform[]; validateArgs?: boolean | null });
      readonly baseDist: Distribution; readonly base_dist: Distribution; readonly transforms: transforms.Transform[];
      readonly batchShape: number[]; readonly eventShape: number[];
      sample(sampleShape?: SampleShape): Tensor;
      rsample(sampleShape?: SampleShape): Tensor;
      logProb(value: Tensor): Tensor;
      log_prob(value: Tensor): Tensor;
    }
    namespace transformed_distribution { export import TransformedDistribution = distributions.TransformedDistribution; }
    /**
     * A mixture of the components' last batch dim, weighted by a Categorical (a mixture density network's or a GMM
     * policy's head: `new MixtureSameFamily(new Categorical({ logits }), new Independent(new Normal(mu, sigma), 1))`).
     * logProb is logsumexp over the components; sample draws a component, then its value (no gradient); mean and variance.
     */
    class MixtureSameFamily {
      constructor(mixtureDistribution: Categorical, componentDistribution: Distribution, validateArgs?: boolean | null);
      constructor(options: { mixtureDistribution: Categorical; componentDistribution: Distribution; validateArgs?: boolean | null });
      readonly mixtureDistribution: Categorical; readonly mixture_distribution: Categorical;
      readonly componentDistribution: Distribution; readonly component_distribution: Distribution;
      readonly mean: Tensor; readonly variance: Tensor;
      readonly batchShape: number[]; readonly eventShape: number[];
      sample(sampleShape?: SampleShape): Tensor;
      logProb(value: Tensor): Tensor;
      log_prob(value: Tensor): Tensor;
    }
    namespace mixture_same_family { export import MixtureSameFamily = distributions.MixtureSameFamily; }
    /** −log 2b − |x − μ|/b; rsample μ − b·sign(u)·log1p(−|u|) */
    class Laplace {
      constructor(loc: Tensor | number, scale: Tensor | number, validateArgs?: boolean | null);
      constructor(options: { loc: Tensor | number; scale: Tensor | number; validateArgs?: boolean | null });
      readonly loc: Tensor; readonly scale: Tensor; readonly mode: Tensor;
      cdf(value: Tensor | number): Tensor;
      icdf(value: Tensor | number): Tensor;
    }
    interface Laplace extends Reparameterized {}
    /** log λ − λx; rsample −log(1 − u)/λ */
    class Exponential {
      constructor(rate: Tensor | number, validateArgs?: boolean | null);
      constructor(options: { rate: Tensor | number; validateArgs?: boolean | null });
      readonly rate: Tensor; readonly mode: Tensor;
      cdf(value: Tensor | number): Tensor;
      icdf(value: Tensor | number): Tensor;
    }
    interface Exponential extends Reparameterized {}
    /** Gamma(concentration α, rate β): logProb, entropy, mean, mode, variance, KL; no sample or rsample (PyTorch's rejection sampler) */
    class Gamma {
      constructor(concentration: Tensor | number, rate: Tensor | number, validateArgs?: boolean | null);
      constructor(options: { concentration: Tensor | number; rate: Tensor | number; validateArgs?: boolean | null });
      readonly concentration: Tensor; readonly rate: Tensor; readonly mean: Tensor; readonly mode: Tensor; readonly variance: Tensor;
      logProb(value: Tensor | number): Tensor;
      log_prob(value: Tensor | number): Tensor;
      entropy(): Tensor;
      readonly batchShape: number[]; readonly eventShape: number[];
    }
    /** Beta(concentration1 α, concentration0 β) on (0, 1) (a PPO policy on bounded actions): logProb, entropy, mean, mode, variance, KL; no sample or rsample */
    class Beta {
      constructor(concentration1: Tensor | number, concentration0: Tensor | number, validateArgs?: boolean | null);
      constructor(options: { concentration1: Tensor | number; concentration0: Tensor | number; validateArgs?: boolean | null });
      readonly concentration1: Tensor; readonly concentration0: Tensor; readonly mean: Tensor; readonly mode: Tensor; readonly variance: Tensor;
      logProb(value: Tensor | number): Tensor;
      log_prob(value: Tensor | number): Tensor;
      entropy(): Tensor;
      readonly batchShape: number[]; readonly eventShape: number[];
    }
    /** exp of a Normal(loc, scale): logProb, entropy, mean, mode, variance, rsample, KL */
    class LogNormal {
      constructor(loc: Tensor | number, scale: Tensor | number, validateArgs?: boolean | null);
      constructor(options: { loc: Tensor | number; scale: Tensor | number; validateArgs?: boolean | null });
      readonly loc: Tensor; readonly scale: Tensor; readonly mean: Tensor; readonly mode: Tensor; readonly variance: Tensor;
      sample(sampleShape?: SampleShape): Tensor;
      rsample(sampleShape?: SampleShape): Tensor;
      logProb(value: Tensor | number): Tensor;
      log_prob(value: Tensor | number): Tensor;
      entropy(): Tensor;
      readonly batchShape: number[]; readonly eventShape: number[];
    }
    /** Poisson(rate): logProb of (float) counts, mean, mode, variance, KL; no sample (PyTorch's rejection sampler) */
    class Poisson {
      constructor(rate: Tensor | number, validateArgs?: boolean | null);
      constructor(options: { rate: Tensor | number; validateArgs?: boolean | null });
      readonly rate: Tensor; readonly mean: Tensor; readonly mode: Tensor; readonly variance: Tensor;
      logProb(value: Tensor | number): Tensor;
      log_prob(value: Tensor | number): Tensor;
      readonly batchShape: number[]; readonly eventShape: number[];
    }
    /** Student's t(df ν, loc μ = 0, scale σ = 1) (DeepAR's StudentTOutput): logProb, entropy, mean, mode, variance; no sample (PyTorch's Chi2 draw) */
    class StudentT {
      constructor(df: Tensor | number, loc?: Tensor | number, scale?: Tensor | number, validateArgs?: boolean | null);
      constructor(options: { df: Tensor | number; loc?: Tensor | number; scale?: Tensor | number; validateArgs?: boolean | null });
      readonly df: Tensor; readonly loc: Tensor; readonly scale: Tensor; readonly mean: Tensor; readonly mode: Tensor; readonly variance: Tensor;
      logProb(value: Tensor | number): Tensor;
      log_prob(value: Tensor | number): Tensor;
      entropy(): Tensor;
      readonly batchShape: number[]; readonly eventShape: number[];
    }
    /** Cauchy(loc, scale): logProb, entropy, cdf, icdf, rsample μ + σ·tan(π(u − ½)), KL; mean NaN, variance ∞ */
    class Cauchy {
      constructor(loc: Tensor | number, scale: Tensor | number, validateArgs?: boolean | null);
      constructor(options: { loc: Tensor | number; scale: Tensor | number; validateArgs?: boolean | null });
      readonly loc: Tensor; readonly scale: Tensor; readonly mean: Tensor; readonly mode: Tensor; readonly variance: Tensor;
      sample(sampleShape?: SampleShape): Tensor;
      rsample(sampleShape?: SampleShape): Tensor;
      logProb(value: Tensor | number): Tensor;
      log_prob(value: Tensor | number): Tensor;
      entropy(): Tensor;
      cdf(value: Tensor | number): Tensor;
      icdf(value: Tensor | number): Tensor;
      readonly batchShape: number[]; readonly eventShape: number[];
    }
    /** |Normal(0, scale)|: logProb (−∞ below 0), entropy, mean, mode, variance, cdf, icdf, rsample, KL */
    class HalfNormal {
      constructor(scale: Tensor | number, validateArgs?: boolean | null);
      constructor(options: { scale: Tensor | number; validateArgs?: boolean | null });
      readonly scale: Tensor; readonly mean: Tensor; readonly mode: Tensor; readonly variance: Tensor;
      sample(sampleShape?: SampleShape): Tensor;
      rsample(sampleShape?: SampleShape): Tensor;
      logProb(value: Tensor | number): Tensor;
      log_prob(value: Tensor | number): Tensor;
      entropy(): Tensor;
      cdf(value: Tensor | number): Tensor;
      icdf(value: Tensor | number): Tensor;
      readonly batchShape: number[]; readonly eventShape: number[];
    }
    /** Gumbel(loc, scale): logProb, entropy, mean, mode, stddev, variance, rsample μ − σ·log(−log u), KL */
    class Gumbel {
      constructor(loc: Tensor | number, scale: Tensor | number, validateArgs?: boolean | null);
      constructor(options: { loc: Tensor | number; scale: Tensor | number; validateArgs?: boolean | null });
      readonly loc: Tensor; readonly scale: Tensor; readonly mode: Tensor;
    }
    interface Gumbel extends Reparameterized {}
    /** The Concrete / Gumbel-softmax relaxation of a Bernoulli (temperature, probs or logits): rsample, sample, logProb, as PyTorch's (LogitRelaxedBernoulli through a sigmoid) */
    class RelaxedBernoulli {
      constructor(temperature: Tensor | number, probs?: Tensor | number | null, logits?: Tensor | number | null, validateArgs?: boolean | null);
      constructor(temperature: Tensor | number, options: { probs?: Tensor | number | null; logits?: Tensor | number | null; validateArgs?: boolean | null });
      constructor(options: { temperature: Tensor | number; probs?: Tensor | number | null; logits?: Tensor | number | null; validateArgs?: boolean | null });
      readonly temperature: Tensor; readonly probs: Tensor; readonly logits: Tensor;
      rsample(sampleShape?: SampleShape): Tensor;
    }
    interface RelaxedBernoulli extends Distribution {}
    /** The Gumbel-softmax relaxation of a one-hot categorical (temperature, probs or logits over the last dim): rsample, sample, logProb, as PyTorch's (ExpRelaxedCategorical through exp) */
    class RelaxedOneHotCategorical {
      constructor(temperature: Tensor | number, probs?: Tensor | null, logits?: Tensor | null, validateArgs?: boolean | null);
      constructor(temperature: Tensor | number, options: { probs?: Tensor | null; logits?: Tensor | null; validateArgs?: boolean | null });
      constructor(options: { temperature: Tensor | number; probs?: Tensor | null; logits?: Tensor | null; validateArgs?: boolean | null });
      readonly temperature: Tensor; readonly probs: Tensor; readonly logits: Tensor;
      rsample(sampleShape?: SampleShape): Tensor;
    }
    interface RelaxedOneHotCategorical extends Distribution {}
    /** Failures before the first success, P(k) = (1 − p)ᵏp: logProb, entropy, mean, mode, variance, sample (no rsample), KL */
    class Geometric {
      constructor(probs?: Tensor | number | null, logits?: Tensor | number | null, validateArgs?: boolean | null);
      constructor(options: { probs?: Tensor | number | null; logits?: Tensor | number | null; validateArgs?: boolean | null });
      readonly probs: Tensor; readonly logits: Tensor; readonly mean: Tensor; readonly mode: Tensor; readonly variance: Tensor;
    }
    interface Geometric extends Distribution {}
    /** Binomial(totalCount = 1, probs or logits): logProb, mean, mode, variance, KL; no sample or entropy */
    class Binomial {
      constructor(totalCount?: Tensor | number, probs?: Tensor | number | null, logits?: Tensor | number | null, validateArgs?: boolean | null);
      constructor(options: { totalCount?: Tensor | number; probs?: Tensor | number | null; logits?: Tensor | number | null; validateArgs?: boolean | null });
      readonly totalCount: Tensor; readonly total_count: Tensor; readonly probs: Tensor; readonly logits: Tensor; readonly mean: Tensor; readonly mode: Tensor; readonly variance: Tensor;
      logProb(value: Tensor | number): Tensor;
      log_prob(value: Tensor | number): Tensor;
      readonly batchShape: number[]; readonly eventShape: number[];
    }
    /** NegativeBinomial(totalCount, probs or logits) (count heads: DeepAR, scVI): logProb, mean, mode, variance; no sample */
    class NegativeBinomial {
      constructor(totalCount: Tensor | number, probs?: Tensor | number | null, logits?: Tensor | number | null, validateArgs?: boolean | null);
      constructor(options: { totalCount: Tensor | number; probs?: Tensor | number | null; logits?: Tensor | number | null; validateArgs?: boolean | null });
      readonly totalCount: Tensor; readonly total_count: Tensor; readonly probs: Tensor; readonly logits: Tensor; readonly mean: Tensor; readonly mode: Tensor; readonly variance: Tensor;
      logProb(value: Tensor | number): Tensor;
      log_prob(value: Tensor | number): Tensor;
      readonly batchShape: number[]; readonly eventShape: number[];
    }
    /** Dirichlet(concentration [..., K]) on the simplex, its last dim the event: logProb, entropy, mean, variance, KL; no sample */
    class Dirichlet {
      constructor(concentration: Tensor, validateArgs?: boolean | null);
      constructor(options: { concentration: Tensor; validateArgs?: boolean | null });
      readonly concentration: Tensor; readonly mean: Tensor; readonly variance: Tensor;
      logProb(value: Tensor): Tensor;
      log_prob(value: Tensor): Tensor;
      entropy(): Tensor;
      readonly batchShape: number[]; readonly eventShape: number[];
    }
    namespace studentT { export import StudentT = distributions.StudentT; }
    namespace cauchy { export import Cauchy = distributions.Cauchy; }
    namespace half_normal { export import HalfNormal = distributions.HalfNormal; }
    namespace gumbel { export import Gumbel = distributions.Gumbel; }
    namespace geometric { export import Geometric = distributions.Geometric; }
    namespace binomial { export import Binomial = distributions.Binomial; }
    namespace negative_binomial { export import NegativeBinomial = distributions.NegativeBinomial; }
    namespace dirichlet { export import Dirichlet = distributions.Dirichlet; }
    namespace log_normal { export import LogNormal = distributions.LogNormal; }
    namespace poisson { export import Poisson = distributions.Poisson; }
    namespace laplace { export import Laplace = distributions.Laplace; }
    namespace exponential { export import Exponential = distributions.Exponential; }
    namespace gamma { export import Gamma = distributions.Gamma; }
    namespace beta { export import Beta = distributions.Beta; }
    /** Bijections y = t(x) with t.inv(y) and log|det ∂y/∂x|; cacheSize 1 keeps the last (x, y) pair, as PyTorch's. */
    namespace transforms {
      /** The base class: a class extending it defines _call, _inverse and log_abs_det_jacobian (pytorch_sac's TanhTransform). */
      class Transform {
        constructor(cacheSize?: number);
        constructor(options: { cacheSize?: number });
        readonly sign: number; readonly bijective: boolean; readonly event_dim: number;
        inv(y: Tensor): Tensor;
        _call(x: Tensor): Tensor;
        _inverse(y: Tensor): Tensor;
        log_abs_det_jacobian(x: Tensor, y: Tensor): Tensor;
        logAbsDetJacobian(x: Tensor, y: Tensor): Tensor;
      }
      interface Transform { (x: Tensor): Tensor }
      /** tanh; inverse atanh (unclamped: ±1 gives ±∞, so log-probabilities of draws want cacheSize 1); log|J| = 2(log 2 − x − softplus(−2x)) */
      class TanhTransform extends Transform {}
      /** exp; inverse log; log|J| = x */
      class ExpTransform extends Transform {}
      /** sigmoid; inverse logit of y clamped to [tiny, 1 − eps]; log|J| = −softplus(−x) − softplus(x) */
      class SigmoidTransform extends Transform {}
      /** loc + scale·x; log|J| = log|scale|, summed over the last eventDim dims */
      class AffineTransform extends Transform {
        constructor(loc: Tensor | number, scale: Tensor | number, eventDim?: number, cacheSize?: number);
        constructor(loc: Tensor | number, scale: Tensor | number, options: { eventDim?: number; cacheSize?: number });
        constructor(options: { loc: Tensor | number; scale: Tensor | number; eventDim?: number; cacheSize?: number });
      }
    }
    /** What a Transform subclass declares as its static domain and codomain; tsdp reads their event_dim. */
    namespace constraints {
      interface Constraint { readonly event_dim: number }
      const real: Constraint;
      const positive: Constraint;
      const nonnegative: Constraint;
      const unit_interval: Constraint;
      const real_vector: Constraint;
      function interval(lowerBound: number, upperBound: number): Constraint;
      function greater_than(lowerBound: number): Constraint;
      function less_than(upperBound: number): Constraint;
    }
  }
  /**
   * torch.stft: the short-time Fourier transform of a signal [L] or [B, L]: frames of nFft samples
   * every hopLength (default nFft/4), times the window (default rectangular; a winLength < nFft one
   * centred in zeros), the non-negative frequencies (onesided) as complex [.., nFft/2 + 1, frames];
   * center pads nFft/2 each side (padMode "reflect", "constant" or "replicate"); normalized scales by
   * 1/√nFft. returnComplex is required (false: the real view, a last dim of 2).
   */
  function stft(input: Tensor, nFft: number, options: { hopLength?: number | null; winLength?: number | null; window?: Tensor | null; center?: boolean; padMode?: "reflect" | "constant" | "replicate"; normalized?: boolean; onesided?: boolean | null; returnComplex: true }): ComplexTensor;
  function stft(input: Tensor, options: { nFft: number; hopLength?: number | null; winLength?: number | null; window?: Tensor | null; center?: boolean; padMode?: "reflect" | "constant" | "replicate"; normalized?: boolean; onesided?: boolean | null; returnComplex: true }): ComplexTensor;
  function stft(input: Tensor, nFft: number, options: { hopLength?: number | null; winLength?: number | null; window?: Tensor | null; center?: boolean; padMode?: "reflect" | "constant" | "replicate"; normalized?: boolean; onesided?: boolean | null; returnComplex: false }): Tensor;
  function stft(input: Tensor, options: { nFft: number; hopLength?: number | null; winLength?: number | null; window?: Tensor | null; center?: boolean; padMode?: "reflect" | "constant" | "replicate"; normalized?: boolean; onesided?: boolean | null; returnComplex: false }): Tensor;
  /** A window factory's keywords (not F.unfold's WindowOptions: one interface name would merge the two). */
  interface WindowFactoryOptions { dtype?: "float32" | null; device?: unknown; requiresGrad?: boolean }
  /** torch.hann_window(N, periodic = true): 0.5 − 0.5·cos(2πk/M), M = N (periodic) or N − 1. */
  function hannWindow(windowLength: number, periodic?: boolean, options?: WindowFactoryOptions): Tensor;
  function hannWindow(windowLength: number, options?: { periodic?: boolean } & WindowFactoryOptions): Tensor;
  function hannWindow(options: { windowLength: number; periodic?: boolean } & WindowFactoryOptions): Tensor;
  function hannWindow(windowLength: number, options?: WindowFactoryOptions & { periodic?: boolean }): Tensor;
  function hannWindow(options: { windowLength: number } & (WindowFactoryOptions & { periodic?: boolean })): Tensor;
  /** torch.hamming_window: α − β·cos(2πk/M) (α 0.54, β 0.46). */
  function hammingWindow(windowLength: number, periodic?: boolean, alpha?: number, beta?: number): Tensor;
  function hammingWindow(windowLength: number, periodic?: boolean, alpha?: number, options?: { beta?: number }): Tensor;
  function hammingWindow(windowLength: number, periodic?: boolean, options?: { alpha?: number; beta?: number }): Tensor;
  function hammingWindow(windowLength: number, options?: { periodic?: boolean; alpha?: number; beta?: number }): Tensor;
  function hammingWindow(options: { windowLength: number; periodic?: boolean; alpha?: number; beta?: number }): Tensor;
  function hammingWindow(windowLength: number, options?: WindowFactoryOptions & { periodic?: boolean; alpha?: number; beta?: number }): Tensor;
  function hammingWindow(options: { windowLength: number } & (WindowFactoryOptions & { periodic?: boolean; alpha?: number; beta?: number })): Tensor;
  /** torch.blackman_window: 0.42 − 0.5·cos(2πk/M) + 0.08·cos(4πk/M). */
  function blackmanWindow(windowLength: number, periodic?: boolean, options?: WindowFactoryOptions): Tensor;
  function blackmanWindow(windowLength: number, options?: { periodic?: boolean } & WindowFactoryOptions): Tensor;
  function blackmanWindow(options: { windowLength: number; periodic?: boolean } & WindowFactoryOptions): Tensor;
  function blackmanWindow(windowLength: number, options?: WindowFactoryOptions & { periodic?: boolean }): Tensor;
  function blackmanWindow(options: { windowLength: number } & (WindowFactoryOptions & { periodic?: boolean })): Tensor;
  /** torch.bartlett_window: 1 − |2k/M − 1|. */
  function bartlettWindow(windowLength: number, periodic?: boolean, options?: WindowFactoryOptions): Tensor;
  function bartlettWindow(windowLength: number, options?: { periodic?: boolean } & WindowFactoryOptions): Tensor;
  function bartlettWindow(options: { windowLength: number; periodic?: boolean } & WindowFactoryOptions): Tensor;
  function bartlettWindow(windowLength: number, options?: WindowFactoryOptions & { periodic?: boolean }): Tensor;
  function bartlettWindow(options: { windowLength: number } & (WindowFactoryOptions & { periodic?: boolean })): Tensor;
  /**
   * torch.multinomial: numSamples int32 category indices per row of a 1-D or 2-D tensor of
   * non-negative weights (last dim the categories), drawn in forward; without replacement by
   * default (numSamples ≤ the categories). Gumbel keys: PyTorch's law, not its numbers.
   */
  function multinomial(input: Tensor, numSamples: number, replacement?: boolean): Tensor<Shape, "int32">;
  function multinomial(input: Tensor, numSamples: number, options?: { replacement?: boolean }): Tensor<Shape, "int32">;
  function multinomial(input: Tensor, options: { numSamples: number; replacement?: boolean }): Tensor<Shape, "int32">;
  /** torch's dtypes, as the names tsdp takes: x.to(F.float32), F.zeros(n, { dtype: F.long }) (int64 is held as int32). */
  const float32: "float32", float: "float32", int32: "int32", int: "int32", int64: "int64", long: "int64";
  const float64: "float64", double: "float64", float16: "float16", half: "float16", bfloat16: "bfloat16", bool: "bool";
  /** The narrower integer types, held as int32 (older ports' uint8 masks): a value past their range does not wrap. */
  const uint8: "int32", int8: "int32", int16: "int32", short: "int32";
  /** complex64: F.zeros, F.ones and F.empty take it (FNO's out_ft = torch.zeros(…, dtype=torch.cfloat)); a complex tensor otherwise comes from F.complex, F.polar, F.viewAsComplex */
  const cfloat: "complex64", complex64: "complex64";
  /** torch.spmm(a, b) and torch.sparse.mm(a, b) (GCN ports' adjacency products) of dense matrices: a.mm(b), as PyTorch's for a strided a; tsdp's tensors are dense, so a sparse adjacency is built densely and registered as a buffer */
  function spmm(mat1: Tensor, mat2: Tensor): Tensor;
  function spmm(mat1: Tensor, options: { mat2: Tensor }): Tensor;
  namespace sparse {
    function mm(mat1: Tensor, mat2: Tensor): Tensor;
    function mm(mat1: Tensor, options: { mat2: Tensor }): Tensor;
  }
  /** torch.is_complex(x) */
  function isComplex(input: Tensor | ComplexTensor): boolean;
  /** torch.is_floating_point(x): x.isFloatingPoint() */
  function isFloatingPoint(input: Tensor): boolean;
  /** torch.finfo(dtype): bits, eps, max, min, tiny (smallestNormal) and resolution of a float type (float32 by default); also a tensor's dtype (Hugging Face's torch.finfo(scores.dtype).min), refused when it compiles if that is int32, as PyTorch raises for an integer type. */
  function finfo(type?: "float32" | "float" | "float16" | "half" | "bfloat16" | "float64" | "double" | DType): { readonly bits: number; readonly eps: number; readonly max: number; readonly min: number; readonly tiny: number; readonly smallestNormal: number; readonly resolution: number; readonly dtype: string };
  function finfo(options?: { type?: "float32" | "float" | "float16" | "half" | "bfloat16" | "float64" | "double" }): { readonly bits: number; readonly eps: number; readonly max: number; readonly min: number; readonly tiny: number; readonly smallestNormal: number; readonly resolution: number; readonly dtype: string };
  /** torch.iinfo(dtype): bits, min and max of an integer type (iinfo(torch.long).max as a sentinel or a fill value); F.uint8, F.int8, F.int16 by the name written; a tensor's dtype is refused (tsdp holds int64 as int32, so it cannot tell which PyTorch's was): name the type. */
  function iinfo(type: "int32" | "int" | "int64" | "long" | "int16" | "short" | "int8" | "uint8" | DType): { readonly bits: number; readonly min: number; readonly max: number; readonly dtype: string };
  function iinfo(options: { type: "int32" | "int" | "int64" | "long" | "int16" | "short" | "int8" | "uint8" | DType }): { readonly bits: number; readonly min: number; readonly max: number; readonly dtype: string };
  function maxPool1d(x: Tensor, kernelSize: Size1, stride: Size1 | null, padding: Size1, dilation: Size1, ceilMode: boolean, returnIndices: true): [Tensor, Tensor<Shape, "int32">];
  function maxPool1d(x: Tensor, kernelSize: Size1, stride: Size1 | null, padding: Size1, dilation: Size1, ceilMode: boolean, options: { returnIndices: true }): [Tensor, Tensor<Shape, "int32">];
  function maxPool1d(x: Tensor, kernelSize: Size1, stride: Size1 | null, padding: Size1, dilation: Size1, options: { ceilMode?: boolean; returnIndices: true }): [Tensor, Tensor<Shape, "int32">];
  function maxPool1d(x: Tensor, kernelSize: Size1, stride: Size1 | null, padding: Size1, options: { dilation?: Size1; ceilMode?: boolean; returnIndices: true }): [Tensor, Tensor<Shape, "int32">];
  function maxPool1d(x: Tensor, kernelSize: Size1, stride: Size1 | null, options: { padding?: Size1; dilation?: Size1; ceilMode?: boolean; returnIndices: true }): [Tensor, Tensor<Shape, "int32">];
  function maxPool1d(x: Tensor, kernelSize: Size1, options: { stride?: Size1 | null; padding?: Size1; dilation?: Size1; ceilMode?: boolean; returnIndices: true }): [Tensor, Tensor<Shape, "int32">];
  function maxPool1d(x: Tensor, options: { kernelSize: Size1; stride?: Size1 | null; padding?: Size1; dilation?: Size1; ceilMode?: boolean; returnIndices: true }): [Tensor, Tensor<Shape, "int32">];
  function maxPool1d(x: Tensor, kernelSize: Size1, stride?: Size1 | null, padding?: Size1, dilation?: Size1, ceilMode?: boolean, returnIndices?: false): Tensor;
  function maxPool1d(x: Tensor, kernelSize: Size1, stride?: Size1 | null, padding?: Size1, dilation?: Size1, ceilMode?: boolean, options?: { returnIndices?: false }): Tensor;
  function maxPool1d(x: Tensor, kernelSize: Size1, stride?: Size1 | null, padding?: Size1, dilation?: Size1, options?: { ceilMode?: boolean; returnIndices?: false }): Tensor;
  function maxPool1d(x: Tensor, kernelSize: Size1, stride?: Size1 | null, padding?: Size1, options?: { dilation?: Size1; ceilMode?: boolean; returnIndices?: false }): Tensor;
  function maxPool1d(x: Tensor, kernelSize: Size1, stride?: Size1 | null, options?: { padding?: Size1; dilation?: Size1; ceilMode?: boolean; returnIndices?: false }): Tensor;
  function maxPool1d(x: Tensor, kernelSize: Size1, options?: { stride?: Size1 | null; padding?: Size1; dilation?: Size1; ceilMode?: boolean; returnIndices?: false }): Tensor;
  function maxPool1d(x: Tensor, options: { kernelSize: Size1; stride?: Size1 | null; padding?: Size1; dilation?: Size1; ceilMode?: boolean; returnIndices?: false }): Tensor;
  function avgPool1d(x: Tensor, kernelSize: Size1, stride?: Size1 | null, padding?: Size1, ceilMode?: boolean, countIncludePad?: boolean, divisorOverride?: number | null): Tensor;
  function avgPool1d(x: Tensor, kernelSize: Size1, stride?: Size1 | null, padding?: Size1, ceilMode?: boolean, countIncludePad?: boolean, options?: { divisorOverride?: number | null }): Tensor;
  function avgPool1d(x: Tensor, kernelSize: Size1, stride?: Size1 | null, padding?: Size1, ceilMode?: boolean, options?: { countIncludePad?: boolean; divisorOverride?: number | null }): Tensor;
  function avgPool1d(x: Tensor, kernelSize: Size1, stride?: Size1 | null, padding?: Size1, options?: { ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null }): Tensor;
  function avgPool1d(x: Tensor, kernelSize: Size1, stride?: Size1 | null, options?: { padding?: Size1; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null }): Tensor;
  function avgPool1d(x: Tensor, kernelSize: Size1, options?: { stride?: Size1 | null; padding?: Size1; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null }): Tensor;
  function avgPool1d(x: Tensor, options: { kernelSize: Size1; stride?: Size1 | null; padding?: Size1; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null }): Tensor;
  function adaptiveAvgPool1d(x: Tensor, outputSize: Size1): Tensor;
  function adaptiveAvgPool1d(x: Tensor, options: { outputSize: Size1 }): Tensor;
  function flatten(x: Tensor, startDim?: number, endDim?: number): Tensor;
  function ravel(input: Tensor): Tensor;
  function msort(input: Tensor): Tensor;
  function flatten(x: Tensor, startDim?: number, options?: { endDim?: number }): Tensor;
  function flatten(x: Tensor, options?: { startDim?: number; endDim?: number }): Tensor;
  function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor;
  function linear(x: Tensor, weight: Tensor, options?: { bias?: Tensor | null }): Tensor;
  function linear(x: Tensor, options: { weight: Tensor; bias?: Tensor | null }): Tensor;
  /** torch.nn.functional.conv2d / conv1d of any weight: a parameter, or one computed in forward (weight standardization) */
  function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: Size2, padding?: Size2 | "same" | "valid", dilation?: Size2, groups?: number): Tensor;
  function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: Size2, padding?: Size2 | "same" | "valid", dilation?: Size2, options?: { groups?: number }): Tensor;
  function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: Size2, padding?: Size2 | "same" | "valid", options?: { dilation?: Size2; groups?: number }): Tensor;
  function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: Size2, options?: { padding?: Size2 | "same" | "valid"; dilation?: Size2; groups?: number }): Tensor;
  function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: { stride?: Size2; padding?: Size2 | "same" | "valid"; dilation?: Size2; groups?: number }): Tensor;
  function conv2d(input: Tensor, options: { weight: Tensor; bias?: Tensor | null; stride?: Size2; padding?: Size2 | "same" | "valid"; dilation?: Size2; groups?: number }): Tensor;
  function conv2d(input: Tensor, weight: Tensor, options: { bias?: Tensor | null; stride?: Size2; padding?: Size2 | "same" | "valid"; dilation?: Size2; groups?: number }): Tensor;
  /** F.conv2d(x, w, b, padding=1): the bias by position, the rest as keywords (also conv1d, conv3d, convTranspose1d/2d) */
  function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null | undefined, options: { stride?: Size2; padding?: Size2 | "same" | "valid"; dilation?: Size2; groups?: number }): Tensor;
  function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: Size1, padding?: Size1 | "same" | "valid", dilation?: Size1, groups?: number): Tensor;
  function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: Size1, padding?: Size1 | "same" | "valid", dilation?: Size1, options?: { groups?: number }): Tensor;
  function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: Size1, padding?: Size1 | "same" | "valid", options?: { dilation?: Size1; groups?: number }): Tensor;
  function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, stride?: Size1, options?: { padding?: Size1 | "same" | "valid"; dilation?: Size1; groups?: number }): Tensor;
  function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: { stride?: Size1; padding?: Size1 | "same" | "valid"; dilation?: Size1; groups?: number }): Tensor;
  function conv1d(input: Tensor, options: { weight: Tensor; bias?: Tensor | null; stride?: Size1; padding?: Size1 | "same" | "valid"; dilation?: Size1; groups?: number }): Tensor;
  function conv1d(input: Tensor, weight: Tensor, options: { bias?: Tensor | null; stride?: Size1; padding?: Size1 | "same" | "valid"; dilation?: Size1; groups?: number }): Tensor;
  function conv1d(input: Tensor, weight: Tensor, bias: Tensor | null | undefined, options: { stride?: Size1; padding?: Size1 | "same" | "valid"; dilation?: Size1; groups?: number }): Tensor;
  /** target: int32 class indices [N] (or [N, d…] for [N, C, d…] scores), or float32 class probabilities of the input's shape */
  function crossEntropy(input: Tensor, target: Tensor, options?: nn.CrossEntropyOptions): Tensor;
  function crossEntropy(input: Tensor, options: { target: Tensor } & nn.CrossEntropyOptions): Tensor;
  /** the class weight by position too, as F.cross_entropy(x, y, w) (then PyTorch's positions, the deprecated size_average and reduce taken only as null; options are clearer) */
  function crossEntropy(input: Tensor, target: Tensor, weight: Tensor | null, options?: Omit<nn.CrossEntropyOptions, "weight">): Tensor;
  function nllLoss(input: Tensor, target: Tensor<Shape, "int32">, options?: { reduction?: nn.Reduction; ignoreIndex?: number | null; weight?: Tensor | null }): Tensor;
  function nllLoss(input: Tensor, options: { target: Tensor<Shape, "int32">; reduction?: nn.Reduction; ignoreIndex?: number | null; weight?: Tensor | null }): Tensor;
  function nllLoss(input: Tensor, target: Tensor<Shape, "int32">, weight: Tensor | null, options?: { reduction?: nn.Reduction; ignoreIndex?: number | null }): Tensor;
  function mseLoss(input: Tensor, target: Tensor, options?: { reduction?: nn.Reduction }): Tensor;
  function mseLoss(input: Tensor, options: { target: Tensor; reduction?: nn.Reduction }): Tensor;
  function marginRankingLoss(input1: Tensor, input2: Tensor, target: Tensor, options?: { margin?: number; reduction?: nn.Reduction }): Tensor;
  function marginRankingLoss(input1: Tensor, input2: Tensor, options: { target: Tensor; margin?: number; reduction?: nn.Reduction }): Tensor;
  function marginRankingLoss(input1: Tensor, options: { input2: Tensor; target: Tensor; margin?: number; reduction?: nn.Reduction }): Tensor;
  function hingeEmbeddingLoss(input: Tensor, target: Tensor, options?: { margin?: number; reduction?: nn.Reduction }): Tensor;
  function hingeEmbeddingLoss(input: Tensor, options: { target: Tensor; margin?: number; reduction?: nn.Reduction }): Tensor;
  function softMarginLoss(input: Tensor, target: Tensor, options?: { reduction?: nn.Reduction }): Tensor;
  function softMarginLoss(input: Tensor, options: { target: Tensor; reduction?: nn.Reduction }): Tensor;
  function multilabelSoftMarginLoss(input: Tensor, target: Tensor, options?: { weight?: Tensor | null; reduction?: nn.Reduction }): Tensor;
  function multilabelSoftMarginLoss(input: Tensor, options: { target: Tensor; weight?: Tensor | null; reduction?: nn.Reduction }): Tensor;
  function multiMarginLoss(input: Tensor, target: Tensor<Shape, "int32">, options?: { p?: 1 | 2; margin?: number; weight?: Tensor | null; reduction?: nn.Reduction }): Tensor;
  function multiMarginLoss(input: Tensor, options: { target: Tensor<Shape, "int32">; p?: 1 | 2; margin?: number; weight?: Tensor | null; reduction?: nn.Reduction }): Tensor;
  function multilabelMarginLoss(input: Tensor, target: Tensor<Shape, "int32">, options?: { reduction?: nn.Reduction }): Tensor;
  function multilabelMarginLoss(input: Tensor, options: { target: Tensor<Shape, "int32">; reduction?: nn.Reduction }): Tensor;
  function cosineEmbeddingLoss(input1: Tensor, input2: Tensor, target: Tensor, options?: { margin?: number; reduction?: nn.Reduction }): Tensor;
  function cosineEmbeddingLoss(input1: Tensor, input2: Tensor, options: { target: Tensor; margin?: number; reduction?: nn.Reduction }): Tensor;
  function cosineEmbeddingLoss(input1: Tensor, options: { input2: Tensor; target: Tensor; margin?: number; reduction?: nn.Reduction }): Tensor;
  function tripletMarginLoss(anchor: Tensor, positive: Tensor, negative: Tensor, options?: { margin?: number; p?: number; eps?: number; swap?: boolean; reduction?: nn.Reduction }): Tensor;
  function tripletMarginLoss(anchor: Tensor, positive: Tensor, options: { negative: Tensor; margin?: number; p?: number; eps?: number; swap?: boolean; reduction?: nn.Reduction }): Tensor;
  function tripletMarginLoss(anchor: Tensor, options: { positive: Tensor; negative: Tensor; margin?: number; p?: number; eps?: number; swap?: boolean; reduction?: nn.Reduction }): Tensor;
  function tripletMarginWithDistanceLoss(anchor: Tensor, positive: Tensor, negative: Tensor, options?: { distanceFunction?: ((x: Tensor, y: Tensor) => Tensor) | nn.Module | null; margin?: number; swap?: boolean; reduction?: nn.Reduction }): Tensor;
  function tripletMarginWithDistanceLoss(anchor: Tensor, positive: Tensor, options: { negative: Tensor; distanceFunction?: ((x: Tensor, y: Tensor) => Tensor) | nn.Module | null; margin?: number; swap?: boolean; reduction?: nn.Reduction }): Tensor;
  function tripletMarginWithDistanceLoss(anchor: Tensor, options: { positive: Tensor; negative: Tensor; distanceFunction?: ((x: Tensor, y: Tensor) => Tensor) | nn.Module | null; margin?: number; swap?: boolean; reduction?: nn.Reduction }): Tensor;
  function poissonNllLoss(input: Tensor, target: Tensor, options?: { logInput?: boolean; full?: boolean; eps?: number; reduction?: nn.Reduction }): Tensor;
  function poissonNllLoss(input: Tensor, options: { target: Tensor; logInput?: boolean; full?: boolean; eps?: number; reduction?: nn.Reduction }): Tensor;
  function gaussianNllLoss(input: Tensor, target: Tensor, variance: Tensor, options?: { full?: boolean; eps?: number; reduction?: nn.Reduction }): Tensor;
  function gaussianNllLoss(input: Tensor, target: Tensor, options: { var: Tensor; full?: boolean; eps?: number; reduction?: nn.Reduction }): Tensor;
  function gaussianNllLoss(input: Tensor, options: { target: Tensor; var: Tensor; full?: boolean; eps?: number; reduction?: nn.Reduction }): Tensor;
  /** torch.nn.functional.ctc_loss: nn.CTCLoss's loss (see there). */
  function ctcLoss(logProbs: Tensor, targets: Tensor<Shape, "int32">, inputLengths: Tensor | number, targetLengths: Tensor | number, options?: { blank?: number; reduction?: nn.Reduction; zeroInfinity?: boolean }): Tensor;
  function ctcLoss(logProbs: Tensor, targets: Tensor<Shape, "int32">, inputLengths: Tensor | number, options: { targetLengths: Tensor | number; blank?: number; reduction?: nn.Reduction; zeroInfinity?: boolean }): Tensor;
  function ctcLoss(logProbs: Tensor, targets: Tensor<Shape, "int32">, options: { inputLengths: Tensor | number; targetLengths: Tensor | number; blank?: number; reduction?: nn.Reduction; zeroInfinity?: boolean }): Tensor;
  function ctcLoss(logProbs: Tensor, options: { targets: Tensor<Shape, "int32">; inputLengths: Tensor | number; targetLengths: Tensor | number; blank?: number; reduction?: nn.Reduction; zeroInfinity?: boolean }): Tensor;
  function l1Loss(input: Tensor, target: Tensor, options?: { reduction?: nn.Reduction }): Tensor;
  function l1Loss(input: Tensor, options: { target: Tensor; reduction?: nn.Reduction }): Tensor;
  function smoothL1Loss(input: Tensor, target: Tensor, options?: { reduction?: nn.Reduction; beta?: number }): Tensor;
  function smoothL1Loss(input: Tensor, options: { target: Tensor; reduction?: nn.Reduction; beta?: number }): Tensor;
  function huberLoss(input: Tensor, target: Tensor, options?: { reduction?: nn.Reduction; delta?: number }): Tensor;
  function huberLoss(input: Tensor, options: { target: Tensor; reduction?: nn.Reduction; delta?: number }): Tensor;
  function klDiv(input: Tensor, target: Tensor, options?: { reduction?: nn.Reduction | "batchmean"; logTarget?: boolean }): Tensor;
  function klDiv(input: Tensor, options: { target: Tensor; reduction?: nn.Reduction | "batchmean"; logTarget?: boolean }): Tensor;
  /** torch.nn.functional.binary_cross_entropy: input holds probabilities in [0, 1] */
  function binaryCrossEntropy(input: Tensor, target: Tensor, options?: { reduction?: nn.Reduction; weight?: Tensor | null }): Tensor;
  function binaryCrossEntropy(input: Tensor, options: { target: Tensor; reduction?: nn.Reduction; weight?: Tensor | null }): Tensor;
  function binaryCrossEntropy(input: Tensor, target: Tensor, weight: Tensor | null, options?: { reduction?: nn.Reduction }): Tensor;
  /** torch.nn.functional.binary_cross_entropy_with_logits */
  function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options?: { reduction?: nn.Reduction; weight?: Tensor | null; posWeight?: Tensor | null }): Tensor;
  function binaryCrossEntropyWithLogits(input: Tensor, options: { target: Tensor; reduction?: nn.Reduction; weight?: Tensor | null; posWeight?: Tensor | null }): Tensor;
  function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, weight: Tensor | null, options?: { reduction?: nn.Reduction; posWeight?: Tensor | null }): Tensor;
  /** torch.nn.functional.interpolate, modes "nearest", "linear" and "bilinear" (see nn.InterpolateOptions). */
  function interpolate(x: Tensor, options: nn.InterpolateOptions): Tensor;
  function interpolate(x: Tensor, size?: number | readonly number[] | null, scaleFactor?: number | readonly number[] | null,
    mode?: "nearest" | "nearest-exact" | "linear" | "bilinear" | "bicubic" | "trilinear" | "area", alignCorners?: boolean | null, recomputeScaleFactor?: boolean | null): Tensor;
  function interpolate(x: Tensor, size?: number | readonly number[] | null, scaleFactor?: number | readonly number[] | null, mode?: "nearest" | "nearest-exact" | "linear" | "bilinear" | "bicubic" | "trilinear" | "area", alignCorners?: boolean | null, options?: { recomputeScaleFactor?: boolean | null }): Tensor;
  function interpolate(x: Tensor, size?: number | readonly number[] | null, scaleFactor?: number | readonly number[] | null, mode?: "nearest" | "nearest-exact" | "linear" | "bilinear" | "bicubic" | "trilinear" | "area", options?: { alignCorners?: boolean | null; recomputeScaleFactor?: boolean | null }): Tensor;
  function interpolate(x: Tensor, size?: number | readonly number[] | null, scaleFactor?: number | readonly number[] | null, options?: { mode?: "nearest" | "nearest-exact" | "linear" | "bilinear" | "bicubic" | "trilinear" | "area"; alignCorners?: boolean | null; recomputeScaleFactor?: boolean | null }): Tensor;
  function interpolate(x: Tensor, size?: number | readonly number[] | null, options?: { scaleFactor?: number | readonly number[] | null; mode?: "nearest" | "nearest-exact" | "linear" | "bilinear" | "bicubic" | "trilinear" | "area"; alignCorners?: boolean | null; recomputeScaleFactor?: boolean | null }): Tensor;
  function interpolate(x: Tensor, options?: { size?: number | readonly number[] | null; scaleFactor?: number | readonly number[] | null; mode?: "nearest" | "nearest-exact" | "linear" | "bilinear" | "bicubic" | "trilinear" | "area"; alignCorners?: boolean | null; recomputeScaleFactor?: boolean | null }): Tensor;
  /**
   * torch.nn.functional.pad, mode "constant": (before, after) pairs from the last dim backwards
   * ([left, right, top, bottom] for an image); a negative amount crops. Not along the batch.
   */
  /** mode "constant" (value; negative amounts crop), or from x's own values: "reflect", "replicate", "circular" (the spatial dims) */
  function pad(x: Tensor, pad: readonly number[], mode?: "constant" | "reflect" | "replicate" | "circular", value?: number): Tensor;
  function pad(x: Tensor, pad: readonly number[], mode?: "constant" | "reflect" | "replicate" | "circular", options?: { value?: number }): Tensor;
  function pad(x: Tensor, options: { pad: readonly number[]; mode?: "constant" | "reflect" | "replicate" | "circular"; value?: number }): Tensor;
  function pad(x: Tensor, pad: readonly number[], options: { mode?: "constant" | "reflect" | "replicate" | "circular"; value?: number }): Tensor;
  function rmsNorm(x: Tensor, normalizedShape: number | readonly number[], weight?: Tensor | null, eps?: number | null): Tensor;
  function rmsNorm(x: Tensor, normalizedShape: number | readonly number[], weight?: Tensor | null, options?: { eps?: number | null }): Tensor;
  function rmsNorm(x: Tensor, options: { normalizedShape: number | readonly number[]; weight?: Tensor | null; eps?: number | null }): Tensor;
  function rmsNorm(x: Tensor, normalizedShape: number | readonly number[], options: { weight?: Tensor | null; eps?: number | null }): Tensor;
  function pairwiseDistance(x1: Tensor, x2: Tensor, p?: number, eps?: number, keepdim?: boolean): Tensor;
  function pairwiseDistance(x1: Tensor, x2: Tensor, p?: number, eps?: number, options?: { keepdim?: boolean }): Tensor;
  function pairwiseDistance(x1: Tensor, x2: Tensor, p?: number, options?: { eps?: number; keepdim?: boolean }): Tensor;
  function pairwiseDistance(x1: Tensor, options: { x2: Tensor; p?: number; eps?: number; keepdim?: boolean }): Tensor;
  function pairwiseDistance(x1: Tensor, x2: Tensor, options: { p?: number; eps?: number; keepdim?: boolean }): Tensor;
  function adaptiveMaxPool1d(x: Tensor, outputSize: Size1, returnIndices: true): [Tensor, Tensor<Shape, "int32">];
  function adaptiveMaxPool1d(x: Tensor, outputSize: Size1, options: { returnIndices: true }): [Tensor, Tensor<Shape, "int32">];
  function adaptiveMaxPool1d(x: Tensor, options: { outputSize: Size1; returnIndices: true }): [Tensor, Tensor<Shape, "int32">];
  function adaptiveMaxPool1d(x: Tensor, outputSize: Size1, returnIndices?: false): Tensor;
  function adaptiveMaxPool1d(x: Tensor, outputSize: Size1, options: { returnIndices?: false }): Tensor;
  function adaptiveMaxPool1d(x: Tensor, options: { outputSize: Size1; returnIndices?: false }): Tensor;
  function adaptiveMaxPool2d(x: Tensor, outputSize: number | readonly (number | null)[], returnIndices: true): [Tensor, Tensor<Shape, "int32">];
  function adaptiveMaxPool2d(x: Tensor, outputSize: number | readonly (number | null)[], options: { returnIndices: true }): [Tensor, Tensor<Shape, "int32">];
  function adaptiveMaxPool2d(x: Tensor, options: { outputSize: number | readonly (number | null)[]; returnIndices: true }): [Tensor, Tensor<Shape, "int32">];
  function adaptiveMaxPool2d(x: Tensor, outputSize: number | readonly (number | null)[], returnIndices?: false): Tensor;
  function adaptiveMaxPool2d(x: Tensor, outputSize: number | readonly (number | null)[], options: { returnIndices?: false }): Tensor;
  function adaptiveMaxPool2d(x: Tensor, options: { outputSize: number | readonly (number | null)[]; returnIndices?: false }): Tensor;
  function localResponseNorm(x: Tensor, size: number, alpha?: number, beta?: number, k?: number): Tensor;
  function localResponseNorm(x: Tensor, size: number, alpha?: number, beta?: number, options?: { k?: number }): Tensor;
  function localResponseNorm(x: Tensor, size: number, alpha?: number, options?: { beta?: number; k?: number }): Tensor;
  function localResponseNorm(x: Tensor, size: number, options?: { alpha?: number; beta?: number; k?: number }): Tensor;
  function localResponseNorm(x: Tensor, options: { size: number; alpha?: number; beta?: number; k?: number }): Tensor;
  function groupNorm(x: Tensor, numGroups: number, weight?: Tensor | null, bias?: Tensor | null, eps?: number): Tensor;
  function groupNorm(x: Tensor, numGroups: number, weight?: Tensor | null, bias?: Tensor | null, options?: { eps?: number }): Tensor;
  function groupNorm(x: Tensor, numGroups: number, weight?: Tensor | null, options?: { bias?: Tensor | null; eps?: number }): Tensor;
  function groupNorm(x: Tensor, options: { numGroups: number; weight?: Tensor | null; bias?: Tensor | null; eps?: number }): Tensor;
  function groupNorm(x: Tensor, numGroups: number, options: { weight?: Tensor | null; bias?: Tensor | null; eps?: number }): Tensor;
  function groupNorm(x: Tensor, numGroups: number, weight: Tensor | null | undefined, bias: Tensor | null | undefined, options: { eps?: number }): Tensor;

  // Factories (torch.zeros, ...): float32. Inside forward they are constants computed in the kernel
  // that reads them, and zeros/ones/full may name the batch once (F.zeros(layers, x.size(0), H), each
  // replica's own batch). In a constructor (or a module-level const) they and the math on them are
  // computed when the model is compiled: an nn.Parameter's or a buffer's initial value, or a plain
  // field forward reads (this.mask = F.tril(...)), which forward then computes as its own constant.
  type Size = number | readonly number[];
  /**
   * torch's factory keywords: device (x.device, "cuda": every tensor is on the model's GPU) and
   * requiresGrad (what trains is an nn.Parameter) are accepted and change nothing.
   */
  /** out: torch's out= (PyG DimeNet's torch.arange(1, n + 1, out=self.freq)): the result written into it, which the call returns */
  interface FactoryOptions { dtype?: "float32"; device?: unknown; requiresGrad?: boolean; out?: Tensor | null }
  /** zeros, ones, full, empty and the *Like factories of dtype int32 (or int64, held as int32): the value rounded toward zero */
  interface IntFactoryOptions { dtype: "int32" | "int64"; device?: unknown; requiresGrad?: boolean; out?: Tensor | null }
  /** another tensor's dtype, known to the compiler but not to TypeScript: torchvision's stochastic_depth torch.empty(size, dtype=input.dtype, device=input.device); or bool, a 0/1 mask (HF GPT-2's torch.tril(torch.ones((n, n), dtype=torch.bool))) */
  interface DtypeOfFactoryOptions { dtype: DType | "bool"; device?: unknown; requiresGrad?: boolean }
  /** zeros, ones and empty of dtype complex64 (F.cfloat): a complex tensor, imaginary part 0, for slice writes (FNO's out_ft) */
  interface ComplexFactoryOptions { dtype: "complex64"; device?: unknown; requiresGrad?: boolean }
  /** torch.tensor(data): listed values (a number or nested arrays of them), float32. Read in forward, at most 64 values (a larger table is a buffer made in the constructor). */
  function tensor(data: number | readonly number[] | readonly (readonly number[])[] | readonly (readonly (readonly number[])[])[], options?: { dtype?: "float32"; device?: unknown; requiresGrad?: boolean }): Tensor;
  function tensor(options: { data: number | readonly number[] | readonly (readonly number[])[] | readonly (readonly (readonly number[])[])[]; dtype?: "float32" }): Tensor;
  /** int32 (or int64, held as int32) indices listed by hand: integers of at most 2^24 in magnitude. */
  function tensor(data: number | readonly number[] | readonly (readonly number[])[] | readonly (readonly (readonly number[])[])[], options: { dtype: "int32" | "int64"; device?: unknown; requiresGrad?: boolean }): Tensor<Shape, "int32">;
  function tensor(options: { data: number | readonly number[] | readonly (readonly number[])[] | readonly (readonly (readonly number[])[])[]; dtype: "int32" | "int64" }): Tensor<Shape, "int32">;
  /** another tensor's dtype (Hugging Face's torch.tensor(finfo(w.dtype).min, dtype=w.dtype), Gemma's torch.tensor(hidden_size**0.5, dtype=hidden_states.dtype)) */
  function tensor(data: number | readonly number[] | readonly (readonly number[])[] | readonly (readonly (readonly number[])[])[], options: { dtype: DType }): Tensor;
  /** torch.tensor(t) of a tensor: a copy cut from autograd (PyTorch's t.clone().detach()), converted when a dtype is given: the port of torch.tensor(np_array) */
  function tensor<S extends Shape, D extends DType>(data: Tensor<S, D>, options?: { dtype?: undefined; device?: unknown; requiresGrad?: boolean }): Tensor<S, D>;
  function tensor(data: Tensor, options: { dtype: "int32" | "int64"; device?: unknown; requiresGrad?: boolean }): Tensor<Shape, "int32">;
  function tensor(data: Tensor, options: { dtype: "float32" | DType; device?: unknown; requiresGrad?: boolean }): Tensor;
  /** torch.as_tensor(data, dtype): listed data as F.tensor reads it (integers int32, as PyTorch's int64; a float literal float32), or a tensor, itself (converted when a dtype is given) */
  function asTensor(data: number | readonly number[] | readonly (readonly number[])[] | readonly (readonly (readonly number[])[])[], options: { dtype: "int32" | "int64"; device?: unknown }): Tensor<Shape, "int32">;
  function asTensor(data: number | readonly number[] | readonly (readonly number[])[] | readonly (readonly (readonly number[])[])[], options?: { dtype?: "float32" | DType; device?: unknown }): Tensor;
  function asTensor<S extends Shape>(data: Tensor<S>, options?: { dtype?: "float32"; device?: unknown }): Tensor<S>;
  function asTensor<S extends Shape>(data: Tensor<S, DType>, options: { dtype: "int32" | "int64"; device?: unknown }): Tensor<S, "int32">;
  /** torch.scalar_tensor(s): a 0-dim tensor, float32 unless a dtype is given (torch.scalar_tensor(3) is tensor(3.), where F.tensor(3) is an integer) */
  function scalarTensor(s: number, options: { dtype: "int32" | "int64"; device?: unknown; requiresGrad?: boolean }): Tensor<[], "int32">;
  function scalarTensor(s: number, options?: { dtype?: "float32" | DType; device?: unknown; requiresGrad?: boolean }): Tensor<[]>;
  function scalarTensor(options: { s: number; dtype?: "float32" | "int32" | "int64"; device?: unknown; requiresGrad?: boolean }): Tensor<[]>;
  function zeros(size: Size, options: ComplexFactoryOptions): ComplexTensor;
  function zeros(...size: [...number[], ComplexFactoryOptions]): ComplexTensor;
  function zeros(size: Size, options: IntFactoryOptions): Tensor<Shape, "int32">;
  function zeros(size: Size, options?: FactoryOptions): Tensor;
  function zeros(size: Size, options: DtypeOfFactoryOptions): Tensor;
  function zeros(...size: number[]): Tensor;
  /** torch.zeros(B, T, dtype=torch.long): the sizes one by one, then the options (ones, empty, rand, randn likewise) */
  function zeros(...size: [...number[], IntFactoryOptions]): Tensor<Shape, "int32">;
  function zeros(...size: [...number[], FactoryOptions | DtypeOfFactoryOptions]): Tensor;
  /** torch.zeros(size=(2, 3)) → F.zeros({ size: [2, 3] }) (ones, empty, rand, randn likewise) */
  function zeros(options: { size: Size } & IntFactoryOptions): Tensor<Shape, "int32">;
  function zeros(options: { size: Size } & FactoryOptions): Tensor;
  function ones(size: Size, options: ComplexFactoryOptions): ComplexTensor;
  function ones(...size: [...number[], ComplexFactoryOptions]): ComplexTensor;
  function ones(size: Size, options: IntFactoryOptions): Tensor<Shape, "int32">;
  function ones(size: Size, options?: FactoryOptions): Tensor;
  function ones(size: Size, options: DtypeOfFactoryOptions): Tensor;
  function ones(...size: number[]): Tensor;
  function ones(...size: [...number[], IntFactoryOptions]): Tensor<Shape, "int32">;
  function ones(...size: [...number[], FactoryOptions | DtypeOfFactoryOptions]): Tensor;
  function ones(options: { size: Size } & IntFactoryOptions): Tensor<Shape, "int32">;
  function ones(options: { size: Size } & FactoryOptions): Tensor;
  function full(size: Size, fillValue: number, options: IntFactoryOptions): Tensor<Shape, "int32">;
  function full(size: Size, options: { fillValue: number } & IntFactoryOptions): Tensor<Shape, "int32">;
  function full(options: { size: Size; fillValue: number } & IntFactoryOptions): Tensor<Shape, "int32">;
  function full(size: Size, fillValue: number, options?: FactoryOptions): Tensor;
  function full(size: Size, fillValue: number, options: DtypeOfFactoryOptions): Tensor;
  function full(size: Size, options: { fillValue: number } & FactoryOptions): Tensor;
  function full(options: { size: Size; fillValue: number } & FactoryOptions): Tensor;
  /** In forward: zeros (ones, fillValue) shaped like x, the batch dim included, as torch.zeros_like; x's dtype unless dtype is given. */
  function zerosLike(input: Tensor, options?: FactoryOptions | IntFactoryOptions | DtypeOfFactoryOptions): Tensor;
  /** torch.empty's values are whatever memory held: tsdp's are zeros, the same on every run. */
  function empty(size: Size, options: ComplexFactoryOptions): ComplexTensor;
  function empty(...size: [...number[], ComplexFactoryOptions]): ComplexTensor;
  function empty(size: Size, options: IntFactoryOptions): Tensor<Shape, "int32">;
  /** the seq2seq tutorial's torch.empty(B, 1, dtype=torch.long).fill_(SOS_token) */
  function empty(...sizes: [...number[], IntFactoryOptions]): Tensor<Shape, "int32">;
  function empty(size: Size, options?: FactoryOptions): Tensor;
  function empty(size: Size, options: DtypeOfFactoryOptions): Tensor;
  function empty(...sizes: number[]): Tensor;
  function empty(...sizes: [...number[], FactoryOptions | DtypeOfFactoryOptions]): Tensor;
  function empty(options: { size: Size } & FactoryOptions): Tensor;
  function emptyLike(input: Tensor, options?: FactoryOptions | IntFactoryOptions | DtypeOfFactoryOptions): Tensor;
  /** torch.manual_seed in a constructor: accepted and changes nothing (the draws come from load()'s seed); refused in forward. */
  function manualSeed(seed: number): null;
  function manualSeed(options: { seed: number }): null;
  /**
   * PyTorch's legacy typed constructors: sizes (torch.Tensor(out, in), then an initializer) make
   * F.empty's zeros; listed data (torch.FloatTensor([…]), torch.LongTensor(idxs)) is F.tensor of it in
   * the class's dtype; a tensor is converted to it. A shape from x.size() is sizes, as torch.Size is.
   */
  function Tensor(...sizes: number[]): Tensor;
  function Tensor(data: number[] | readonly (readonly number[])[] | Tensor): Tensor;
  function FloatTensor(...sizes: number[]): Tensor;
  function FloatTensor(data: number[] | readonly (readonly number[])[] | Tensor): Tensor;
  function LongTensor(...sizes: number[]): Tensor<Shape, "int32">;
  function LongTensor(data: number[] | readonly (readonly number[])[] | Tensor): Tensor<Shape, "int32">;
  function IntTensor(...sizes: number[]): Tensor<Shape, "int32">;
  function IntTensor(data: number[] | readonly (readonly number[])[] | Tensor): Tensor<Shape, "int32">;
  function onesLike(input: Tensor, options?: FactoryOptions | IntFactoryOptions | DtypeOfFactoryOptions): Tensor;
  function fullLike(input: Tensor, fillValue: number, options?: FactoryOptions | IntFactoryOptions | DtypeOfFactoryOptions): Tensor;
  function fullLike(input: Tensor, options: { fillValue: number } & (FactoryOptions | IntFactoryOptions)): Tensor;
  /**
   * Standard normal values (F.rand: uniform in [0, 1)). In forward, drawn afresh on every call, in
   * train and eval mode as PyTorch's, with no gradient; the size may name the batch once
   * (F.randn(x.size(0), 1)). In a constructor, drawn once when the model is created (from its seed):
   * an nn.Parameter's or buffer's initial value, scaled and shifted at most (F.randn(width).mul(scale)).
   */
  function randn(size: Size, options?: FactoryOptions): Tensor;
  function randn(...size: number[]): Tensor;
  function randn(...size: [...number[], FactoryOptions]): Tensor;
  function randn(options: { size: Size } & FactoryOptions): Tensor;
  /**
   * torch.normal: mean + std·z. Of two numbers it takes the size: in a constructor a parameter's initial
   * value (Parameter(F.normal(0, 0.01, [C, D]))), in forward a fresh draw; a tensor mean or std draws in
   * forward, one value per element of their broadcast shape.
   */
  function normal(mean: number, std: number, size: Size, options?: FactoryOptions): Tensor;
  function normal(mean: Tensor, std?: Tensor | number): Tensor;
  function normal(mean: number, std: Tensor): Tensor;
  function normal(options: { mean: number | Tensor; std?: number | Tensor; size?: Size } & FactoryOptions): Tensor;
  function rand(size: Size, options?: FactoryOptions): Tensor;
  function rand(...size: number[]): Tensor;
  function rand(...size: [...number[], FactoryOptions]): Tensor;
  function rand(options: { size: Size } & FactoryOptions): Tensor;
  /** In forward: standard normal values shaped like x, drawn on every call, as torch.randn_like (a VAE's ε). */
  function randnLike(input: Tensor, options?: FactoryOptions): Tensor;
  /** In forward: uniform [0, 1) values shaped like x, drawn on every call, as torch.rand_like. */
  function randLike(input: Tensor, options?: FactoryOptions): Tensor;
  /** In forward: 1 with probability p[i], else 0 (float32), drawn on every call, as torch.bernoulli (drop path's keep mask). */
  function bernoulli(p: Tensor): Tensor;
  /** torch.arange(end) or torch.arange(start, end, step = 1): ⌈(end − start)/step⌉ values. */
  /** With { dtype: "int32" }: integer positions, for nn.Embedding. */
  function arange(end: number, options: IntFactoryOptions): Tensor<Shape, "int32">;
  function arange(options: { end: number } & IntFactoryOptions): Tensor<Shape, "int32">;
  function arange(start: number, end: number, step: number, options: IntFactoryOptions): Tensor<Shape, "int32">;
  function arange(start: number, end: number, options: { step: number } & IntFactoryOptions): Tensor<Shape, "int32">;
  function arange(start: number, options: { end: number; step: number } & IntFactoryOptions): Tensor<Shape, "int32">;
  function arange(options: { start: number; end: number; step: number } & IntFactoryOptions): Tensor<Shape, "int32">;
  function arange(end: number, options?: FactoryOptions): Tensor;
  function arange(options: { end: number } & FactoryOptions): Tensor;
  function arange(start: number, end: number, options: IntFactoryOptions): Tensor<Shape, "int32">;
  function arange(start: number, options: { end: number } & IntFactoryOptions): Tensor<Shape, "int32">;
  function arange(options: { start: number; end: number } & IntFactoryOptions): Tensor<Shape, "int32">;
  function arange(start: number, end: number, options: FactoryOptions): Tensor;
  function arange(start: number, options: { end: number } & FactoryOptions): Tensor;
  function arange(options: { start: number; end: number } & FactoryOptions): Tensor;
  function arange(start: number, end: number, step?: number, options?: FactoryOptions): Tensor;
  function arange(start: number, end: number, options?: { step?: number } & FactoryOptions): Tensor;
  function arange(start: number, options: { end: number; step?: number } & FactoryOptions): Tensor;
  function arange(options: { start: number; end: number; step?: number } & FactoryOptions): Tensor;
  function linspace(start: number, end: number, steps: number, options?: FactoryOptions): Tensor;
  /** dtype another tensor's (DrQ-v2's and C51's torch.linspace(…, dtype=x.dtype)), known to the compiler, not to TypeScript */
  function linspace(start: number, end: number, steps: number, options: { dtype: DType; device?: unknown; requiresGrad?: boolean }): Tensor;
  function linspace(start: number, end: number, options: { steps: number } & FactoryOptions): Tensor;
  function linspace(start: number, options: { end: number; steps: number } & FactoryOptions): Tensor;
  function linspace(options: { start: number; end: number; steps: number } & FactoryOptions): Tensor;
  /** n × m (m defaults to n) with ones on the diagonal. */
  function eye(n: number, m?: number, options?: FactoryOptions): Tensor;
  function eye(n: number, options?: { m?: number } & FactoryOptions): Tensor;
  function eye(options: { n: number; m?: number } & FactoryOptions): Tensor;
  /** torch.tril(input, diagonal = 0): keeps (r, c) of the last two dims where c − r ≤ diagonal. */
  function tril(input: Tensor, diagonal?: number): Tensor;
  function tril(input: Tensor, options: { diagonal?: number }): Tensor;
  /** torch.triu(input, diagonal = 0): keeps (r, c) of the last two dims where c − r ≥ diagonal. */
  function triu(input: Tensor, diagonal?: number): Tensor;
  function triu(input: Tensor, options: { diagonal?: number }): Tensor;
  interface AttentionOptions {
    /** A float mask is added to the scores; a bool one (a comparison's result) keeps where true, as PyTorch's. */
    attnMask?: Tensor | null;
    /** Dropout on the attention weights, on every call (pass 0 in eval mode, as nn.MultiheadAttention does). */
    dropoutP?: number;
    /** Masks the future: query r attends to keys c ≤ r. */
    isCausal?: boolean;
    /** Defaults to 1/√E, E the query's last dim. */
    scale?: number | null;
    /** Grouped-query attention: key and value have fewer heads (dim −3), each serving query heads / their heads. */
    enableGqa?: boolean;
  }
  /** softmax(q·kᵀ·scale + mask)·v over the last two dims: q [..., L, E], k [..., S, E], v [..., S, Ev] → [..., L, Ev]. */
  function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, options?: AttentionOptions): Tensor;
  function scaledDotProductAttention(query: Tensor, key: Tensor, options: { value: Tensor } & AttentionOptions): Tensor;
  function scaledDotProductAttention(query: Tensor, options: { key: Tensor; value: Tensor } & AttentionOptions): Tensor;
  function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, attnMask?: Tensor | null, dropoutP?: number, isCausal?: boolean, scale?: number | null): Tensor;
  interface MultiHeadAttentionForwardOptions {
    embedDimToCheck: number;
    numHeads: number;
    inProjWeight: Tensor | null;
    inProjBias: Tensor | null;
    biasK: Tensor | null;
    biasV: Tensor | null;
    addZeroAttn: boolean;
    dropoutP: number;
    outProjWeight: Tensor;
    outProjBias: Tensor | null;
    /** Dropout applies when true (this.training: in train mode). */
    training?: boolean;
    keyPaddingMask?: Tensor | null;
    needWeights?: boolean;
    attnMask?: Tensor | null;
    /** q/k/v_proj_weight instead of in_proj_weight (CLIP's AttentionPool2d). */
    useSeparateProjWeight?: boolean;
    qProjWeight?: Tensor | null;
    kProjWeight?: Tensor | null;
    vProjWeight?: Tensor | null;
    /** Refused: precomputed per-head keys and values. */
    staticK?: null;
    staticV?: null;
    averageAttnWeights?: boolean;
    isCausal?: boolean;
  }
  /** torch.nn.functional.multi_head_attention_forward: nn.MultiheadAttention's computation with the weights given; query, key, value [L, N, E] (or unbatched [L, E]); returns [output, weights or null]. */
  function multiHeadAttentionForward(query: Tensor, key: Tensor, value: Tensor, options: MultiHeadAttentionForwardOptions): [Tensor, Tensor | null];
  function multiHeadAttentionForward(query: Tensor, key: Tensor, options: { value: Tensor } & MultiHeadAttentionForwardOptions): [Tensor, Tensor | null];
  function multiHeadAttentionForward(query: Tensor, options: { key: Tensor; value: Tensor } & MultiHeadAttentionForwardOptions): [Tensor, Tensor | null];
  function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, attnMask?: Tensor | null, dropoutP?: number, isCausal?: boolean, options?: { scale?: number | null }): Tensor;
  function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, attnMask?: Tensor | null, dropoutP?: number, options?: { isCausal?: boolean; scale?: number | null }): Tensor;
  function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, attnMask?: Tensor | null, options?: { dropoutP?: number; isCausal?: boolean; scale?: number | null }): Tensor;
  function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, options?: { attnMask?: Tensor | null; dropoutP?: number; isCausal?: boolean; scale?: number | null }): Tensor;
  function scaledDotProductAttention(query: Tensor, key: Tensor, options: { value: Tensor; attnMask?: Tensor | null; dropoutP?: number; isCausal?: boolean; scale?: number | null }): Tensor;
  function scaledDotProductAttention(query: Tensor, options: { key: Tensor; value: Tensor; attnMask?: Tensor | null; dropoutP?: number; isCausal?: boolean; scale?: number | null }): Tensor;
  /** torch.cat(tensors, dim = 0): along a fixed-size dim after the batch (dim 0 is the batch: pass a dim). */
  /**
   * torch.einsum ("bhqd,bhkd->bhqk", "ij,jk", "...ij->...ji"): one operand sums; two are sums, then one
   * batched matmul; three or more operands are contracted left to right, and a letter twice in one
   * operand reads its diagonal ("bii->bi").
   */
  function einsum(equation: string, ...operands: Tensor[]): Tensor;
  function einsum(equation: string, operands: readonly Tensor[]): Tensor;
  /** complex operands (S4D's Vandermonde kernel): a complex result */
  function einsum(equation: string, ...operands: (Tensor | ComplexTensor)[]): ComplexTensor;
  function einsum(equation: string, operands: readonly (Tensor | ComplexTensor)[]): ComplexTensor;
  function cat(tensors: readonly Tensor[], dim?: number): Tensor;
  function cat(tensors: readonly Tensor[], options: { dim?: number; out?: Tensor | null }): Tensor;
  /** torch.stack(tensors, dim = 0): equal shapes, joined along a new dim. */
  function stack(tensors: readonly Tensor[], dim?: number): Tensor;
  function stack(tensors: readonly Tensor[], options: { dim?: number; out?: Tensor | null }): Tensor;
  // in-place forms: input takes over the result, as with { inplace: true } (F.relu_(x) is F.relu(x, { inplace: true }))
  function relu_(input: Tensor): Tensor;
  function relu6_(input: Tensor): Tensor;
  function elu_(input: Tensor, alpha?: number): Tensor;
  function elu_(input: Tensor, options?: { alpha?: number }): Tensor;
  function leakyRelu_(input: Tensor, negativeSlope?: number): Tensor;
  function leakyRelu_(input: Tensor, options?: { negativeSlope?: number }): Tensor;
  function hardtanh_(input: Tensor, minVal?: number, maxVal?: number): Tensor;
  function hardtanh_(input: Tensor, minVal?: number, options?: { maxVal?: number }): Tensor;
  function hardtanh_(input: Tensor, options?: { minVal?: number; maxVal?: number }): Tensor;
  function threshold_(input: Tensor, threshold: number, value: number): Tensor;
  function threshold_(input: Tensor, threshold: number, options: { value: number }): Tensor;
  function threshold_(input: Tensor, options: { threshold: number; value: number }): Tensor;
  function celu_(input: Tensor, alpha?: number): Tensor;
  function celu_(input: Tensor, options?: { alpha?: number }): Tensor;
  function selu_(input: Tensor): Tensor;
  function rrelu_(input: Tensor, lower?: number, upper?: number, training?: boolean): Tensor;
  function rrelu_(input: Tensor, lower?: number, upper?: number, options?: { training?: boolean }): Tensor;
  function rrelu_(input: Tensor, lower?: number, options?: { upper?: number; training?: boolean }): Tensor;
  function rrelu_(input: Tensor, options?: { lower?: number; upper?: number; training?: boolean }): Tensor;
  function sigmoid_(input: Tensor): Tensor;
  function tanh_(input: Tensor): Tensor;
  function hardsigmoid_(input: Tensor): Tensor;
  function hardswish_(input: Tensor): Tensor;
  function silu_(input: Tensor): Tensor;
  function mish_(input: Tensor): Tensor;
  function dropout_(input: Tensor, p?: number, training?: boolean): Tensor;
  function dropout_(input: Tensor, p?: number, options?: { training?: boolean }): Tensor;
  function dropout_(input: Tensor, options?: { p?: number; training?: boolean }): Tensor;
  // torch's function forms of tensor methods, the tensor first: F.sum(x, 1) is x.sum(1), F.transpose(x, 1, 2) is x.transpose(1, 2)
  function add(input: Tensor, other: Tensor | number, options?: { alpha?: number }): Tensor;
  function add(input: Tensor, options: { other: Tensor | number; alpha?: number }): Tensor;
  function add(input: Tensor | ComplexTensor, other: ComplexTensor): ComplexTensor;
  function sub(input: Tensor, other: Tensor | number, options?: { alpha?: number }): Tensor;
  function sub(input: Tensor, options: { other: Tensor | number; alpha?: number }): Tensor;
  function sub(input: Tensor | ComplexTensor, other: ComplexTensor): ComplexTensor;
  function mul(input: Tensor, other: Tensor | number): Tensor;
  function mul(input: Tensor, options: { other: Tensor | number }): Tensor;
  function mul(input: Tensor | ComplexTensor, other: ComplexTensor): ComplexTensor;
  function div(input: Tensor, other: Tensor | number, options?: { roundingMode?: "floor" | "trunc" | null }): Tensor;
  function div(input: Tensor, options: { other: Tensor | number; roundingMode?: "floor" | "trunc" | null }): Tensor;
  function div(input: Tensor | ComplexTensor, other: ComplexTensor): ComplexTensor;
  function rsub(input: Tensor, other: Tensor | number): Tensor;
  function rsub(input: Tensor, options: { other: Tensor | number }): Tensor;
  function sum(input: Tensor, dim?: number | readonly number[] | null, keepdim?: boolean, options?: { dtype?: "float32" | "int32" | "int64" }): Tensor;
  function sum(input: Tensor, dim?: number | readonly number[] | null, options?: { keepdim?: boolean; dtype?: "float32" | "int32" | "int64" }): Tensor;
  function sum(input: Tensor, options: { dim?: number | readonly number[] | null; keepdim?: boolean; dtype?: "float32" | "int32" | "int64" }): Tensor;
  function mean(input: Tensor, dim?: number | readonly number[] | null, keepdim?: boolean, options?: { dtype?: "float32" }): Tensor;
  function mean(input: Tensor, dim?: number | readonly number[] | null, options?: { keepdim?: boolean; dtype?: "float32" }): Tensor;
  function mean(input: Tensor, options: { dim?: number | readonly number[] | null; keepdim?: boolean; dtype?: "float32" }): Tensor;
  function amax(input: Tensor, dim: number | readonly number[], keepdim?: boolean): Tensor;
  function amax(input: Tensor, options: { dim: number | readonly number[]; keepdim?: boolean }): Tensor;
  function amax(input: Tensor, dim: number | readonly number[], options: { keepdim?: boolean }): Tensor;
  function amin(input: Tensor, dim: number | readonly number[], keepdim?: boolean): Tensor;
  function amin(input: Tensor, options: { dim: number | readonly number[]; keepdim?: boolean }): Tensor;
  function amin(input: Tensor, dim: number | readonly number[], options: { keepdim?: boolean }): Tensor;
  function max(input: Tensor): Tensor;
  // the elementwise form first: SAC's F.min(q1, q2) of a module call's results (typed any) is a tensor, not a (values, indices) pair
  function max(input: Tensor, other: Tensor): Tensor;
  function max(input: Tensor, dim: number, keepdim?: boolean): MaxResult;
  function max(input: Tensor, options: { dim: number; keepdim?: boolean }): MaxResult;
  function max(input: Tensor, dim: number, options: { keepdim?: boolean }): MaxResult;
  function max(input: Tensor, options: { other: Tensor }): Tensor;
  function min(input: Tensor): Tensor;
  // the elementwise form first: SAC's F.min(q1, q2) of a module call's results (typed any) is a tensor, not a (values, indices) pair
  function min(input: Tensor, other: Tensor): Tensor;
  function min(input: Tensor, dim: number, keepdim?: boolean): MaxResult;
  function min(input: Tensor, options: { dim: number; keepdim?: boolean }): MaxResult;
  function min(input: Tensor, dim: number, options: { keepdim?: boolean }): MaxResult;
  function min(input: Tensor, options: { other: Tensor }): Tensor;
  function argmax(input: Tensor, dim?: number | null, keepdim?: boolean): Tensor<Shape, "int32">;
  function argmax(input: Tensor, options: { dim?: number | null; keepdim?: boolean }): Tensor<Shape, "int32">;
  function argmax(input: Tensor, dim: number | null, options: { keepdim?: boolean }): Tensor<Shape, "int32">;
  function argmin(input: Tensor, dim?: number | null, keepdim?: boolean): Tensor<Shape, "int32">;
  function argmin(input: Tensor, options: { dim?: number | null; keepdim?: boolean }): Tensor<Shape, "int32">;
  function argmin(input: Tensor, dim: number | null, options: { keepdim?: boolean }): Tensor<Shape, "int32">;
  function numel(input: Tensor): number;
  function gt(input: Tensor, other: Tensor | number): Tensor;
  function gt(input: Tensor, options: { other: Tensor | number }): Tensor;
  function ge(input: Tensor, other: Tensor | number): Tensor;
  function ge(input: Tensor, options: { other: Tensor | number }): Tensor;
  function lt(input: Tensor, other: Tensor | number): Tensor;
  function lt(input: Tensor, options: { other: Tensor | number }): Tensor;
  function le(input: Tensor, other: Tensor | number): Tensor;
  function le(input: Tensor, options: { other: Tensor | number }): Tensor;
  function eq(input: Tensor, other: Tensor | number): Tensor;
  function eq(input: Tensor, options: { other: Tensor | number }): Tensor;
  function ne(input: Tensor, other: Tensor | number): Tensor;
  function ne(input: Tensor, options: { other: Tensor | number }): Tensor;
  function logicalNot(input: Tensor): Tensor;
  function logicalAnd(input: Tensor, other: Tensor): Tensor;
  function logicalAnd(input: Tensor, options: { other: Tensor }): Tensor;
  function logicalOr(input: Tensor, other: Tensor): Tensor;
  function logicalOr(input: Tensor, options: { other: Tensor }): Tensor;
  function maskedFill(input: Tensor, mask: Tensor, value: number | Tensor): Tensor;
  function maskedFill(input: Tensor, mask: Tensor, options: { value: number | Tensor }): Tensor;
  function maskedFill(input: Tensor, options: { mask: Tensor; value: number | Tensor }): Tensor;
  function clampMin(input: Tensor, min: Tensor | number): Tensor;
  function clampMin(input: Tensor, options: { min: Tensor | number }): Tensor;
  function clampMax(input: Tensor, max: Tensor | number): Tensor;
  function clampMax(input: Tensor, options: { max: Tensor | number }): Tensor;
  function reshape(input: Tensor, shape: readonly number[]): Tensor;
  function reshape(input: Tensor, options: { shape: readonly number[] }): Tensor;
  function unsqueeze(input: Tensor, dim: number): Tensor;
  function unsqueeze(input: Tensor, options: { dim: number }): Tensor;
  function squeeze(input: Tensor, dim?: number | readonly number[]): Tensor;
  function squeeze(input: Tensor, options: { dim?: number | readonly number[] }): Tensor;
  function transpose(input: Tensor, dim0: number, dim1: number): Tensor;
  function transpose(input: Tensor, dim0: number, options: { dim1: number }): Tensor;
  function transpose(input: Tensor, options: { dim0: number; dim1: number }): Tensor;
  function swapaxes(input: Tensor, axis0: number, axis1: number): Tensor;
  function swapaxes(input: Tensor, axis0: number, options: { axis1: number }): Tensor;
  function swapaxes(input: Tensor, options: { axis0: number; axis1: number }): Tensor;
  function swapdims(input: Tensor, dim0: number, dim1: number): Tensor;
  function swapdims(input: Tensor, dim0: number, options: { dim1: number }): Tensor;
  function swapdims(input: Tensor, options: { dim0: number; dim1: number }): Tensor;
  function movedim(input: Tensor, source: number, destination: number): Tensor;
  function movedim(input: Tensor, source: number, options: { destination: number }): Tensor;
  function movedim(input: Tensor, options: { source: number; destination: number }): Tensor;
  function t(input: Tensor): Tensor;
  function permute(input: Tensor, dims: readonly number[]): Tensor;
  function permute(input: Tensor, options: { dims: readonly number[] }): Tensor;
  function unflatten(input: Tensor, dim: number, sizes: readonly number[]): Tensor;
  function unflatten(input: Tensor, dim: number, options: { sizes: readonly number[] }): Tensor;
  function unflatten(input: Tensor, options: { dim: number; sizes: readonly number[] }): Tensor;
  function flip(input: Tensor, dims: readonly number[]): Tensor;
  function flip(input: Tensor, options: { dims: readonly number[] }): Tensor;
  function tile(input: Tensor, dims: readonly number[]): Tensor;
  function tile(input: Tensor, options: { dims: readonly number[] }): Tensor;
  function repeatInterleave(input: Tensor, repeats: number | readonly number[] | Tensor, dim?: number): Tensor;
  function repeatInterleave(input: Tensor, options: { repeats: number | readonly number[] | Tensor; dim?: number }): Tensor;
  function repeatInterleave(input: Tensor, repeats: number | readonly number[] | Tensor, options: { dim?: number }): Tensor;
  function select(input: Tensor, dim: number, index: number): Tensor;
  function select(input: Tensor, dim: number, options: { index: number }): Tensor;
  function select(input: Tensor, options: { dim: number; index: number }): Tensor;
  function unbind(input: Tensor, dim?: number): Tensor[];
  function unbind(input: Tensor, options: { dim?: number }): Tensor[];
  function narrow(input: Tensor, dim: number, start: number, length: number): Tensor;
  function narrow(input: Tensor, dim: number, start: number, options: { length: number }): Tensor;
  function narrow(input: Tensor, dim: number, options: { start: number; length: number }): Tensor;
  function narrow(input: Tensor, options: { dim: number; start: number; length: number }): Tensor;
  function clone(input: Tensor, options?: { memoryFormat?: unknown }): Tensor;
  function detach(input: Tensor): Tensor;
  function split(tensor: Tensor, splitSizeOrSections: number | readonly number[], dim?: number): Tensor[];
  function split(tensor: Tensor, options: { splitSizeOrSections: number | readonly number[]; dim?: number }): Tensor[];
  function split(tensor: Tensor, splitSizeOrSections: number | readonly number[], options: { dim?: number }): Tensor[];
  function chunk(tensor: Tensor, chunks: number, dim?: number): Tensor[];
  function chunk(tensor: Tensor, options: { chunks: number; dim?: number }): Tensor[];
  function chunk(tensor: Tensor, chunks: number, options: { dim?: number }): Tensor[];
  function indexSelect(input: Tensor, dim: number, index: Tensor<Shape, "int32">): Tensor;
  function indexSelect(input: Tensor, dim: number, options: { index: Tensor<Shape, "int32"> }): Tensor;
  function indexSelect(input: Tensor, options: { dim: number; index: Tensor<Shape, "int32"> }): Tensor;
  function gather(input: Tensor, dim: number, index: Tensor<Shape, "int32">): Tensor;
  function gather(input: Tensor, dim: number, options: { index: Tensor<Shape, "int32"> }): Tensor;
  function gather(input: Tensor, options: { dim: number; index: Tensor<Shape, "int32"> }): Tensor;
  function scatter(input: Tensor, dim: number, index: Tensor<Shape, "int32">, src: Tensor | number, options?: { reduce?: "add" | "multiply" | null }): Tensor;
  function scatter(input: Tensor, dim: number, index: Tensor<Shape, "int32">, options: { src: Tensor | number; reduce?: "add" | "multiply" | null }): Tensor;
  function scatter(input: Tensor, dim: number, options: { index: Tensor<Shape, "int32">; src: Tensor | number; reduce?: "add" | "multiply" | null }): Tensor;
  function scatter(input: Tensor, options: { dim: number; index: Tensor<Shape, "int32">; src: Tensor | number; reduce?: "add" | "multiply" | null }): Tensor;
  function scatterAdd(input: Tensor, dim: number, index: Tensor<Shape, "int32">, src: Tensor): Tensor;
  function scatterAdd(input: Tensor, dim: number, index: Tensor<Shape, "int32">, options: { src: Tensor }): Tensor;
  function scatterAdd(input: Tensor, dim: number, options: { index: Tensor<Shape, "int32">; src: Tensor }): Tensor;
  function scatterAdd(input: Tensor, options: { dim: number; index: Tensor<Shape, "int32">; src: Tensor }): Tensor;
  function scatterReduce(input: Tensor, dim: number, index: Tensor<Shape, "int32">, src: Tensor, reduce: "sum" | "mean" | "prod" | "amax" | "amin", options?: { includeSelf?: boolean }): Tensor;
  function scatterReduce(input: Tensor, dim: number, index: Tensor<Shape, "int32">, src: Tensor, options: { reduce: "sum" | "mean" | "prod" | "amax" | "amin"; includeSelf?: boolean }): Tensor;
  function scatterReduce(input: Tensor, dim: number, index: Tensor<Shape, "int32">, options: { src: Tensor; reduce: "sum" | "mean" | "prod" | "amax" | "amin"; includeSelf?: boolean }): Tensor;
  function scatterReduce(input: Tensor, dim: number, options: { index: Tensor<Shape, "int32">; src: Tensor; reduce: "sum" | "mean" | "prod" | "amax" | "amin"; includeSelf?: boolean }): Tensor;
  function scatterReduce(input: Tensor, options: { dim: number; index: Tensor<Shape, "int32">; src: Tensor; reduce: "sum" | "mean" | "prod" | "amax" | "amin"; includeSelf?: boolean }): Tensor;
  /** torch.tril_indices / triu_indices: the [2, n] int32 (row, col) positions of the lower / upper triangle (offset: the diagonal's). */
  function trilIndices(row: number, col: number, offset?: number, options?: { dtype?: "int32" | "int64"; device?: unknown; requiresGrad?: boolean }): Tensor<Shape, "int32">;
  function trilIndices(row: number, options: { col: number; offset?: number; dtype?: "int32" | "int64"; device?: unknown; requiresGrad?: boolean }): Tensor<Shape, "int32">;
  function trilIndices(options: { row: number; col: number; offset?: number; dtype?: "int32" | "int64"; device?: unknown; requiresGrad?: boolean }): Tensor<Shape, "int32">;
  function trilIndices(row: number, col: number, options: { offset?: number; dtype?: "int32" | "int64"; device?: unknown; requiresGrad?: boolean }): Tensor<Shape, "int32">;
  function triuIndices(row: number, col: number, offset?: number, options?: { dtype?: "int32" | "int64"; device?: unknown; requiresGrad?: boolean }): Tensor<Shape, "int32">;
  function triuIndices(row: number, options: { col: number; offset?: number; dtype?: "int32" | "int64"; device?: unknown; requiresGrad?: boolean }): Tensor<Shape, "int32">;
  function triuIndices(options: { row: number; col: number; offset?: number; dtype?: "int32" | "int64"; device?: unknown; requiresGrad?: boolean }): Tensor<Shape, "int32">;
  function triuIndices(row: number, col: number, options: { offset?: number; dtype?: "int32" | "int64"; device?: unknown; requiresGrad?: boolean }): Tensor<Shape, "int32">;
  /** Square matrices [..., n, n] (torch.inverse, det, logdet, slogdet) */
  function inverse(x: Tensor): Tensor;
  function det(x: Tensor): Tensor;
  function logdet(x: Tensor): Tensor;
  function slogdet(x: Tensor): SlogdetResult;
  /** torch.qr(A, some=True): the reduced factorization; some false the complete one (rows ≤ columns). */
  function qr(A: Tensor, some?: boolean): QrResult;
  function qr(A: Tensor, options: { some?: boolean }): QrResult;
  function indexAdd(input: Tensor, dim: number, index: Tensor<Shape, "int32">, source: Tensor, options?: { alpha?: number }): Tensor;
  function indexAdd(input: Tensor, dim: number, index: Tensor<Shape, "int32">, options: { source: Tensor; alpha?: number }): Tensor;
  function indexAdd(input: Tensor, dim: number, options: { index: Tensor<Shape, "int32">; source: Tensor; alpha?: number }): Tensor;
  function indexAdd(input: Tensor, options: { dim: number; index: Tensor<Shape, "int32">; source: Tensor; alpha?: number }): Tensor;
  function indexCopy(input: Tensor, dim: number, index: Tensor<Shape, "int32">, source: Tensor): Tensor;
  function indexCopy(input: Tensor, dim: number, index: Tensor<Shape, "int32">, options: { source: Tensor }): Tensor;
  function indexCopy(input: Tensor, dim: number, options: { index: Tensor<Shape, "int32">; source: Tensor }): Tensor;
  function indexCopy(input: Tensor, options: { dim: number; index: Tensor<Shape, "int32">; source: Tensor }): Tensor;
  function indexFill(input: Tensor, dim: number, index: Tensor<Shape, "int32">, value: number): Tensor;
  function indexFill(input: Tensor, dim: number, index: Tensor<Shape, "int32">, options: { value: number }): Tensor;
  function indexFill(input: Tensor, dim: number, options: { index: Tensor<Shape, "int32">; value: number }): Tensor;
  function indexFill(input: Tensor, options: { dim: number; index: Tensor<Shape, "int32">; value: number }): Tensor;
  /** torch.where(condition, input, other): input where condition ≠ 0, else other; all three broadcast. */
  function where(condition: Tensor, input: Tensor | number, other: Tensor | number): Tensor;
  /**
   * torch.where(condition) alone, nonzero(condition, as_tuple=True): the coordinates of the true
   * elements, as many as the data selects, so usable only whole as an index — Mask2Former's
   * `attn_mask[torch.where(c)] = False` is `attnMask.indexPut_(F.where(c), false)` (or
   * `attnMask[F.where(c)] = false`), which is x[c] = v; read any other way they are refused.
   */
  function where(condition: Tensor): Tensor<Shape, "int32">[];
  /** torch.nonzero(condition, as_tuple=True): F.where(condition)'s coordinates (see there). */
  function nonzero(input: Tensor, options: { asTuple: true }): Tensor<Shape, "int32">[];
  function where(condition: Tensor, input: Tensor | number, options: { other: Tensor | number }): Tensor;
  function where(condition: Tensor, options: { input: Tensor | number; other: Tensor | number }): Tensor;
}
// F.var: `var` is a reserved word, so no function can be declared with that name; a second block of
// namespace F declares it under another and exports it as `var` (an export declaration makes this block
// export only what it lists, the other blocks keep theirs)
export namespace F {
  /** torch.var over dim (any dims, the batch's too); unbiased (correction 1) by default; x.var(…) likewise */
  /** torch.var(x): over every element, unbiased */
  function variance(x: Tensor): Tensor;
  /** torch.var(x, unbiased): PyTorch's deprecated overload, over every element */
  function variance(x: Tensor, unbiased: boolean): Tensor;
  function variance(x: Tensor, dim: number | readonly number[], unbiased?: boolean, keepdim?: boolean): Tensor;
  function variance(x: Tensor, dim: number | readonly number[], unbiased?: boolean, options?: { keepdim?: boolean }): Tensor;
  function variance(x: Tensor, dim: number | readonly number[], options?: { unbiased?: boolean; keepdim?: boolean }): Tensor;
  function variance(x: Tensor, options: { dim: number | readonly number[]; unbiased?: boolean; keepdim?: boolean }): Tensor;
  function variance(x: Tensor, dim: number | readonly number[], options: { unbiased?: boolean; keepdim?: boolean; correction?: number }): Tensor;
  function variance(x: Tensor, options: { dim: number | readonly number[]; unbiased?: boolean; keepdim?: boolean; correction?: number }): Tensor;
  export { variance as var };
}

/** torch.optim. Hyperparameters here are defaults; the runtime may change them every step. */
export namespace optim {
  /**
   * PyTorch's implementation switches: accepted and ignored (tsdp generates its own step, the same
   * update). maximize: the step ascends (the gradient negated before the rule), as PyTorch's.
   */
  interface ImplementationFlags { foreach?: boolean | null; fused?: boolean | null; capturable?: boolean; differentiable?: boolean; maximize?: boolean }
  /**
   * A param group (PyTorch's optimizer param_groups): `params` picks the trained parameters it
   * holds — called for each with its state_dict name and the parameter, e.g. nanoGPT's
   * `(name, p) => p.dim() >= 2` — `weightDecay` is the group's own (absent: the optimizer's), and
   * `lr` its own learning rate: a step's lr (a schedule) scales it by step lr / the optimizer's lr.
   * A parameter in two groups is refused; one in none is not updated (PyTorch's optimizer over some
   * of the parameters). Pass the groups before the options:
   * `new optim.AdamW([{ params: (n, p) => p.dim() >= 2, weightDecay: 0.1 }, { params: (n, p) => p.dim() < 2, weightDecay: 0 }], { lr })`.
   * A group may also set its optimizer's other per-group settings (SGDGroup, AdamGroup, …); the
   * switches that shape the update (amsgrad, centered, maximize, …) are the optimizer's alone.
   */
  interface ParamGroup { params: (name: string, p: Tensor) => boolean; weightDecay?: number; lr?: number }
  /** SGD's group: its own momentum, dampening and nesterov. */
  interface SGDGroup extends ParamGroup { momentum?: number; dampening?: number; nesterov?: boolean }
  /** Adam's, AdamW's, Adamax's and RAdam's group: its own betas and eps. */
  interface AdamGroup extends ParamGroup { betas?: readonly [number, number]; eps?: number }
  /** NAdam's group: its own eps (its betas and momentumDecay are the optimizer's: its μ product is kept once). */
  interface NAdamGroup extends ParamGroup { eps?: number }
  interface RMSpropGroup extends ParamGroup { alpha?: number; eps?: number; momentum?: number }
  interface AdagradGroup extends ParamGroup { eps?: number }
  interface AdadeltaGroup extends ParamGroup { rho?: number; eps?: number }
  interface SGDOptions extends ImplementationFlags { lr?: number; momentum?: number; dampening?: number; weightDecay?: number; nesterov?: boolean }
  class SGD { constructor(options?: SGDOptions); constructor(groups: readonly SGDGroup[], options?: SGDOptions); readonly __tsdpOptimizer: "SGD" }
  /** amsgrad: the largest second moment so far in the denominator (state max_exp_avg_sq), as PyTorch's */
  interface AdamOptions extends ImplementationFlags { lr?: number; betas?: readonly [number, number]; eps?: number; weightDecay?: number; amsgrad?: boolean }
  class Adam { constructor(options?: AdamOptions); constructor(groups: readonly AdamGroup[], options?: AdamOptions); readonly __tsdpOptimizer: "Adam" }
  class AdamW { constructor(options?: AdamOptions); constructor(groups: readonly AdamGroup[], options?: AdamOptions); readonly __tsdpOptimizer: "AdamW" }
  /** torch.optim.RMSprop (lr 1e-2, alpha 0.99, eps 1e-8); centered: divides by √(v − ḡ²) + ε, ḡ the gradients' average (state grad_avg). */
  interface RMSpropOptions extends ImplementationFlags { lr?: number; alpha?: number; eps?: number; weightDecay?: number; momentum?: number; centered?: boolean }
  class RMSprop { constructor(options?: RMSpropOptions); constructor(groups: readonly RMSpropGroup[], options?: RMSpropOptions); readonly __tsdpOptimizer: "RMSprop" }
  /** torch.optim.Adamax (lr 2e-3): Adam with the infinity norm of the gradients, max(β₂u, |g| + ε), for the second moment */
  interface AdamaxOptions extends ImplementationFlags { lr?: number; betas?: readonly [number, number]; eps?: number; weightDecay?: number }
  class Adamax { constructor(options?: AdamaxOptions); constructor(groups: readonly AdamGroup[], options?: AdamaxOptions); readonly __tsdpOptimizer: "Adamax" }
  /** torch.optim.NAdam (lr 2e-3, momentum_decay 4e-3): Adam with Nesterov momentum on the schedule μ_t = β₁(1 − ½·0.96^(t·ψ)); state exp_avg, exp_avg_sq */
  interface NAdamOptions extends ImplementationFlags { lr?: number; betas?: readonly [number, number]; eps?: number; weightDecay?: number; momentumDecay?: number; decoupledWeightDecay?: boolean }
  class NAdam { constructor(options?: NAdamOptions); constructor(groups: readonly NAdamGroup[], options?: NAdamOptions); readonly __tsdpOptimizer: "NAdam" }
  /** torch.optim.RAdam (lr 1e-3): Adam's moments with the variance rectification r_t once ρ_t > 5, plain momentum before; state exp_avg, exp_avg_sq */
  interface RAdamOptions extends ImplementationFlags { lr?: number; betas?: readonly [number, number]; eps?: number; weightDecay?: number; decoupledWeightDecay?: boolean }
  class RAdam { constructor(options?: RAdamOptions); constructor(groups: readonly AdamGroup[], options?: RAdamOptions); readonly __tsdpOptimizer: "RAdam" }
  /** torch.optim.Adagrad (lr 1e-2, eps 1e-10): the sum of squared gradients (from initialAccumulatorValue), each step's lr / (1 + (t − 1)·lrDecay) */
  interface AdagradOptions extends ImplementationFlags { lr?: number; lrDecay?: number; weightDecay?: number; initialAccumulatorValue?: number; eps?: number }
  class Adagrad { constructor(options?: AdagradOptions); constructor(groups: readonly AdagradGroup[], options?: AdagradOptions); readonly __tsdpOptimizer: "Adagrad" }
  /** torch.optim.Adadelta (lr 1.0, rho 0.9, eps 1e-6): PyTorch's MNIST example's optimizer; state square_avg, acc_delta */
  interface AdadeltaOptions extends ImplementationFlags { lr?: number; rho?: number; eps?: number; weightDecay?: number }
  class Adadelta { constructor(options?: AdadeltaOptions); constructor(groups: readonly AdadeltaGroup[], options?: AdadeltaOptions); readonly __tsdpOptimizer: "Adadelta" }
}

export type Optimizer = optim.SGD | optim.Adam | optim.AdamW | optim.RMSprop | optim.Adamax | optim.NAdam | optim.RAdam | optim.Adagrad | optim.Adadelta;
export type LossModule = nn.CrossEntropyLoss | nn.NLLLoss | nn.MSELoss | nn.L1Loss | nn.SmoothL1Loss | nn.HuberLoss | nn.BCELoss | nn.BCEWithLogitsLoss | nn.KLDivLoss
  | nn.HingeEmbeddingLoss | nn.SoftMarginLoss | nn.MultiLabelSoftMarginLoss | nn.MultiMarginLoss | nn.PoissonNLLLoss;
/** The loss as a function of forward's output and the target: `(out: Tensor, y) => …`. */
export type LossFunction = (output: Tensor, target: Tensor) => Tensor;
/** The loss of a forward that returns several tensors: `([recon, mu, logvar]: Tensor[], x) => …`. */
export type OutputsLossFunction = (outputs: Tensor[], target: Tensor) => Tensor;
/** What M's forward returns: its object of named outputs (Hugging Face's `{ logits, aux }`). */
export type ForwardResult<M> = M extends { forward(...args: any[]): infer R } ? R : never;
/** The loss of a forward that returns named outputs: `(out: { logits: Tensor; aux: Tensor }, y) => …`. */
export type NamedOutputsLossFunction<M> = (outputs: ForwardResult<M>, target: Tensor) => Tensor;

/**
 * A Training's gradient clipping before each update. clipGradNorm: torch.nn.utils.clip_grad_norm_(
 * model.parameters(), max_norm) — a number, or { maxNorm, normType } for its norm_type (a p > 0, or
 * Infinity / "inf": the largest |g|; errorIfNonfinite: true is refused). clipGradValue:
 * clip_grad_value_(model.parameters(), clip_value), every gradient clamped to [−v, v]. One of them.
 */
export interface GradientClipping {
  clipGradNorm?: number | { maxNorm: number; normType?: number | "inf"; errorIfNonfinite?: boolean; foreach?: boolean | null };
  clipGradValue?: number;
}

/**
 * How a model trains, declared next to it:
 *   export const training = new Training(SimpleModel, {
 *     loss: new nn.CrossEntropyLoss(),
 *     optimizer: new optim.SGD({ lr: 0.01, momentum: 0.9 }),
 *   });
 */
export declare class Training<M extends nn.Module = nn.Module> {
  /**
   * clipGradNorm: clip the gradients before each update, as torch.nn.utils.clip_grad_norm_(
   * model.parameters(), max_norm) between loss.backward() and optimizer.step() (norm 2 unless
   * { maxNorm, normType } says, over every trained parameter); trainStep's option of the same name
   * overrides max_norm per step. Default 0: none. clipGradValue: clip_grad_value_ instead.
   */
  // one overload per form of loss: a union of them (or with the callable loss modules) would leave
  // an unannotated loss function's parameters untyped (implicit any), where the first types them
  constructor(model: abstract new (...args: any[]) => M, options: { loss: LossFunction; optimizer: Optimizer } & GradientClipping);
  constructor(model: abstract new (...args: any[]) => M, options: { loss: OutputsLossFunction; optimizer: Optimizer } & GradientClipping);
  constructor(model: abstract new (...args: any[]) => M, options: { loss: LossModule; optimizer: Optimizer } & GradientClipping);
  constructor(model: abstract new (...args: any[]) => M, options: { loss: NamedOutputsLossFunction<M>; optimizer: Optimizer } & GradientClipping);
}
// torch.nn.functional under nn (`from torch import nn`: nn.functional.relu(x)) and torch.nn under F, which
// is torch too (torch.nn.init.xavier_uniform_(w) is F.nn.init.xavier_uniform_(w)): the same namespaces
import nnNamespace = nn;
import functionalNamespace = F;
export namespace nn {
  export import functional = functionalNamespace;
}
export namespace F {
  export import nn = nnNamespace;
}
export namespace F {
  /**
   * torch.autograd: the base class of a custom Function. `class GradReverse extends
   * F.autograd.Function { static forward(ctx, x, alpha) { … } static backward(ctx, grad) { … } }`,
   * called as GradReverse.apply(x, alpha): forward runs on the inputs cut from autograd, under
   * no_grad; backward runs once when compiling, on a stand-in for the output's gradient, and its ops
   * are replayed in the backward for each tensor argument that requires grad (one gradient per
   * argument, null for a non-tensor). ctx: saveForBackward / save_for_backward, savedTensors /
   * saved_tensors, needsInputGrad / needs_input_grad, markNonDifferentiable, attributes of your
   * own. forward returns one tensor. `grad` is torch.autograd.grad inside forward.
   */
  namespace autograd {
    /** torch.autograd.grad's options (PyTorch's grad_outputs, create_graph, …). */
    interface GradOptions {
      /** ⟨output, gradOutputs⟩ is differentiated; required for an output of more than one element (F.onesLike(y) for its sum). */
      gradOutputs?: Tensor | (Tensor | null)[] | null;
      /** Keep the result differentiable, so the loss can depend on it (a gradient penalty, a PINN's residual): its second derivatives are taken by the step's backward. */
      createGraph?: boolean;
      /** Accepted and ignored: tsdp keeps what its backward reads. */
      retainGraph?: boolean | null;
      onlyInputs?: boolean;
      /** null (instead of an error) for an input the outputs do not depend on. */
      allowUnused?: boolean | null;
      /** Zeros (instead of null) for an input the outputs do not depend on. */
      materializeGrads?: boolean;
      /** Refused: call grad once per gradOutputs. */
      isGradsBatched?: boolean;
    }
    /**
     * torch.autograd.grad inside forward: the gradients of Σ ⟨outputᵢ, gradOutputsᵢ⟩ with respect to
     * each input (a parameter, a tensor computed from one, or one marked with requiresGrad_()), in
     * the inputs' order. Without createGraph the results are detached. A WGAN-GP penalty:
     * `const [g] = F.autograd.grad(d, xi, { gradOutputs: F.onesLike(d), createGraph: true })`.
     */
    function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], options?: GradOptions): Tensor[];
    /** PyTorch's keywords alone: F.autograd.grad({ outputs: d, inputs: xi, gradOutputs, createGraph: true }). */
    function grad(options: GradOptions & { outputs: Tensor | Tensor[]; inputs: Tensor | Tensor[] }): Tensor[];
    function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], gradOutputs?: Tensor | (Tensor | null)[] | null, retainGraph?: boolean | null, createGraph?: boolean, onlyInputs?: boolean, allowUnused?: boolean | null, isGradsBatched?: boolean, materializeGrads?: boolean): Tensor[];
    interface FunctionCtx {
      saveForBackward(...tensors: (Tensor | null)[]): void;
      save_for_backward(...tensors: (Tensor | null)[]): void;
      readonly savedTensors: Tensor[];
      readonly saved_tensors: Tensor[];
      readonly needsInputGrad: boolean[];
      readonly needs_input_grad: boolean[];
      markNonDifferentiable(...tensors: Tensor[]): void;
      mark_non_differentiable(...tensors: Tensor[]): void;
      setMaterializeGrads(value: boolean): void;
      set_materialize_grads(value: boolean): void;
      [attribute: string]: any;
    }
    class Function {
      static apply(...args: any[]): any;
    }
  }
  /**
   * torch.func's gradient transforms in forward, on F.autograd.grad: `F.func.grad(f)(x)` is the
   * gradient of f(x), a tensor of one element, with respect to x (argnums: which arguments; a list
   * gives a list), differentiable as functorch's (the step differentiates through it). vmap,
   * functional_call, jacrev/jacfwd, hessian, jvp and vjp are refused, with how to write them.
   */
  namespace func {
    interface GradTransformOptions {
      /** The positional arguments differentiated: an index, or a list of them (default 0). */
      argnums?: number | number[];
      /** f returns [output, aux]: aux comes back beside the gradient, not differentiated. */
      hasAux?: boolean;
    }
    /** torch.func.grad: a function returning the gradients of f's scalar output ([gradients, aux] with hasAux). */
    function grad(func: (...args: any[]) => any, options?: GradTransformOptions): (...args: any[]) => any;
    /** torch.func.grad_and_value: [gradients, value] ([gradients, [value, aux]] with hasAux). */
    function gradAndValue(func: (...args: any[]) => any, options?: GradTransformOptions): (...args: any[]) => any;
    /** PyTorch's spelling of gradAndValue. */
    function grad_and_value(func: (...args: any[]) => any, options?: GradTransformOptions): (...args: any[]) => any;
  }
}
