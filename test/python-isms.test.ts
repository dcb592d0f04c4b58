// A PyTorch user's Python carried into TypeScript where TypeScript means something else: a tuple in
// parentheses is the comma operator (its last element alone), `==` on tensors compares objects, a
// decorator would be dropped, `x.dim` without its call is a function. Each was accepted and computed
// something other than the Python original (or cascaded into a second, wrong error); each is refused
// now with one diagnostic at the line, naming what to write (compiler/1-frontend/interp/).
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const model = (forward: string, fields = "", input = "x: Tensor<[Batch, 4]>") =>
  `${header}export class M extends nn.Module {\n  ${fields}\n  forward(${input}) {\n    ${forward}\n  }\n}\n`;

/** Every diagnostic as "CODE line: message". */
const all = (src: string) => diagnosticsOf(src).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`);

describe("a Python tuple in parentheses (JavaScript's comma operator)", () => {
  it("is refused where its value is used: a returned pair, a layer's kernel size, a sum's dims, an index of two dims", () => {
    // each of these was accepted as its last element: (y, x) returned x, (3, 5) was a 5×5 kernel
    expect(all(model("const y = x.mul(2);\n    return (y, x);"))).toEqual([
      "TSDP2001 6: 'y, x' is JavaScript's comma operator, whose value is its last operand alone: a Python tuple is an array in TypeScript, [y, x]",
    ]);
    expect(all(model("return this.conv(x.view(-1, 1, 2, 2));", "conv = new nn.Conv2d(1, 2, (1, 2));"))[0]).toMatch(/^TSDP2001 3: '1, 2' is JavaScript's comma operator.*\[1, 2\]$/);
    expect(all(model("return x.view(-1, 2, 2).sum((1, 2));"))[0]).toMatch(/^TSDP2001 5: '1, 2' is JavaScript's comma operator/);
    expect(all(model("const t = F.arange(12).view(3, 4);\n    return x.mul(t[1, 2]);"))).toEqual([
      `TSDP2001 6: '1, 2' is JavaScript's comma operator, whose value is its last operand alone: Python's x[1, 2] indexes several dims, which is x.index(1, 2) in tsdp (a string for a slice, ":" or "1:-1")`,
    ]);
  });

  it("still runs where its left side does something: a for loop's header stepping two variables (TypeScript refuses the rest, TS2695)", () => {
    const { graph } = lowerSource(model("let y = x;\n    for (let i = 0, j = 3; i < j; i++, j--) y = y.add(i + j);\n    return y;"));
    // two iterations (i, j) = (0, 3), (1, 2): x + 3 + 3
    const out = runReference(graph, { x: nd([1, 4], [1, 2, 3, 4]) }, initState(graph, 0)).outputs[0];
    expect(Array.from(out.data)).toEqual([7, 8, 9, 10]);
  });
});

describe("comparisons whose TypeScript meaning is not Python's", () => {
  it("'==' and '!=' on two tensors are refused with the elementwise method; '===' is Python's 'is'", () => {
    expect(all(model("if (x == y) return x;\n    return y;", "", "x: Tensor<[Batch, 4]>, y: Tensor<[Batch, 4]>"))).toEqual([
      "TSDP2006 5: '==' on two tensors compares which object they are in TypeScript, not their elements (Python's): write a.eq(b) for the elementwise comparison, or '===' for Python's 'is'",
    ]);
    expect(all(model("return F.where(x != y, x, y);", "", "x: Tensor<[Batch, 4]>, y: Tensor<[Batch, 4]>"))[0]).toMatch(/^TSDP2006 5: '!=' on two tensors .* write a\.ne\(b\)/);
    const { graph } = lowerSource(model("return x === y ? x : y.mul(2);", "", "x: Tensor<[Batch, 4]>, y: Tensor<[Batch, 4]>"));
    expect(graph.outputs[0].op).toBe("mul");
  });

  it("a method compared with a number (x.dim == 3, the call forgotten) is refused, naming the call", () => {
    // it was always false: the branch for 3-D inputs never ran
    expect(all(model("if (x.dim == 2) return x.mul(2);\n    return x;"))).toEqual(["TSDP3003 5: 'x.dim' is a method, compared here with the number 2: call it, x.dim()"]);
  });
});

describe("decorators", () => {
  it("@torch.no_grad() on forward and @dataclass on a class are refused, not dropped", () => {
    const noGrad = `${header}export class M extends nn.Module {\n  fc = new nn.Linear(4, 2);\n  @torch.no_grad()\n  forward(x: Tensor<[Batch, 4]>) {\n    return this.fc(x);\n  }\n}\n`;
    expect(all(noGrad)).toEqual([
      "TSDP2001 4: the decorator @torch.no_grad() is not supported: a method PyTorch runs under torch.no_grad() is decorated @F.noGrad() (or @F.no_grad()); a block inside forward is F.noGrad(() => { … })",
    ]);
    const dataclass = `${header}@dataclass\nexport class M extends nn.Module {\n  fc = new nn.Linear(4, 2);\n  forward(x: Tensor<[Batch, 4]>) {\n    return this.fc(x);\n  }\n}\n`;
    expect(all(dataclass)[0]).toMatch(/^TSDP2001 2: the decorator @dataclass is not supported: dataclass is Python's/);
    // @torch.jit.script / @torch.jit.ignore / @torch.compile change how PyTorch runs the code, not what it computes
    expect(all(noGrad.replace("@torch.no_grad()", "@torch.jit.ignore"))).toEqual([
      "TSDP2001 4: the decorator @torch.jit.ignore is not supported: @torch.jit.ignore changes how PyTorch compiles or scripts the function, not what it computes; delete it (tsdp compiles the whole model)",
    ]);
  });
});

describe("@F.noGrad() on a method (PyTorch's @torch.no_grad() on an EMA teacher's forward)", () => {
  const teacher = (decorator: string) =>
    `${header}export class M extends nn.Module {\n  fc = new nn.Linear(4, 2);\n  ema = new nn.Linear(4, 2);\n  ${decorator}\n  target(x: Tensor) {\n    return this.ema(x);\n  }\n  forward(x: Tensor<[Batch, 4]>) {\n    return this.fc(x).add(this.target(x));\n  }\n}\n`;
  it("runs each call as an F.noGrad block: the same values, and what it returns carries no gradient", () => {
    for (const decorator of ["@F.noGrad()", "@F.no_grad()"]) {
      const { graph } = lowerSource(teacher(decorator));
      const plain = lowerSource(teacher("")).graph;
      const x = { x: nd([1, 4], [1, -2, 3, 0.5]) };
      expect(Array.from(runReference(graph, x, initState(graph, 0)).outputs[0].data), decorator).toEqual(Array.from(runReference(plain, x, initState(plain, 0)).outputs[0].data));
      // fc(x) + detach(ema(x)): the teacher's branch is cut from the backward
      expect(graph.outputs[0].inputs.map((n) => n.op).sort(), decorator).toEqual(["detach", "linear"]);
      expect(plain.outputs[0].inputs.map((n) => n.op), decorator).toEqual(["linear", "linear"]);
    }
  });
  it("is a method's decorator: on a class it is refused with the block form", () => {
    const onClass = `${header}@F.noGrad()\nexport class M extends nn.Module {\n  fc = new nn.Linear(4, 2);\n  forward(x: Tensor<[Batch, 4]>) {\n    return this.fc(x);\n  }\n}\n`;
    expect(all(onClass)[0]).toMatch(/^TSDP2001 2: the decorator @F\.noGrad\(\) is not supported: @F\.noGrad\(\) decorates a method; a block inside forward is F\.noGrad/);
  });
});

describe("Python's names and constructor calls", () => {
  it("self, True, None, math and range name what TypeScript writes", () => {
    expect(all(model("return self.fc(x);"))[0]).toBe("TSDP2005 5: 'self' is not defined: a method refers to its module as `this` in TypeScript (Python's self)");
    expect(all(model("return this.fc(x);", "fc = new nn.Linear(4, 2, { bias: True });"))[0]).toBe("TSDP2005 3: 'True' is not defined: TypeScript's is `true`");
    expect(all(model("return x.clamp(None, 1);"))[0]).toMatch(/^TSDP2005 5: 'None' is not defined: TypeScript's is `null`/);
    expect(all(model("return x.mul(math.sqrt(2));"))[0]).toMatch(/^TSDP2005 5: 'math' is not defined: Python's math module is `Math`/);
    expect(all(model("for (const i of range(2)) x = x.add(i);\n    return x;"))[0]).toMatch(/^TSDP2005 5: 'range' is not defined: write a counted loop/);
  });

  it("super().__init__() and super(M, self) get one error each, saying it is super()", () => {
    const ctor = (call: string) => `${header}export class M extends nn.Module {\n  fc: nn.Linear;\n  constructor() {\n    ${call};\n    this.fc = new nn.Linear(4, 2);\n  }\n  forward(x: Tensor<[Batch, 4]>) {\n    return this.fc(x);\n  }\n}\n`;
    // (each also said "the constructor of M must call super()", which it does)
    expect(all(ctor("super().__init__()"))).toEqual(["TSDP2001 5: Python's super().__init__() is super() in TypeScript, a statement of its own (with the base constructor's own arguments, if it takes any)"]);
    expect(all(ctor("super(M, self)"))).toEqual(["TSDP2001 5: Python 2's super(M, self) is super() in TypeScript, with the base constructor's own arguments"]);
  });
});

describe("arguments a PyTorch user passes as in Python", () => {
  it("x.max(1) given to a layer names the { values, indices } it returns, not four unknown options", () => {
    expect(all(model("return this.fc(x.max(1));", "fc = new nn.Linear(4, 2);", "x: Tensor<[Batch, 3, 4]>"))).toEqual([
      "TSDP3004 5: nn.Linear got the { values, indices } that max, min, sort, topk, kthvalue, mode and median return along a dim (PyTorch's named tuple): pass its .values (or [0])",
    ]);
  });

  it("a misspelled option gets the nearest option's name", () => {
    const src = `${header}export class M extends nn.Module {\n  fc = new nn.Linear(4, 2);\n  forward(x: Tensor<[Batch, 4]>) {\n    return this.fc(x);\n  }\n}\nexport const training = new Training(M, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.1, momentum: 0.9, nestrov: true }) });\n`;
    expect(all(src)[0]).toMatch(/^TSDP3004 8: optim\.SGD has no option 'nestrov'; did you mean nesterov\?/);
  });
});

describe("a field initializer reading a constructor's parameter property", () => {
  it("is refused at the read, saying when TypeScript sets it (it gave \"'*' needs numbers, got undefined\")", () => {
    const src = `${header}class Block extends nn.Module {\n  hidden = this.dim * 2;\n  fc: nn.Linear;\n  constructor(public dim: number) {\n    super();\n    this.fc = new nn.Linear(dim, this.hidden);\n  }\n  forward(x: Tensor) {\n    return this.fc(x);\n  }\n}\nexport class M extends nn.Module {\n  b = new Block(4);\n  forward(x: Tensor<[Batch, 4]>) {\n    return this.b(x);\n  }\n}\n`;
    expect(all(src)[0]).toBe(
      "TSDP2005 3: the initializer of hidden reads this.dim before it is set: TypeScript assigns a constructor's parameter properties (constructor(public dim)) after the class's field initializers run (its error TS2729); set hidden in the constructor, after super()",
    );
  });
});

describe("the batch folded into the features", () => {
  it("x.view(-1) before a Linear says so, with the spellings that keep the batch first", () => {
    expect(all(model("return this.fc(x.view(-1));", "fc = new nn.Linear(8, 2);", "x: Tensor<[Batch, 2, 4]>"))).toEqual([
      "TSDP4001 5: nn.Linear expects 8 input features, got 8*Batch from [Batch, 2, 4]: the batch is folded into the features (x.view(-1) or x.flatten() of every dim); keep it first with x.flatten(1) or x.view(x.size(0), -1)",
    ]);
  });
});


describe("more Python carried over, each refused at its line with the TypeScript to write", () => {
  it("x.shape[-1] (undefined in JavaScript) names x.size(-1); another array keeps JavaScript's undefined", () => {
    expect(all(model("return x.view(-1, x.shape[-1]);"))).toEqual(["TSDP3004 5: x.shape[-1] is undefined in JavaScript, which has no negative indices: Python's x.shape[-1] is x.size(-1) (or x.shape.at(-1))"]);
    expect(() => lowerSource(model("const dims = [2, 2];\n    return x.view(-1, dims[-1] ?? 4);"))).not.toThrow();
  });
  it("c // 2 is a comment: the syntax error at the next line says where the floor division went", () => {
    expect(all(model("const c = 4;\n    const y = x.view(-1, 2, c // 2);\n    return y.flatten(1);"))[0]).toMatch(/^TSDP1002 7: .*\(line 6's `\/\/` starts a comment in TypeScript: Python's floor division a \/\/ b is Math\.floor\(a \/ b\) for numbers, a\.floorDivide\(b\) for tensors\)$/);
    // a comment after code, with no syntax error, says nothing
    expect(() => lowerSource(model("return x; // the identity"))).not.toThrow();
  });
  it("x.numpy() in forward says where tensors become host arrays", () => {
    expect(all(model("return x.numpy();"))[0]).toMatch(/^TSDP2011 5: tensors have no numpy in tsdp: a tensor in model code is part of the compiled graph, not a host array/);
  });
  it("WGAN-GP's gradient penalty: autograd.grad with PyTorch's keywords compiles (test/autograd-grad.test.ts checks its numbers); a non-scalar output without grad_outputs is PyTorch's error", () => {
    const penalty = (extra: string) => `const xi = x.mul(0.5).requiresGrad_(true);\n    const g = F.autograd.grad({ outputs: this.fc(xi), inputs: xi, createGraph: true${extra} })[0];\n    return g.norm(2, 1);`;
    expect(() => lowerSource(model(penalty(", gradOutputs: F.onesLike(this.fc(xi))"), "fc = new nn.Linear(4, 1);"))).not.toThrow();
    expect(all(model(penalty(""), "fc = new nn.Linear(4, 1);"))[0]).toMatch(/^TSDP3004 6: F\.autograd\.grad: output 0 is \[Batch, 1\], and a gradient is created implicitly only for an output of one element \(PyTorch's "grad can be implicitly created only for scalar outputs"\); pass gradOutputs: F\.onesLike\(output\)/);
  });
  it("a slice bound from the batch size (TimeSformer's x[:B, 0] of its (b t) rows) in an index string says why, and names x.slice by multiples of the batch size and the view that takes whole samples", () => {
    const folded = "const B = x.size(0); const y = x.view(B * 2, 2);";
    expect(all(model(`${folded} return y.index(\`:\${B}\`, 0);`))[0]).toMatch(/^TSDP2003 5: cannot put the batch size in a string: a string is fixed when the model compiles; as a slice bound .*cuts across samples; take whole samples instead: view that dim as \[Batch, k\] and index the k dim/);
  });
  it("the RNN-T loss (torchaudio's rnnt_loss, a transducer's joint output) says it is not implemented and gives the lattice recursion to write", () => {
    const [loss] = all(model("return F.rnntLoss(x.view(-1, 2, 2, 1), x.int(), 2, 1);"));
    const [layer] = all(model("return this.loss(x, x);", "loss = new nn.RNNTLoss();"));
    expect(loss).toMatch(/^TSDP3001 5: F\.rnntLoss is not supported: the RNN-T loss is not implemented: it sums the probability of every alignment over the \[T, U \+ 1\] lattice.*α\[t\]\[u\] = F\.logaddexp\(α\[t−1\]\[u\] \+ blank\[:, t−1, u\], α\[t\]\[u−1\] \+ label\[:, t, u−1\]\).*F\.ctcLoss/);
    expect(layer).toMatch(/^TSDP3001 \d+: nn\.RNNTLoss is not supported: the RNN-T loss is not implemented/);
  });
  it("nn.AdaptiveLogSoftmaxWithLoss says it is not built in and gives the module to write with PyTorch's names (was the generic 'not part of tsdp's model language')", () => {
    const [layer] = all(model("return this.asm.logProb(x);", "asm = new nn.AdaptiveLogSoftmaxWithLoss(4, 10, [2]);"));
    expect(layer).toMatch(/^TSDP3001 \d+: nn\.AdaptiveLogSoftmaxWithLoss is not supported: the layer is not built in; .*head = new nn\.Linear\(inFeatures, cutoffs\[0\] \+ nClusters, headBias\).*gather\(1, target\.unsqueeze\(1\)\)/);
  });
  it("MAML's torch.func.functional_call with fast weights says why (was the generic 'F.func is not part of tsdp's model language')", () => {
    const maml = "const params = Object.fromEntries(this.net.namedParameters());\n    return F.func.functionalCall(this.net, params, [x]);";
    expect(all(model(maml, "net = new nn.Linear(4, 1);"))[0]).toMatch(/^TSDP3001 6: F\.func\.functionalCall is not supported: not compiled: a module runs with its registered parameters \(no functional_call\).*F\.linear\(x, w, b\).*MAML's fast weights are the parameters less the inner step's gradient, F\.autograd\.grad\(innerLoss, \[w, b\], \{ createGraph: true \}\)/);
  });
  it("torch.distributed in a model (all_reduce, all_gather, get_world_size) says what data parallelism does instead (was the generic 'F.distributed is not part of tsdp's model language')", () => {
    for (const call of ["F.distributed.allReduce(x)", "F.distributed.all_gather([x], x)", "F.distributed.getWorldSize()"])
      expect(all(model(`${call};\n    return x;`))[0]).toMatch(/^TSDP3001 5: F\.distributed is not supported: torch\.distributed's collectives are not written in a model: each device runs forward on its share of the batch.*TSDP5007.*no get_world_size\(\) factor/);
  });
  // a custom autograd.Function was refused here; it is now compiled (test/detach.test.ts checks its values and gradients)
  it("an element loss of [Batch, 1] against [Batch] (PyTorch's broadcasting warning) names both shapes and the squeeze", () => {
    expect(all(model("return F.mseLoss(x.narrow(1, 0, 1), x.select(1, 1), { reduction: 'none' });"))).toEqual([
      `TSDP4001 5: F.mseLoss: input [Batch, 1] and target [Batch] broadcast to [Batch, Batch], each sample's output against every sample's target (PyTorch warns "Using a target size that is different to the input size" and computes that); give them one shape: input.squeeze(-1), or target.unsqueeze(-1)`,
    ]);
  });
  it("cross-entropy with float class probabilities of the wrong width says so, not that indices must be int32", () => {
    expect(all(model("return F.crossEntropy(x.narrow(1, 0, 3), x, { reduction: 'none' });"))).toEqual([
      "TSDP4001 5: F.crossEntropy: a float32 target holds class probabilities and has the input's shape [Batch, 3], got [Batch, 4] (class indices are an int32 tensor of the input's shape without its class dim)",
    ]);
  });
});

