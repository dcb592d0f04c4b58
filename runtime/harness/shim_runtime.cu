// The CPU target's one copy of the shim's runtime entry points (runtime/shim/cuda_shim.h, "Where the
// runtime is compiled"): compiled with TSDP_SHIM_RUNTIME_OBJECT, which makes every
// TSDP_SHIM_RUNTIME_FN of the header, included by the command line, an ordinary definition here.
// Linked into every CPU-target library; the CUDA target has the real runtime instead.