describe("an input whose batch is not its first dim", () => {
  it("names the batch-first declaration and the transpose (an RNN's [num_layers, Batch, H] state)", () => {
    expect(all(model("return x;", "", "x: Tensor<[Batch, 4]>, h: Tensor<[1, Batch, 8]>"))).toEqual([
      "TSDP4004 4: forward parameter 'h': the batch must be the first dim and appear once, as in [Batch, 1, 28, 28]; got [1, Batch, 8]; a tensor whose batch is another dim (an RNN's [num_layers, Batch, H] state) is declared batch-first and transposed in forward: h.transpose(0, 1)",
    ]);
  });
  it("the batch twice (pyGAT's whole-graph adjacency [N, N] over the nodes as the batch) is told to batch graphs of a fixed node count", () => {
    expect(all(model("return x;", "", "x: Tensor<[Batch, 4]>, adj: Tensor<[Batch, Batch]>"))[0]).toMatch(/^TSDP4004 4: forward parameter 'adj': the batch must be the first dim and appear once, .*got \[Batch, Batch\]; the batch is what the devices split, so no input has it twice: .* x: Tensor<\[Batch, N, F\]> and adj: Tensor<\[Batch, N, N\]>/);
  });
  it("an input without the batch (one whole few-shot episode, Protonet's xs [n_class, n_support, C, H, W]) is told to take a batch of them", () => {
    expect(all(model("return x;", "", "x: Tensor<[Batch, 4]>, xs: Tensor<[3, 2, 1, 8, 8]>"))).toEqual([
      "TSDP4004 4: forward parameter 'xs': the batch must be the first dim and appear once, as in [Batch, 1, 28, 28]; got [3, 2, 1, 8, 8]; an input that is one whole example (a few-shot episode, a graph) is declared with the batch before it, [Batch, 3, 2, 1, 8, 8], and called with a batch of such examples (1 or more)",
    ]);
  });
});

describe("Python's spellings that stop the parse or the binding, named with the TypeScript", () => {
  it("and/or/not in a condition, forward(self, x), torch.no_grad()", () => {
    expect(all(model("if (x.size(1) > 2 and x.size(1) < 8) return x;\n    return x.mul(2);"))[0]).toMatch(/^TSDP1002 5: .*\(Python's `and` is && in TypeScript; on tensors, a\.logicalAnd\(b\)/);
    expect(all(`${header}export class M extends nn.Module {\n  forward(self, x: Tensor<[Batch, 4]>) {\n    return x;\n  }\n}\n`)[0]).toBe(
      "TSDP4003 3: forward parameter 'self' is Python's: a TypeScript method has `this` without a parameter; drop self (forward(x: Tensor<[Batch, …]>)) and write this.fc for self.fc",
    );
    expect(all(model("const g = torch.no_grad();\n    return x;"))[0]).toMatch(/^TSDP2005 5: 'torch' is not defined: .*; torch\.no_grad\(\) as a block is F\.noGrad\(\(\) => …\), whose result is the block's value, detached$/);
  });
});

describe("a shape compared with an array literal (Python's tuple equality)", () => {
  it("is refused: a new array is never the same object, so the branch was silently never taken", () => {
    expect(all(model("if (x.shape.slice(1) === [4]) return x.mul(2);\n    return x;"))[0]).toMatch(/^TSDP3003 5: '===' compares which array or object the two sides are, and \[4\] is a new one, so it is never equal/);
    // two names of one array still compare as JavaScript's
    expect(() => lowerSource(model("const s = x.shape;\n    const t = s;\n    return s === t ? x : x.mul(2);"))).not.toThrow();
  });
});

describe("an integer fill that has no integer value", () => {
  it("F.full and F.fullLike with NaN or ±∞ and an integer dtype are refused, as PyTorch's fill raises (a conversion read them as 0)", () => {
    expect(all(model("return x.add(F.full([4], NaN, { dtype: 'int32' }));"))[0]).toBe("TSDP3004 5: F.full: the fill value NaN cannot be converted to int32 (PyTorch raises: it has no integer value)");
    expect(all(model("return x.add(F.fullLike(x, Infinity, { dtype: 'int64' }));"))[0]).toBe("TSDP3004 5: F.fullLike: the fill value Infinity cannot be converted to int64 (PyTorch raises: it has no integer value)");
  });
});

describe("one error, not a cascade", () => {
  it("a failed push in a loop leaves the array poisoned: F.stack of it is quiet, not 'an empty array'", () => {
    expect(all(model("const outs: Tensor[] = [];\n    for (let i = 0; i < 2; i++) outs.push(x.gather(1, x.abs().sum(1, true)));\n    return F.stack(outs, 0).sum(0);"))).toEqual([
      'TSDP4002 6: gather expects int32 indices, got f32 [Batch, 1] (a comparison\'s mask and F.tensor of numbers are float32: convert with .int(), or write F.tensor(values, { dtype: "int32" }))',
    ]);
  });
  it("so does a failed unshift", () => {
    expect(all(model("const outs: Tensor[] = [];\n    for (let i = 0; i < 2; i++) outs.unshift(x.gather(1, x.abs().sum(1, true)));\n    return F.cat(outs, 1);"))).toEqual([
      'TSDP4002 6: gather expects int32 indices, got f32 [Batch, 1] (a comparison\'s mask and F.tensor of numbers are float32: convert with .int(), or write F.tensor(values, { dtype: "int32" }))',
    ]);
  });
  it("a failed this.field = … in forward, directly or in a method forward calls, leaves the field quiet: not 'cannot read … of null'", () => {
    const arange = /^TSDP2003 \d+: F\.arange: end must be a number known when the model is compiled, got a tensor of shape \[\]/;
    // Tacotron 2's mask from torch.max(lengths).item(), set by a helper method, read by forward
    const viaMethod = all(model("this.setMask(x);\n    return x.mul(this.mask!.unsqueeze(0));", "mask: Tensor | null = null;\n  setMask(x: Tensor) {\n    this.mask = F.arange(0, F.max(x).item());\n  }"));
    expect(viaMethod).toHaveLength(1);
    expect(viaMethod[0]).toMatch(arange);
    const direct = all(model("this.mask = F.arange(0, F.max(x).item());\n    return x.mul(this.mask.unsqueeze(0));", "mask: Tensor | null = null;"));
    expect(direct).toHaveLength(1);
    expect(direct[0]).toMatch(arange);
  });
  it("nn.ParameterList of a layer's own parameters says it does not share them, and what to write", () => {
    expect(all(model("return this.fc(x);", "fc = new nn.Linear(4, 2);\n  params = new nn.ParameterList([...this.fc.parameters()]);"))[0]).toMatch(
      /^TSDP3003 4: nn\.ParameterList: '0' is the parameter nn\.Linear\.weight, a parameter its layer owns; .*read it where it lives \(this\.fc\.weight\)/,
    );
  });
});

describe("an instance norm over one position", () => {
  it("is refused as PyTorch's _verify_spatial_size (the output was the bias alone); with running statistics it is not (eval may use them)", () => {
    expect(all(model("return this.n(x.view(-1, 4, 1, 1)).flatten(1);", "n = new nn.InstanceNorm2d(4, { affine: true });"))[0]).toBe(
      "TSDP4001 5: nn.InstanceNorm2d: expected more than 1 spatial element when training (PyTorch's error), got input size [Batch, 4, 1, 1]: each sample's channel is normalized over its own positions, and one position has no variance",
    );
    expect(all(model("return F.instanceNorm(x.view(-1, 4, 1)).flatten(1);"))[0]).toMatch(/^TSDP4001 5: F\.instanceNorm: expected more than 1 spatial element when training/);
    expect(() => lowerSource(model("return this.n(x.view(-1, 4, 1, 1)).flatten(1);", "n = new nn.InstanceNorm2d(4, { trackRunningStats: true });"))).not.toThrow();
  });
});

describe("a number before a tensor in torch's function forms (Python's `a / x` ported as F.div(a, x))", () => {
  it("is refused as torch.div(a, x) raises, naming the method form", () => {
    expect(all(model("return F.div(0.25, x.add(1));"))[0]).toMatch(/^TSDP3003 5: F\.div: input must be a tensor, got the number 0\.25 \(torch\.div's input must be a tensor too: it raises TypeError\); Python's operator with the number first, `a \/ x` is `x\.reciprocal\(\)\.mul\(a\)`/);
    expect(all(model("return F.sub(1, x);"))[0]).toMatch(/`a - x` is `x\.rsub\(a\)`/);
    // no hint where the second argument is not a tensor either
    expect(all(model("return F.div(1, 2);"))[0]).toMatch(/got the number 1$/);
  });
});
