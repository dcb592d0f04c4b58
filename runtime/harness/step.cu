// The training step of the harness: gradient all-reduce (NCCL or an in-process stand-in), the
// optimizer update, CUDA-graph capture and replay, evaluate. Used only through the training
// entry points (training_abi.cu) and by models whose descriptor has a training part.
#define TSDP_SOURCE_NAME "step.cu"
#include "harness.h"
#include "harness_internal.h"
#include "group.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <new>
#include <thread>
#include <dlfcn.h>

namespace tsdp_harness {

// ---------------------------------------------------------------------------------------------
// optimizer_update: the model's optimizer over every parameter in one launch. Parameters,
// gradients and optimizer state are laid out alike, so the update is one pass. The rules are
// PyTorch's (compiler/reference/optim.ts); the kind and the hyperparameters arrive per step.
//   SGD:  g ← ∇ + λp;  b ← g (first step) | μb + (1 − τ)g;  g ← g + μb (nesterov) | b;  p ← p − ηg
//   Adam: g ← ∇ + λp (Adam) | p ← p(1 − ηλ) (AdamW);  m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;
//         p ← p − (η / c₁) · m / (√v / √c₂ + ε),  c = 1 − βᵗ
//   RMSprop: g ← ∇ + λp;  v ← αv + (1 − α)g²;  d ← g / (√v + ε);  b ← μb + d (from 0);  p ← p − ηb | p − ηd
//   Adagrad: g ← ∇ + λp;  s ← s + g²;  p ← p − η · g / (√s + ε)
//   Adadelta: g ← ∇ + λp;  v ← ρv + (1 − ρ)g²;  d ← √(a + ε)/√(v + ε) · g;  a ← ρa + (1 − ρ)d²;  p ← p − ηd  (ρ: alpha)
//   Adamax:  g ← ∇ + λp;  m ← β₁m + (1 − β₁)g;  u ← max(β₂u, |g| + ε) (NaN kept);  p ← p − (η / c₁) · m / u
//   NAdam:   g ← ∇ + λp;  m, v as Adam;  d ← √v / √c₂ + ε;  p ← p − η·c₃·g/d − η·c₄·m/d  (c₃, c₄ from μ_t: the host's)
//   RAdam:   g ← ∇ + λp;  m, v as Adam;  p ← p − (η / c₁)·m · r·√c₂/(√v + ε) while r = c₄ > 0, else p − (η / c₁)·m
//   clipping (clip_grad_norm_, before the rule): g ← ∇·f, f = min(1, max_norm / (‖∇‖ₚ + 1e-6)), written back to grad;
//   clip_grad_value_: g ← clamp(∇, −v, v), written back to grad
//   param groups: λ, η and the rest (μ, τ, nesterov, β₁, β₂, ε, α and c₁, c₂, RAdam's r) are the element's
//     group's (group[i]): η the step's times the group's scale
//   flags (tsdp_optimizer_flag): maximize: g ← −g before the rule;  amsgrad (Adam, AdamW): v̂ ← max(v̂, v) in s3,
//     the denominator √v̂ / √c₂ + ε;  centered (RMSprop): ḡ ← αḡ + (1 − α)g in s3, d ← g / (√(v − ḡ²) + ε);
//     decoupled (NAdam, RAdam): p ← p(1 − ηλ) instead of g + λp;  Adagrad's lr decay: η arrives decayed
__global__ void optimizer_update_kernel(float* __restrict__ p, float* __restrict__ grad, float* __restrict__ s1,
                                        float* __restrict__ s2, float* __restrict__ s3, size_t n, int kind, int flags,
                                        const tsdp_update* __restrict__ u, const double* __restrict__ grad_norm,
                                        const unsigned char* __restrict__ group, const float* __restrict__ index_fault) {
    // a replica of this step read an index out of range: no update (PyTorch raised before its step)
    if (*index_fault != 0.0f) return;
    // Fields are read where used, not the struct copied: a copy is a load of all of it (the group
    // tables too, 128 bytes no step without groups needs) wherever the compiler does not drop the
    // unused fields, and it was the update's one access over 4 sectors per 128 B in `tsdp counters`.
    const tsdp_update& a = *u;
    const tsdp_hparams& h = a.h;
    // read once per thread: the factor grad_clip_factor_kernel wrote (only when clipping)
    const float clip = h.max_grad_norm > 0.0 ? (float)grad_norm[kGradNormBlocks + 1] : 1.0f;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        float w = p[i];
        float g = grad[i];
        // PyTorch's clip_grad_norm_ scales .grad in place: the gradient read back is the clipped one
        if (h.max_grad_norm > 0.0) grad[i] = g = g * clip;
        // clip_grad_value_ clamps .grad in place; torch.clamp keeps a NaN
        if (a.clip_value > 0.0f) grad[i] = g = g > a.clip_value ? a.clip_value : (g < -a.clip_value ? -a.clip_value : g);
        // maximize: PyTorch negates the gradient it read (the stored one stays as backward left it)
        if (flags & TSDP_MAXIMIZE) g = -g;
        // indexed in device memory, not in the local copy `a` (a dynamic index would put that copy on the stack)
        const double weight_decay = group ? u->group_weight_decay[group[i]] : h.weight_decay;
        const double lr = group ? u->group_lr[group[i]] : h.lr;
        const tsdp_group_update* own = group ? &u->group[group[i]] : nullptr;
        const double momentum = own ? own->momentum : h.momentum, dampening = own ? own->dampening : h.dampening;
        const double beta1 = own ? own->beta1 : h.beta1, beta2 = own ? own->beta2 : h.beta2, eps = own ? own->eps : h.eps, alpha = own ? own->alpha : h.alpha;
        const int nesterov = own ? own->nesterov : h.nesterov;
        const float c1 = own ? own->c1 : a.c1, c2 = own ? own->c2 : a.c2;
        // a parameter the loss does not reach (its group's lr is NaN): left as it is, state too, as
        // PyTorch's optimizers skip a .grad of None — an update from its zero gradient is not
        // always a no-op (eps 0: 0/0)
        if (lr != lr) continue;
        if (kind == TSDP_SGD) {
            g += (float)weight_decay * w;
            if (momentum != 0.0) {
                const float b = a.first ? g : (float)momentum * s1[i] + (float)(1.0 - dampening) * g;
                s1[i] = b;
                g = nesterov ? g + (float)momentum * b : b;
            }
            p[i] = w - (float)lr * g;
        } else if (kind == TSDP_RMSPROP) {
            g += (float)weight_decay * w;
            const float v = (float)alpha * s2[i] + (float)(1.0 - alpha) * g * g;
            s2[i] = v;
            float spread = v;
            if (flags & TSDP_CENTERED) {
                const float mean = (float)alpha * s3[i] + (float)(1.0 - alpha) * g;
                s3[i] = mean;
                spread = v - mean * mean;
            }
            const float d = g / (sqrtf(spread) + (float)eps);
            if (momentum != 0.0) {
                const float b = (float)momentum * s1[i] + d;
                s1[i] = b;
                p[i] = w - (float)lr * b;
            } else
                p[i] = w - (float)lr * d;
        } else if (kind == TSDP_ADAGRAD) {
            g += (float)weight_decay * w;
            const float s = s2[i] + g * g;
            s2[i] = s;
            p[i] = w - (float)lr * (g / (sqrtf(s) + (float)eps));
        } else if (kind == TSDP_ADADELTA) {
            g += (float)weight_decay * w;
            const float rho = (float)alpha;
            const float v = rho * s2[i] + (1.0f - rho) * g * g;
            const float d = sqrtf(s1[i] + (float)eps) / sqrtf(v + (float)eps) * g;
            s2[i] = v;
            s1[i] = rho * s1[i] + (1.0f - rho) * d * d;
            p[i] = w - (float)lr * d;
        } else if (kind == TSDP_ADAMAX) {
            g += (float)weight_decay * w;
            const float m = (float)beta1 * s1[i] + (float)(1.0 - beta1) * g;
            const float decayed = (float)beta2 * s2[i], current = fabsf(g) + (float)eps;
            const float u = (current > decayed || current != current) ? current : decayed;  // torch.amax keeps a NaN
            s1[i] = m;
            s2[i] = u;
            p[i] = w - ((float)lr / c1) * (m / u);
        } else if (kind == TSDP_NADAM || kind == TSDP_RADAM) {
            if (flags & TSDP_DECOUPLED) w *= (float)(1.0 - lr * weight_decay);
            else g += (float)weight_decay * w;
            const float m = (float)beta1 * s1[i] + (float)(1.0 - beta1) * g;
            const float v = (float)beta2 * s2[i] + (float)(1.0 - beta2) * g * g;
            s1[i] = m;
            s2[i] = v;
            if (kind == TSDP_NADAM) {
                const float d = sqrtf(v) / sqrtf(c2) + (float)eps;
                p[i] = w - (float)lr * a.c3 * (g / d) - (float)lr * a.c4 * (m / d);
            } else if ((own ? own->c4 : a.c4) > 0.0f)
                p[i] = w - ((float)lr / c1) * m * ((own ? own->c4 : a.c4) * (sqrtf(c2) / (sqrtf(v) + (float)eps)));
            else
                p[i] = w - ((float)lr / c1) * m;
        } else {
            if (kind == TSDP_ADAMW) w *= (float)(1.0 - lr * weight_decay);
            else g += (float)weight_decay * w;
            const float m = (float)beta1 * s1[i] + (float)(1.0 - beta1) * g;
            const float v = (float)beta2 * s2[i] + (float)(1.0 - beta2) * g * g;
            s1[i] = m;
            s2[i] = v;
            float second = v;
            if (flags & TSDP_AMSGRAD) {
                const float seen = s3[i];
                second = (v > seen || v != v || seen != seen) ? (seen != seen ? seen : v) : seen;  // torch.maximum keeps a NaN
                s3[i] = second;
            }
            p[i] = w - ((float)lr / c1) * (m / (sqrtf(second) / sqrtf(c2) + (float)eps));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Gradient clipping (torch.nn.utils.clip_grad_norm_): the p-norm of every trained gradient (the
// summed one: each replica computes the same from the same sums; p is norm_type, 2 by default),
// then the factor f = max_norm / (norm + 1e-6) clamped to 1 — NaN stays NaN, as torch.clamp keeps
// it. Two passes with a fixed grid and fixed orders, so the norm is the same bits run to run and on
// every replica; powers are summed in double (PyTorch sums float32 per tensor, then their norms).
// norm_type ∞ is the largest |g| (a NaN kept, as torch.linalg.vector_norm's).
//   grad_norm[0 .. kGradNormBlocks): per-block Σ |g|ᵖ (∞: max |g|);  grad_norm[kGradNormBlocks]: ‖g‖ₚ;  [+1]: f
constexpr int kGradNormThreads = 256;

/** The larger of two |g| for the ∞-norm, NaN if either is (fmax would drop it). */
__device__ __forceinline__ double max_keeping_nan(double a, double b) { return a != a || b > a ? (a != a ? a : b) : a; }

__global__ void grad_norm_partials_kernel(const float* __restrict__ grad, size_t n, double* __restrict__ grad_norm, double p) {
    __shared__ double sums[kGradNormThreads];
    const bool inf = isinf(p);
    double acc = 0.0;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        const double g = grad[i];
        if (inf) acc = max_keeping_nan(acc, fabs(g));
        else acc += p == 2.0 ? g * g : p == 1.0 ? fabs(g) : pow(fabs(g), p);
    }
    sums[threadIdx.x] = acc;
    __syncthreads();
    for (int half = kGradNormThreads / 2; half > 0; half /= 2) {
        if ((int)threadIdx.x < half) sums[threadIdx.x] = inf ? max_keeping_nan(sums[threadIdx.x], sums[threadIdx.x + half]) : sums[threadIdx.x] + sums[threadIdx.x + half];
        __syncthreads();
    }
    if (threadIdx.x == 0) grad_norm[blockIdx.x] = sums[0];
}

__global__ void grad_clip_factor_kernel(double* __restrict__ grad_norm, const tsdp_update* __restrict__ u, double p) {
    if (blockIdx.x != 0 || threadIdx.x != 0) return;
    const bool inf = isinf(p);
    double total = 0.0;
    for (int b = 0; b < kGradNormBlocks; ++b) total = inf ? max_keeping_nan(total, grad_norm[b]) : total + grad_norm[b];
    const double norm = inf || p == 1.0 ? total : p == 2.0 ? sqrt(total) : pow(total, 1.0 / p);
    const double factor = u->h.max_grad_norm / (norm + 1e-6);
    grad_norm[kGradNormBlocks] = norm;
    grad_norm[kGradNormBlocks + 1] = factor > 1.0 ? 1.0 : factor;
}

/**
 * Gradient accumulation (trainStep's `accumulate`), as PyTorch's `backward()` calls add into .grad
 * before one `optimizer.step()` (lossScale scaled each replica's backward seed already). Hold (1):
 * held = grad (+ held where some are held: not on the first, whose allocation holds anything), and
 * grad the same, so that `.grad` reads the sum so far. Apply (2): grad += held, which clipping and
 * the update read and `.grad` reads back.
 */
__global__ void held_gradients_kernel(float* __restrict__ grad, float* __restrict__ held, size_t n, const tsdp_update* __restrict__ u,
                                      const float* __restrict__ index_fault) {
    if (*index_fault != 0.0f) return;  // as the update: a step that read an index out of range adds nothing to the held sum
    const int mode = u->accumulation;
    const bool add = u->holding != 0;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        if (mode == 1) held[i] = grad[i] = (add ? held[i] : 0.0f) + grad[i];
        else if (mode == 2) grad[i] += held[i];
    }
}

__global__ void tsdp_accumulate_kernel(float* __restrict__ sum, const float* __restrict__ part, size_t n) {
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) sum[i] += part[i];
}

namespace {
const tsdp_training_desc& training() { return *tsdp_model_description.training; }
}  // namespace

// With several GPUs: NCCL (struct tsdp_nccl). Otherwise (the CPU target's virtual devices, no
// libnccl.so.2, or replicas sharing a GPU, which NCCL refuses): an in-process stand-in with the
// same contract, replica 0 summing the others' buckets in replica order and copying the sum
// back. TSDP_ALLREDUCE=standin|nccl forces either.
//
// Across processes (m->group, DistributedDataParallel): on GPUs one NCCL communicator holds every
// GPU of every process (ncclCommInitRank, its id sent by MPI_Bcast or the rendezvous store); on
// the CPU target the stand-in's per-process sum is then summed across processes by the group's
// engine, Open MPI or Gloo (group.h).

void nccl_close(tsdp_nccl* n) {
    if (!n) return;
    if (n->comm_destroy)
        for (void* c : n->comms)
            if (c) n->comm_destroy(c);
    if (n->lib) dlclose(n->lib);
    delete n;
}

namespace {

/**
 * One communicator over every GPU of every process: rank 0 makes the id, MPI_Bcast (mpirun,
 * srun) or the rendezvous store (torchrun style) gives it to the others, and each local GPU joins as rank (process rank × local GPUs + i), all inside one NCCL
 * group (ncclCommInitRank for several GPUs of one thread must be grouped). Untested: written for
 * GPU machines; every process must drive the same number of GPUs.
 */
int nccl_init_ranks(tsdp_model* m, tsdp_nccl* n, int (*get_unique_id)(tsdp_nccl_id*), int (*comm_init_rank)(void**, int, tsdp_nccl_id, int),
                    std::string* why) {
    tsdp_nccl_id id{};
    int code = group_rank(m->group) == 0 ? get_unique_id(&id) : 0;
    if (code != 0) {
        *why = std::string("ncclGetUniqueId failed: ") + (n->error_string ? n->error_string(code) : std::to_string(code));
        return code;
    }
    if (group_publish(m->group, &id, sizeof id, "the ncclUniqueId", why) != 0) return -1;
    const int local = (int)m->replicas.size();
    const int total = local * group_size(m->group);
    if ((code = n->group_start()) != 0) {
        *why = "ncclGroupStart failed";
        return code;
    }
    for (int i = 0; i < local; ++i) {
        if (cudaSetDevice(m->replicas[(size_t)i].device) != cudaSuccess) {
            n->group_end();
            *why = "cudaSetDevice failed";
            return -1;
        }
        if ((code = comm_init_rank(&n->comms[(size_t)i], total, id, group_rank(m->group) * local + i)) != 0) {
            n->group_end();
            *why = std::string("ncclCommInitRank failed: ") + (n->error_string ? n->error_string(code) : std::to_string(code));
            return code;
        }
    }
    if ((code = n->group_end()) != 0) *why = std::string("ncclCommInitRank (ncclGroupEnd) failed: ") + (n->error_string ? n->error_string(code) : std::to_string(code));
    return code;
}

/** NCCL communicators for the replicas' devices, or nullptr (then the stand-in runs; m->error is not touched). */
int nccl_open(tsdp_model* m, std::string* why) {
    if (m->nccl_tried) return 0;
    m->nccl_tried = 1;
    const char* choice = std::getenv("TSDP_ALLREDUCE");
    const std::string mode = m->group ? std::string("nccl") : choice ? choice : "auto";
    if (mode == "standin" || (mode == "auto" && m->replicas.size() < 2)) return 0;
    const char* library = "libnccl.so.2";
#ifdef TSDP_CUDA_SHIM
    if (m->group) {  // the group's engine sums across the processes (enqueue_all_reduce)
        *why = std::string("the CPU target sums across processes with ") + group_engine(m->group);
        return 0;
    }
    // The CPU target has no NCCL. Tests give it an in-process one that sums the virtual devices'
    // host memory (TSDP_NCCL_LIBRARY, with TSDP_ALLREDUCE=nccl), to run this path and its errors.
    library = std::getenv("TSDP_NCCL_LIBRARY");
    if (!library || mode != "nccl") {
        *why = "the CPU target has no NCCL";
        return mode == "nccl" ? fail(m, -1, "TSDP_ALLREDUCE=nccl: " + *why) : 0;
    }
#endif
    tsdp_nccl* n = new (std::nothrow) tsdp_nccl();
    if (!n) return fail(m, -1, "out of host memory");
    n->lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    int (*comm_init_all)(void**, int, const int*) = nullptr;
    int (*get_unique_id)(tsdp_nccl_id*) = nullptr;
    int (*comm_init_rank)(void**, int, tsdp_nccl_id, int) = nullptr;
    if (n->lib) {
        comm_init_all = (int (*)(void**, int, const int*))dlsym(n->lib, "ncclCommInitAll");
        get_unique_id = (int (*)(tsdp_nccl_id*))dlsym(n->lib, "ncclGetUniqueId");
        comm_init_rank = (int (*)(void**, int, tsdp_nccl_id, int))dlsym(n->lib, "ncclCommInitRank");
        n->broadcast = (int (*)(const void*, void*, size_t, int, int, void*, cudaStream_t))dlsym(n->lib, "ncclBroadcast");
        n->all_reduce = (int (*)(const void*, void*, size_t, int, int, void*, cudaStream_t))dlsym(n->lib, "ncclAllReduce");
        n->group_start = (int (*)())dlsym(n->lib, "ncclGroupStart");
        n->group_end = (int (*)())dlsym(n->lib, "ncclGroupEnd");
        n->comm_destroy = (int (*)(void*))dlsym(n->lib, "ncclCommDestroy");
        n->comm_abort = (int (*)(void*))dlsym(n->lib, "ncclCommAbort");
        n->comm_get_async_error = (int (*)(void*, int*))dlsym(n->lib, "ncclCommGetAsyncError");
        n->error_string = (const char* (*)(int))dlsym(n->lib, "ncclGetErrorString");
    }
    std::vector<int> devices;
    for (auto& r : m->replicas) devices.push_back(r.device);
    n->comms.assign(devices.size(), nullptr);
    int code = -1;
    if (!n->lib) *why = std::string("libnccl.so.2 not loaded: ") + dlerror();
    else if (!comm_init_all || !n->all_reduce || !n->group_start || !n->group_end || !n->comm_destroy || !n->comm_abort || !n->comm_get_async_error)
        *why = "libnccl.so.2 lacks the symbols tsdp uses";
    else if (m->group) {
        if (!get_unique_id || !comm_init_rank || !n->broadcast) *why = "libnccl.so.2 lacks ncclGetUniqueId, ncclCommInitRank or ncclBroadcast";
        else code = nccl_init_ranks(m, n, get_unique_id, comm_init_rank, why);
    } else if ((code = comm_init_all(n->comms.data(), (int)devices.size(), devices.data())) != 0)
        *why = std::string("ncclCommInitAll failed: ") + (n->error_string ? n->error_string(code) : std::to_string(code));
    if (code != 0) {
        if (m->group) {  // no fallback across processes: the stand-in sums only this process's replicas
            n->comms.assign(devices.size(), nullptr);
            nccl_close(n);
            return fail(m, -1, "distributed training on GPUs needs NCCL: " + *why);
        }
        n->comms.assign(devices.size(), nullptr);
        nccl_close(n);
        return mode == "nccl" ? fail(m, -1, "TSDP_ALLREDUCE=nccl: " + *why) : 0;
    }
    m->nccl = n;
    return 0;
}

/**
 * An NCCL call failed: the communicators may hold a collective that never completes (a hang at the
 * next synchronization) or produced wrong sums, so they are aborted and dropped; the step fails
 * with NCCL's reason, and the model's later steps use the in-process stand-in.
 */
int nccl_abort(tsdp_model* m, const std::string& why);

int nccl_failed(tsdp_model* m, const char* call, int code) {
    tsdp_nccl* n = m->nccl;
    return nccl_abort(m, std::string(call) + " failed: " + (n && n->error_string ? n->error_string(code) : "NCCL error " + std::to_string(code)));
}

/** Aborts and drops the communicators (nccl_failed), failing with `why`. */
int nccl_abort(tsdp_model* m, const std::string& why) {
    tsdp_nccl* n = m->nccl;
    if (n) {
        for (void*& c : n->comms)
            if (c && n->comm_abort) {
                n->comm_abort(c);
                c = nullptr;  // aborted: nccl_close must not destroy it again
            }
        nccl_close(n);
        m->nccl = nullptr;
        drop_graphs(m);  // they contain the aborted communicators' collectives
        m->allreduce_note = "NCCL aborted after an error (" + why + "); the in-process stand-in sums gradients";
    }
    return fail(m, -1, why);
}

/** After a step: NCCL reports errors of collectives in flight (a peer lost mid-step) only here. */
int nccl_poll(tsdp_model* m) {
    tsdp_nccl* n = m->nccl;
    if (!n || !n->comm_get_async_error) return 0;
    for (void* c : n->comms) {
        int async = 0;
        if (int code = n->comm_get_async_error(c, &async)) return nccl_failed(m, "ncclCommGetAsyncError", code);
        if (async != 0) return nccl_failed(m, "a collective (ncclCommGetAsyncError)", async);
    }
    return 0;
}

/**
 * Waits for the comm streams while polling NCCL: a collective whose peer failed never completes,
 * so a plain cudaStreamSynchronize would hang where ncclCommGetAsyncError reports the error.
 */
int nccl_wait(tsdp_model* m) {
    // across processes a peer that hangs never reports an error: the group's timeout aborts the communicators
    const auto start = std::chrono::steady_clock::now();
    while (m->nccl) {
        if (m->group && std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > group_timeout(m->group)) {
            const std::string what = "rank " + std::to_string(group_rank(m->group)) + ": the step's NCCL all-reduce did not complete within " +
                                     std::to_string(group_timeout(m->group)) + " s: another rank died or hangs (the communicators were aborted)";
            return nccl_abort(m, what);
        }
        bool busy = false;
        for (auto& r : m->replicas) {
            TSDP_CHECK(cudaSetDevice(r.device));
            const cudaError_t q = cudaStreamQuery(r.comm);
            if (q == cudaErrorNotReady) busy = true;
            else TSDP_CHECK(q);
        }
        if (int e = nccl_poll(m)) return e;
        if (!busy) return 0;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return 0;
}

// Events of a step, per replica: [0] fork, [1] join, [2] all-reduce done, [3 + s] segment s issued.
enum { kForkEvent = 0, kJoinEvent = 1, kReducedEvent = 2, kSegmentEvents = 3 };

/** All-reduce (sum) of one bucket across replicas, after each replica's segment event. */
int enqueue_all_reduce(tsdp_model* m, const tsdp_bucket_info& b) {
    const size_t bytes = b.count * sizeof(float);
    const int ready = kSegmentEvents + b.segment;
    if (m->nccl) {
        for (auto& r : m->replicas) {
            TSDP_CHECK(cudaSetDevice(r.device));
            TSDP_CHECK(cudaStreamWaitEvent(r.comm, r.events[ready], 0));
        }
        if (int code = m->nccl->group_start()) return nccl_failed(m, "ncclGroupStart", code);
        for (size_t i = 0; i < m->replicas.size(); ++i) {
            tsdp_replica* r = &m->replicas[i];
            float* g = (float*)r->grads + b.offset;
            // ncclFloat32 = 7, ncclSum = 0
            if (int code = m->nccl->all_reduce(g, g, b.count, 7, 0, m->nccl->comms[i], r->comm)) {
                m->nccl->group_end();
                return nccl_failed(m, "ncclAllReduce", code);
            }
        }
        // a collective fails as a group: its error (a lost peer, a bad argument) comes from here
        if (int code = m->nccl->group_end()) return nccl_failed(m, "ncclGroupEnd", code);
        return 0;
    }
#ifndef TSDP_CUDA_SHIM
    // on GPUs a group sums only with NCCL: the stand-in would leave out the other processes
    if (m->group) return fail(m, -1, "distributed training on GPUs needs NCCL, and it " + (m->allreduce_note.empty() ? std::string("is not loaded") : "is unusable: " + m->allreduce_note));
#endif
    tsdp_replica* r0 = &m->replicas[0];
    TSDP_CHECK(cudaSetDevice(r0->device));
    for (auto& r : m->replicas) TSDP_CHECK(cudaStreamWaitEvent(r0->comm, r.events[ready], 0));
    float* sum = (float*)r0->grads + b.offset;
    for (size_t i = 1; i < m->replicas.size(); ++i) {
        TSDP_CHECK(cudaMemcpyAsync(r0->scratch, (float*)m->replicas[i].grads + b.offset, bytes, cudaMemcpyDeviceToDevice, r0->comm));
        TSDP_LAUNCH(tsdp_accumulate_kernel, dim3((unsigned)std::min<size_t>((b.count + 255) / 256, 65535)), dim3(256), 0, r0->comm, sum, (const float*)r0->scratch, b.count);
        TSDP_CHECK(cudaGetLastError());
    }
    if (m->group) {
        // the host waits for this process's sum, then the group adds the other processes' (CPU target:
        // device memory is host memory; on GPUs a group always sums with NCCL, above)
        TSDP_CHECK(cudaStreamSynchronize(r0->comm));
        std::string why;
        if (group_sum_floats(m->group, sum, b.count, "the all-reduce of a gradient bucket", &why) != 0) return fail(m, -1, why);
    }
    for (size_t i = 1; i < m->replicas.size(); ++i)
        TSDP_CHECK(cudaMemcpyAsync((float*)m->replicas[i].grads + b.offset, sum, bytes, cudaMemcpyDeviceToDevice, r0->comm));
    return 0;
}

/** 1 where this replica's step read an index out of range (its record, device.h tsdp_index_fault), else 0. */
__global__ void index_fault_flag_kernel(const int* __restrict__ fault, float* __restrict__ flag) {
    if (blockIdx.x == 0 && threadIdx.x == 0) *flag = fault[0] != 0 ? 1.0f : 0.0f;
}

/**
 * After the step's last segment: each replica's index-fault flag, summed across the replicas (and
 * processes) as the gradients are, so that one replica's index out of range stops every replica's
 * update alike and none moves apart from the others. Every fault is recorded by then: the kernels
 * that read through an index are the forward's, or the backward's reading the same index.
 */
int enqueue_index_fault_flags(tsdp_model* m, bool reduce) {
    const tsdp_model_desc& d = tsdp_model_description;
    const tsdp_program_desc& p = training().step;
    if (d.index_site_count == 0) return 0;  // the flag stays 0 from the replica's creation
    for (auto& r : m->replicas) {
        TSDP_CHECK(cudaSetDevice(r.device));
        TSDP_LAUNCH(index_fault_flag_kernel, dim3(1), dim3(1), 0, r.stream, (const int*)r.index_fault, (float*)r.grads + index_fault_flag(d));
        TSDP_CHECK(cudaGetLastError());
        if (reduce) TSDP_CHECK(cudaEventRecord(r.events[kSegmentEvents + p.segments - 1], r.stream));
    }
    if (!reduce) return 0;
    return enqueue_all_reduce(m, tsdp_bucket_info{index_fault_flag(d), 1, p.segments - 1});
}

/**
 * DDP's broadcast_buffers: every process takes rank 0's buffers (BatchNorm's running statistics)
 * after the step, as the in-process replicas take replica 0's, so that P processes × K devices
 * keep exactly what one process with P·K devices keeps.
 */
int enqueue_buffer_broadcast(tsdp_model* m, size_t begin, size_t end) {
    tsdp_replica* r0 = &m->replicas[0];
    TSDP_CHECK(cudaSetDevice(r0->device));
    if (m->nccl) {
        if (int code = m->nccl->group_start()) return nccl_failed(m, "ncclGroupStart", code);
        for (size_t i = 0; i < m->replicas.size(); ++i) {
            tsdp_replica* r = &m->replicas[i];
            // ncclUint8 = 1; global rank 0 is process 0's replica 0
            if (int code = m->nccl->broadcast(r->params + begin, r->params + begin, end - begin, 1, 0, m->nccl->comms[i], r->stream)) {
                m->nccl->group_end();
                return nccl_failed(m, "ncclBroadcast", code);
            }
        }
        if (int code = m->nccl->group_end()) return nccl_failed(m, "ncclGroupEnd", code);
        return 0;
    }
    TSDP_CHECK(cudaStreamSynchronize(r0->stream));
    std::string why;
    if (group_broadcast(m->group, r0->params + begin, end - begin, "the broadcast of rank 0's buffers", &why) != 0) return fail(m, -1, why);
    return 0;
}

/**
 * One training step, issued asynchronously (and captured into a graph when graphs are on):
 * inputs in; on every replica the step's segments, each followed by the all-reduce of the
 * buckets it completes; the optimizer update once every bucket is summed; the loss out; and
 * replica 0's buffers (BatchNorm running statistics) copied to the others, as DataParallel keeps
 * device 0's.
 */
int enqueue_step(tsdp_model* m, const std::vector<std::pair<int, int>>& parts) {
    const tsdp_model_desc& d = tsdp_model_description;
    const tsdp_training_desc& t = training();
    const tsdp_program_desc& p = t.step;
    const size_t n = m->replicas.size();
    const bool reduce = n > 1 || m->nccl || m->group;
    for (size_t i = 0; i < n; ++i) {
        tsdp_replica* r = &m->replicas[i];
        TSDP_CHECK(cudaSetDevice(r->device));
        if (i < parts.size()) {
            if (int e = enqueue_inputs(m, r, p, parts[i].second)) return e;
        } else {  // no chunk: zero gradients in the sum, and the same update as the others
            TSDP_CHECK(cudaMemcpyAsync(r->consts, r->consts_host, sizeof(tsdp_run_consts), cudaMemcpyHostToDevice, r->stream));
            TSDP_CHECK(cudaMemsetAsync(r->grads, 0, alloc_bytes(d.param_bytes), r->stream));
            if (d.index_site_count > 0) TSDP_CHECK(cudaMemsetAsync(r->index_fault, 0, 2 * sizeof(int), r->stream));
        }
    }
    int next_bucket = 0;
    for (int s = 0; s < p.segments; ++s) {
        for (size_t i = 0; i < parts.size(); ++i)
            if (int e = p.run(m, &m->replicas[i], parts[i].second, s)) return e;
        if (!reduce || next_bucket >= t.bucket_count || t.buckets[next_bucket].segment != s) continue;
        for (auto& r : m->replicas) {
            TSDP_CHECK(cudaSetDevice(r.device));
            TSDP_CHECK(cudaEventRecord(r.events[kSegmentEvents + s], r.stream));
        }
        for (; next_bucket < t.bucket_count && t.buckets[next_bucket].segment == s; ++next_bucket) {
            if (int e = enqueue_all_reduce(m, t.buckets[next_bucket])) return e;
            m->stats[3] += 1;
        }
    }
    if (int e = enqueue_index_fault_flags(m, reduce)) return e;
    if (reduce) {
        // the update waits for the sums: NCCL's on each replica's comm stream, the stand-in's on replica 0's
        for (auto& r : m->replicas) {
            tsdp_replica* owner = m->nccl ? &r : &m->replicas[0];
            TSDP_CHECK(cudaSetDevice(owner->device));
            TSDP_CHECK(cudaEventRecord(owner->events[kReducedEvent], owner->comm));
            TSDP_CHECK(cudaSetDevice(r.device));
            TSDP_CHECK(cudaStreamWaitEvent(r.stream, owner->events[kReducedEvent], 0));
        }
    }
    for (size_t i = 0; i < n; ++i) {
        tsdp_replica* r = &m->replicas[i];
        TSDP_CHECK(cudaSetDevice(r->device));
        if (m->accumulation) {
            TSDP_LAUNCH(held_gradients_kernel, dim3((unsigned)std::min<size_t>((t.param_floats + 255) / 256, 65535)), dim3(256), 0, r->stream, (float*)r->grads, r->held, t.param_floats,
                        (const tsdp_update*)&r->consts->update, (const float*)r->grads + index_fault_flag(d));
            TSDP_CHECK(cudaGetLastError());
        }
        // a step that holds its gradients takes no update (nor clipping: PyTorch clips the sum, before its step)
        if (m->accumulation != 1) {
            if (m->clipping) {
                const double norm_type = t.clip_norm_type == 0.0 ? 2.0 : t.clip_norm_type;
                TSDP_LAUNCH(grad_norm_partials_kernel, dim3(kGradNormBlocks), dim3(kGradNormThreads), 0, r->stream, (const float*)r->grads, t.param_floats,
                            r->grad_norm, norm_type);
                TSDP_CHECK(cudaGetLastError());
                TSDP_LAUNCH(grad_clip_factor_kernel, dim3(1), dim3(32), 0, r->stream, r->grad_norm, (const tsdp_update*)&r->consts->update, norm_type);
                TSDP_CHECK(cudaGetLastError());
            }
            TSDP_LAUNCH(optimizer_update_kernel, dim3((unsigned)std::min<size_t>((t.param_floats + 255) / 256, 65535)), dim3(256), 0, r->stream,
                        (float*)r->params, (float*)r->grads, (float*)r->opt1, (float*)r->opt2, (float*)r->opt3, t.param_floats, t.optimizer,
                        t.optimizer_flags, (const tsdp_update*)&r->consts->update, (const double*)r->grad_norm, (const unsigned char*)r->param_group,
                        (const float*)r->grads + index_fault_flag(d));
            TSDP_CHECK(cudaGetLastError());
        }
        if (i < parts.size())
            if (int e = enqueue_outputs(m, r, p, parts[i].second, m->step_outputs != 0)) return e;
    }
    // replica 0's buffers, and the parameters forward changed from its share of the batch (an
    // embedding's max_norm; updated since), for every replica and process
    std::vector<tsdp_byte_range> kept;
    const size_t begin = t.param_floats * sizeof(float), end = d.param_bytes;
    if (end > begin) kept.push_back({begin, end - begin});
    for (int k = 0; k < d.replica0_param_count; ++k) kept.push_back(d.replica0_params[k]);
    for (const tsdp_byte_range& range : kept)
        if (m->group)
            if (int e = enqueue_buffer_broadcast(m, range.offset, range.offset + range.bytes)) return e;
    if (n > 1 && !kept.empty() && !(m->group && m->nccl)) {
        tsdp_replica* r0 = &m->replicas[0];
        for (size_t i = 1; i < n; ++i) {
            tsdp_replica* r = &m->replicas[i];
            TSDP_CHECK(cudaSetDevice(r->device));
            TSDP_CHECK(cudaEventRecord(r->events[kJoinEvent], r->stream));
            TSDP_CHECK(cudaSetDevice(r0->device));
            TSDP_CHECK(cudaStreamWaitEvent(r0->stream, r->events[kJoinEvent], 0));
            for (const tsdp_byte_range& range : kept)
                TSDP_CHECK(cudaMemcpyAsync(r->params + range.offset, r0->params + range.offset, range.bytes, cudaMemcpyDeviceToDevice, r0->stream));
        }
    }
    return 0;
}

/** Every other stream waits for replica 0's stream: how a capture spreads over several streams. */
int fork_streams(tsdp_model* m) {
    tsdp_replica* r0 = &m->replicas[0];
    TSDP_CHECK(cudaSetDevice(r0->device));
    TSDP_CHECK(cudaEventRecord(r0->events[kForkEvent], r0->stream));
    for (auto& r : m->replicas) {
        TSDP_CHECK(cudaSetDevice(r.device));
        if (&r != r0) TSDP_CHECK(cudaStreamWaitEvent(r.stream, r0->events[kForkEvent], 0));
        TSDP_CHECK(cudaStreamWaitEvent(r.comm, r0->events[kForkEvent], 0));
    }
    return 0;
}

/** Replica 0's stream waits for every other stream: a capture must end where it began. */
int join_streams(tsdp_model* m) {
    tsdp_replica* r0 = &m->replicas[0];
    for (auto& r : m->replicas) {
        for (cudaStream_t s : {r.stream, r.comm}) {
            if (s == r0->stream) continue;
            TSDP_CHECK(cudaSetDevice(r.device));
            TSDP_CHECK(cudaEventRecord(r.events[kJoinEvent], s));
            TSDP_CHECK(cudaSetDevice(r0->device));
            TSDP_CHECK(cudaStreamWaitEvent(r0->stream, r.events[kJoinEvent], 0));
        }
    }
    return 0;
}

/** Captures the step for this batch size and mode; nullptr (and graphs off, with the reason) if the capture fails. */
cudaGraphExec_t capture_step(tsdp_model* m, const std::vector<std::pair<int, int>>& parts) {
    tsdp_replica* r0 = &m->replicas[0];
    cudaGraph_t graph = nullptr;
    cudaGraphExec_t exec = nullptr;
    const std::string before = m->error;
    cudaError_t e = cudaSetDevice(r0->device);
    if (e == cudaSuccess) e = cudaStreamBeginCapture(r0->stream, cudaStreamCaptureModeThreadLocal);
    const bool began = e == cudaSuccess;
    int issued = began ? fork_streams(m) : -1;
    if (issued == 0) issued = enqueue_step(m, parts);
    if (issued == 0) issued = join_streams(m);
    if (began) {  // end the capture even when an error broke it off
        cudaError_t end = cudaSetDevice(r0->device);
        if (end == cudaSuccess) end = cudaStreamEndCapture(r0->stream, &graph);
        if (e == cudaSuccess) e = end;
    }
    if (issued == 0 && e == cudaSuccess) e = cudaGraphInstantiate(&exec, graph, 0);
    if (graph) cudaGraphDestroy(graph);
    if (issued != 0 || e != cudaSuccess || !exec) {
        m->graph_status = "eager: capturing the step failed (" + (issued != 0 ? m->error : std::string(cudaGetErrorString(e))) + ")";
        m->error = before;
        m->use_graphs = 0;
        (void)cudaGetLastError();  // reported through graph_status; the eager step that follows must not see it
        return nullptr;
    }
    m->stats[0] += 1;
    return exec;
}

int launch_graph(tsdp_model* m, cudaGraphExec_t exec) {
    TSDP_CHECK(cudaSetDevice(m->replicas[0].device));
    TSDP_CHECK(cudaGraphLaunch(exec, m->replicas[0].stream));
    return 0;
}

int prepare_step_resources(tsdp_model* m) {
    const tsdp_training_desc& t = training();
    std::string why;
    if (int e = nccl_open(m, &why)) return e;
    if (!why.empty()) m->allreduce_note = why;
    for (auto& r : m->replicas) {
        if (!r.events.empty()) continue;
        TSDP_CHECK(cudaSetDevice(r.device));
        r.events.assign(kSegmentEvents + t.step.segments, nullptr);
        for (auto& ev : r.events) TSDP_CHECK(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming));
    }
    tsdp_replica* r0 = &m->replicas[0];
    if (!m->nccl && m->replicas.size() > 1 && !r0->scratch) {
        TSDP_CHECK(cudaSetDevice(r0->device));
        TSDP_CHECK(cudaMalloc((void**)&r0->scratch, std::max<size_t>(t.largest_bucket_floats * sizeof(float), 16)));
    }
    return 0;
}

/** The loss over the whole batch from each replica's, weighted (loss_weights). */
double combine(const std::vector<float>& losses, const std::vector<double>& weights) {
    double total = 0;
    for (size_t i = 0; i < weights.size(); ++i) total += (double)losses[i] * weights[i];
    return total;
}

/** One target's share of a mean over counted targets: 0 ignored, else 1 or its class's weight. */
double target_amount(const tsdp_training_desc& t, int32_t y) {
    if (y == t.ignore_index) return 0.0;
    // a class outside [0, class_count) weighs 0, as its one-hot row in the loss
    return !t.class_weights ? 1.0 : (y >= 0 && y < t.class_count ? (double)t.class_weights[y] : 0.0);
}

/**
 * The amount of samples [first, first + count)'s targets: every element of each sample's target,
 * or where the loss derives the target it reads (labels[..., 1:]) the elements it reads
 * (target_offsets, the same in every sample, as many times as it reads each).
 */
double counted_targets(const int32_t* y, size_t first, size_t count) {
    const tsdp_training_desc& t = training();
    double amount = 0;
    for (size_t s = first; s < first + count; ++s) {
        const int32_t* sample = y + s * t.targets_per_sample;
        if (t.target_offsets)
            for (size_t k = 0; k < t.target_offset_count; ++k) amount += target_amount(t, sample[t.target_offsets[k]]);
        else
            for (size_t k = 0; k < t.targets_per_sample; ++k) amount += target_amount(t, sample[k]);
    }
    return amount;
}

/**
 * Each replica's weight in the whole job's loss: 1 for a summed loss; for a mean, its share of
 * what the mean is over — its rows of the batch, or (a cross-entropy with ignore_index or class
 * weights) its targets that are not ignored, each counting its class's weight if there are some,
 * summed here from the host's targets (those the loss reads: counted_targets). In a group the
 * total is every process's. Scaling each replica's backward by its weight makes the summed
 * gradients the whole batch's. A mean over nothing (every target ignored, or weighing 0) is 0/0:
 * every weight is NaN, so the loss is NaN, as PyTorch's, and so is each gradient but where the
 * loss selects 0 back (an ignored target's terms: PyTorch's gradient there is 0).
 */
int loss_weights(tsdp_model* m, const std::vector<std::pair<int, int>>& parts, const void* target, std::vector<double>* weights, bool holds = false) {
    const tsdp_training_desc& t = training();
    std::vector<double> amount(parts.size(), 0.0);
    double total = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
        if (t.count_targets) {
            amount[i] = counted_targets((const int32_t*)target, (size_t)parts[i].first, (size_t)parts[i].second);
        } else {
            amount[i] = parts[i].second;
        }
        total += amount[i];
    }
    std::string why;
    m->sample_base = 0;
    if (m->group) {
        // one sum: [the total the mean is over, then each rank's batch in its own slot], whose
        // slots before this rank give its first sample in the job's batch (dropout's sample index)
        const int rank = group_rank(m->group), size = group_size(m->group);
        std::vector<double> sums(1 + (size_t)size, 0.0);
        sums[0] = total;
        for (const auto& p : parts) sums[1 + (size_t)rank] += p.second;
        // (a step that holds its gradients sums under a name of its own: a rank that holds where another
        // updates is named, as one in another collective, rather than updating apart)
        const char* what = t.count_targets ? (t.class_weights ? "the sum of the processes' target weights" : "the sum of the processes' counted targets") : "the sum of the processes' batch sizes";
        const std::string named = holds ? std::string(what) + " (a step that holds its gradients)" : what;
        if (group_sum_doubles(m->group, sums.data(), sums.size(), named.c_str(), &why) != 0)
            return fail(m, -1, why);
        total = sums[0];
        for (int j = 0; j < rank; ++j) m->sample_base += (unsigned long long)sums[1 + (size_t)j];
    }
    weights->assign(parts.size(), 1.0);
    // a replica with nothing to count divides its sum by 1 (the loss's step form, n + [n = 0]): that
    // sum is 0 unless label smoothing adds the other classes' terms to targets of weight 0, which
    // PyTorch's mean keeps (its numerator has them), so it weighs 1/total, not 0
    if (t.mean_loss)
        for (size_t i = 0; i < parts.size(); ++i) (*weights)[i] = total == 0.0 ? std::nan("") : (amount[i] == 0.0 ? 1.0 : amount[i]) / total;
    return 0;
}

/** The job's loss: this process's share, summed across the group. */
int global_loss(tsdp_model* m, double local, float* loss) {
    std::string why;
    if (m->group && group_sum_doubles(m->group, &local, 1, "the sum of the processes' losses", &why) != 0) return fail(m, -1, why);
    *loss = (float)local;
    return 0;
}

/** The caller's output arrays, then a slot for the loss (which unstage_outputs puts per replica instead). */
std::vector<void*> with_loss_slot(void* const* outputs) {
    std::vector<void*> outs(outputs, outputs + tsdp_model_description.output_count);
    outs.push_back(nullptr);
    return outs;
}

}  // namespace

std::string describe_all_reduce(tsdp_model* m) {
    std::string text = std::string("; all-reduce: ") +
                       (m->group ? (m->nccl ? "NCCL across " : "in-process stand-in + " + std::string(group_engine(m->group)) + " across ") + std::to_string(group_size(m->group)) + " processes"
                        : m->replicas.size() < 2 && !m->nccl ? "none (one replica)"
                        : m->nccl ? "NCCL" : "in-process stand-in") +
                       ", " + std::to_string(training().bucket_count) + " bucket(s)";
    if (!m->allreduce_note.empty()) text += " (" + m->allreduce_note + ")";
    return text;
}

/** A target where the loss takes one, NULL where it is a function of the output alone (manifest: training.target null). */
static int check_target(tsdp_model* m, const char* who, const void* target) {
    if (!training().no_target && !target) return fail(m, -1, std::string(who) + ": NULL argument (target)");
    if (training().no_target && target) return fail(m, -1, std::string(who) + ": this model's loss takes no target; pass NULL");
    return 0;
}

int evaluate(tsdp_model* m, int batch, const void* const* inputs, const void* target, void* const* outputs, float* loss) {
    if (!m) return -1;
    if (batch < 1) return fail(m, -1, "tsdp_evaluate: batch must be at least 1, got " + std::to_string(batch));
    if (!inputs || !outputs || !loss) return fail(m, -1, "tsdp_evaluate: NULL argument");
    if (int e = check_target(m, "tsdp_evaluate", target)) return e;
    if (int e = null_entry(m, "tsdp_evaluate", inputs, outputs)) return e;
    if (int e = settle_pending(m)) return e;
    try {
        const tsdp_model_desc& d = tsdp_model_description;
        std::vector<const void*> ins(inputs, inputs + d.input_count);
        if (!training().no_target) ins.push_back(target);
        std::vector<void*> outs = with_loss_slot(outputs);
        std::vector<float> losses(m->replicas.size(), 0.0f);
        std::vector<double> weights;
        if (int e = loss_weights(m, chunks(batch, (int)m->replicas.size()), target, &weights)) return e;
        if (int e = run_replicated(m, training().evaluate, batch, ins.data(), outs.data(), &losses)) return e;
        return global_loss(m, combine(losses, weights), loss);
    } catch (const std::exception& ex) {
        return fail(m, -1, std::string("tsdp_evaluate: ") + ex.what());
    }
}

/** The host's step counters, as a step that read an index out of range leaves them: as before it. */
static void restore_counters(tsdp_model* m, const decltype(tsdp_model::before_pending)& before) {
    m->steps = before.steps;
    m->draws = before.draws;
    m->mu_product = before.mu_product;
    m->mu_product_steps = before.mu_product_steps;
    m->momentum_started = before.momentum_started;
    m->holding = before.holding;
}

static decltype(tsdp_model::before_pending) current_counters(const tsdp_model* m) {
    decltype(tsdp_model::before_pending) c;
    c.steps = m->steps, c.draws = m->draws, c.mu_product = m->mu_product, c.mu_product_steps = m->mu_product_steps;
    c.momentum_started = m->momentum_started, c.holding = m->holding;
    return c;
}

const char* const kStepNotTaken = "; the step was not taken: the parameters, the optimizer's state and the step count are as before it";

int settle_pending(tsdp_model* m) {
    if (!m || m->pending_step == 0) return 0;
    const unsigned long long step = m->pending_step;
    m->pending_step = 0;
    int e = nccl_wait(m);
    if (e == 0) e = synchronize_all(m);
    if (e == 0 && (e = report_index_fault(m, kStepNotTaken)) != 0) {
        restore_counters(m, m->before_pending);
        m->error = "step " + std::to_string(step) + ", issued without waiting for its loss, failed: " + m->error;
        return e;
    }
    if (e != 0) {
        settle_after_error(m);
        m->error = "step " + std::to_string(step) + ", issued without waiting for its loss, failed: " + m->error;
    }
    return e;
}

/** RAdam's rectification r_t for β₂ at step t: ρ_∞ = 2/(1 − β₂) − 1, ρ_t = ρ_∞ − 2tβ₂ᵗ/(1 − β₂ᵗ); rectified once ρ_t > 5, else 0. */
static float radam_rectification(double beta2, unsigned long long step) {
    const double c2 = 1.0 - std::pow(beta2, (double)step);
    const double inf = 2.0 / (1.0 - beta2) - 1.0, rho = inf - 2.0 * (double)step * std::pow(beta2, (double)step) / c2;
    return rho > 5.0 ? (float)std::sqrt((rho - 4.0) * (rho - 2.0) * inf / ((inf - 4.0) * (inf - 2.0) * rho)) : 0.0f;
}

/**
 * Param group g's hyperparameters at this step: its own where it has one (the descriptor's table,
 * NAN: none), else the step's; the step's momentum and β₁ when the step gave them (momentum_given: a
 * scheduler's cycle writes every param_group's in PyTorch), and the bias corrections of its betas.
 */
static tsdp_group_update group_update(const tsdp_training_desc& t, int g, const tsdp_hparams& h, unsigned long long step) {
    const double* own = t.group_hparams ? t.group_hparams + (size_t)g * TSDP_GROUP_COLUMNS : nullptr;
    const auto pick = [&](int column, double step_value, bool step_wins = false) { return own && !step_wins && !std::isnan(own[column]) ? own[column] : step_value; };
    tsdp_group_update u{};
    u.momentum = pick(TSDP_GROUP_MOMENTUM, h.momentum, h.momentum_given != 0);
    u.dampening = pick(TSDP_GROUP_DAMPENING, h.dampening);
    u.beta1 = pick(TSDP_GROUP_BETA1, h.beta1, h.momentum_given != 0);
    u.beta2 = pick(TSDP_GROUP_BETA2, h.beta2);
    u.eps = pick(TSDP_GROUP_EPS, h.eps);
    u.alpha = pick(TSDP_GROUP_ALPHA, h.alpha);
    u.nesterov = pick(TSDP_GROUP_NESTEROV, (double)h.nesterov) != 0.0 ? 1 : 0;
    u.c1 = (float)(1.0 - std::pow(u.beta1, (double)step));
    u.c2 = (float)(1.0 - std::pow(u.beta2, (double)step));
    u.c4 = t.optimizer == TSDP_RADAM ? radam_rectification(u.beta2, step) : 0.0f;
    return u;
}

int train_step(tsdp_model* m, int batch, const void* const* inputs, const void* target, const tsdp_hparams* h, void* const* outputs, float* loss) {
    if (!m) return -1;
    if (batch < 1) return fail(m, -1, "tsdp_train_step: batch must be at least 1, got " + std::to_string(batch));
    if (!inputs || !h) return fail(m, -1, "tsdp_train_step: NULL argument");
    if (int e = check_target(m, "tsdp_train_step", target)) return e;
    if (int e = null_entry(m, "tsdp_train_step", inputs, outputs)) return e;
    if (!std::isfinite(h->loss_scale)) return fail(m, -1, "tsdp_train_step: loss_scale must be a finite number, got " + std::to_string(h->loss_scale));
    if (!(h->max_grad_norm >= 0.0) || !std::isfinite(h->max_grad_norm))
        return fail(m, -1, "tsdp_train_step: max_grad_norm must be a finite number ≥ 0 (0: no clipping), got " + std::to_string(h->max_grad_norm));
    // Without the loss across processes: each step's loss is summed over the group, a collective
    // every process must join, so a rank that skipped it would pair with another's next step.
    if (outputs && !loss) return fail(m, -1, "tsdp_train_step: the forward's outputs are copied back when the step is done, so a step that returns them waits for its loss");
    if (!loss && m->group) return fail(m, -1, "tsdp_train_step: a step that does not wait for its loss is not available in a process group (each step's loss is summed across the processes); wait for the loss, or train in one process");
    if (int e = settle_pending(m)) return e;
    try {
        const tsdp_training_desc& t = training();
        const auto before = current_counters(m);
        if (int e = prepare_step_resources(m)) return e;
        const auto parts = chunks(batch, (int)m->replicas.size());
        // a mean loss over the whole job's batch: each replica's backward is scaled by its weight
        std::vector<double> weights;
        if (int e = loss_weights(m, parts, target, &weights, h->accumulate != 0)) return e;
        // lossScale scales each replica's backward seed: (loss * s).backward() on every rank, before
        // the gradients are summed across them, as DDP's (a rank's own scale counts in the sum)
        const double loss_scale = h->loss_scale == 0.0 ? 1.0 : h->loss_scale;
        std::vector<float> scale(m->replicas.size(), 0.0f), losses(m->replicas.size(), 0.0f);
        for (size_t i = 0; i < parts.size(); ++i) scale[i] = (float)(weights[i] * loss_scale);
        std::vector<const void*> ins(inputs, inputs + tsdp_model_description.input_count);
        if (!t.no_target) ins.push_back(target);
        ins.push_back(nullptr);  // the loss scale comes from `scale`
        if (int e = stage_inputs(m, t.step, parts, ins.data(), &scale)) return e;
        const unsigned long long step = m->steps + 1;
        const double c2 = 1.0 - std::pow(h->beta2, (double)step);
        tsdp_update update{*h, (float)(1.0 - std::pow(h->beta1, (double)step)), (float)c2, 0.0f, 0.0f, m->momentum_started ? 0 : 1, (float)t.clip_value, 0, 0, {}, {}, {}};
        // gradient accumulation: this step holds its gradients, or updates with the ones held added
        const int accumulation = h->accumulate ? 1 : m->holding ? 2 : 0;
        update.accumulation = accumulation;
        update.holding = m->holding ? 1 : 0;
        if (accumulation == 1) {
            // no update: NAdam's and RAdam's step factors wait for the step that takes one
        } else if (t.optimizer == TSDP_NADAM) {
            // μ_i = β₁(1 − ½·0.96^(i·ψ)), ψ held as momentum; Πμ multiplied by each step's μ_t, as PyTorch's
            // mu_product (recomputed from the current β₁ and ψ only after a checkpoint that lacks it)
            const auto mu = [&](double i) { return h->beta1 * (1.0 - 0.5 * std::pow(0.96, i * h->momentum)); };
            if (m->mu_product_steps != step - 1) {
                // bounded whatever the step count a checkpoint names: once 0.5·0.96^(iψ) is below half
                // an ulp of 1 every later factor is β₁ exactly (ψ = 0: every factor is β₁/2), and a
                // product of 0 stays 0 — the rest is one power; past kMaxReplayed factors, refused
                constexpr unsigned long long kMaxReplayed = 100000000ull;
                m->mu_product = 1.0;
                for (unsigned long long i = 1; i < step; ++i) {
                    const bool constant = h->momentum == 0.0 || 0.5 * std::pow(0.96, (double)i * h->momentum) < 1e-17;
                    if (constant || m->mu_product == 0.0) {
                        m->mu_product *= std::pow(mu((double)i), (double)(step - i));
                        break;
                    }
                    if (i > kMaxReplayed) return fail(m, -1, "NAdam: the checkpoint holds no optimizer.mu_product, and recomputing it over " + std::to_string(step) + " steps with this momentum decay would take too long; save the checkpoint with tsdp, which keeps it");
                    m->mu_product *= mu((double)i);
                }
            }
            const double product = m->mu_product * mu((double)step);
            m->mu_product = product;
            m->mu_product_steps = step;
            const double next = mu((double)step + 1.0);
            update.c3 = (float)((1.0 - mu((double)step)) / (1.0 - product));
            update.c4 = (float)(next / (1.0 - product * next));
        } else if (t.optimizer == TSDP_RADAM) {
            // ρ_∞ = 2/(1 − β₂) − 1, ρ_t = ρ_∞ − 2tβ₂ᵗ/(1 − β₂ᵗ); rectified once ρ_t > 5
            update.c4 = radam_rectification(h->beta2, step);
        }
        // Adagrad's lr_decay: this step's lr is lr / (1 + (t − 1)·lr_decay), every group's alike
        const double decay = t.optimizer == TSDP_ADAGRAD && t.lr_decay > 0.0 ? 1.0 / (1.0 + (double)(step - 1) * t.lr_decay) : 1.0;
        update.h.lr = h->lr * decay;
        // SGD's momentum buffers start at the first step where any group has a momentum
        bool any_momentum = h->momentum != 0.0;
        for (int g = 0; g < t.group_count; ++g) {
            update.group_weight_decay[g] = std::isnan(t.group_weight_decay[g]) ? h->weight_decay : t.group_weight_decay[g];
            update.group_lr[g] = (g < h->group_lrs ? h->group_lr[g] : h->lr * t.group_lr_scale[g]) * decay;
            update.group[g] = group_update(t, g, *h, step);
            any_momentum = any_momentum || update.group[g].momentum != 0.0;
        }
        for (auto& r : m->replicas) r.consts_host->update = update;
        m->clipping = accumulation != 1 && h->max_grad_norm > 0.0;
        m->accumulation = accumulation;
        m->step_outputs = outputs ? 1 : 0;
        if (accumulation == 1)
            for (auto& r : m->replicas)
                if (!r.held) {
                    drop_graphs(m);  // the step's graphs do not know the new buffer
                    TSDP_CHECK(cudaSetDevice(r.device));
                    TSDP_CHECK(cudaMalloc((void**)&r.held, alloc_bytes(t.param_floats * sizeof(float))));
                }

        cudaGraphExec_t exec = nullptr;
        if (graphs_enabled(m)) {
            const auto key = std::make_pair(batch, m->training + 2 * m->clipping + 4 * accumulation + 16 * m->step_outputs);
            auto found = m->graphs.find(key);
            if (found != m->graphs.end()) {
                exec = found->second.exec;
                found->second.last_launch = ++m->graph_clock;
            } else if (m->warmed_up.count(key)) {
                exec = capture_step(m, parts);
                if (exec) keep_graph(m, key, exec);
            } else {
                m->warmed_up.insert(key);  // this step runs eagerly: the warm-up
            }
        }
        int issued = 0;
        if (exec) {
            issued = launch_graph(m, exec);
            m->stats[1] += issued == 0;
        } else {
            issued = enqueue_step(m, parts);
            m->stats[2] += issued == 0;
        }
        if (issued != 0) {
            settle_after_error(m);
            return issued;
        }
        // the step's effect on the counters: an update is optimizer step `step`; a step that holds
        // its gradients is no optimizer step, and its dropout masks are the next draw's
        const auto count = [&] {
            if (accumulation == 1) {
                m->holding = true;
                ++m->draws;
                return;
            }
            m->holding = false;
            m->steps = step;
            m->draws = 0;  // the next step's masks are (step + 1, 0), (step + 1, 1), …: independent of earlier calls
            if (any_momentum) m->momentum_started = true;
        };
        if (!loss) {
            // Issued: the host goes on (the caller prepares the next batch) while the replicas run
            // it; the next call that needs them waits (settle_pending), and reports its errors.
            m->pending_step = step;
            m->before_pending = before;
            count();
            return 0;
        }
        if (int e = nccl_wait(m)) return e;
        if (int e = synchronize_all(m)) return e;
        if (int e = report_index_fault(m, kStepNotTaken)) {
            restore_counters(m, before);  // NAdam's Πμ took this step's factor above
            return e;
        }
        std::vector<void*> outs = outputs ? with_loss_slot(outputs) : std::vector<void*>();
        unstage_outputs(m, t.step, parts, outputs ? outs.data() : nullptr, &losses);
        count();
        return global_loss(m, combine(losses, weights), loss);
    } catch (const std::exception& ex) {
        return fail(m, -1, std::string("tsdp_train_step: ") + ex.what());
    }
}

int join_group(tsdp_model* m, double timeout_s, const rendezvous_spec* rendezvous, int* info) {
    if (!m || !info) return -1;
    const char* entry = rendezvous ? "tsdp_join_rendezvous" : "tsdp_join_group";
    if (!(timeout_s > 0)) return fail(m, -1, std::string(entry) + ": the timeout must be a positive number of seconds, got " + std::to_string(timeout_s));
    if (int e = settle_pending(m)) return e;
    try {
        std::string why;
        tsdp_group* g = rendezvous ? group_join_rendezvous(*rendezvous, timeout_s, &why) : group_join(timeout_s, &why);
        if (!g) return fail(m, -1, std::string(entry) + ": " + why);
        m->group = g;
        info[0] = group_rank(g);
        info[1] = group_size(g);
#ifdef TSDP_CUDA_SHIM
        // the host's collectives sit between the step's kernels: a captured graph would leave them out
        m->use_graphs = 0;
        m->graph_status = std::string("eager: the CPU target sums across processes with ") + group_engine(g) + " on the host";
#endif
        // DDP's start: every process takes rank 0's parameters and buffers
        tsdp_replica* r0 = &m->replicas[0];
        const size_t bytes = tsdp_model_description.param_bytes;
        if (bytes == 0) return 0;
        std::vector<char> host(bytes);
        TSDP_CHECK(cudaSetDevice(r0->device));
        TSDP_CHECK(cudaDeviceSynchronize());
        TSDP_CHECK(cudaMemcpy(host.data(), r0->params, bytes, cudaMemcpyDeviceToHost));
        if (group_broadcast(g, host.data(), bytes, "the broadcast of rank 0's parameters", &why) != 0) return fail(m, -1, why);
        for (auto& r : m->replicas) {
            TSDP_CHECK(cudaSetDevice(r.device));
            TSDP_CHECK(cudaMemcpy(r.params, host.data(), bytes, cudaMemcpyHostToDevice));
        }
        return 0;
    } catch (const std::exception& ex) {
        return fail(m, -1, std::string("tsdp_join_group: ") + ex.what());
    }
}

int optimizer_steps(tsdp_model* m, unsigned long long* steps, int set) {
    if (!m) return -1;
    // every -1 with m says why: tsdp_last_error would otherwise show the previous call's error
    if (!steps) return fail(m, -1, "tsdp_optimizer_steps: steps is NULL");
    // (reading the count does not wait: a step issued without waiting counts already)
    if (set) {
        if (int e = settle_pending(m)) return e;
        m->steps = *steps;
        m->draws = 0;  // a restored checkpoint draws the masks that step would have drawn
        m->holding = false;  // and held gradients (of steps taken with accumulate) are not part of a checkpoint
        m->mu_product_steps = ~0ull;  // recomputed at the next step, unless optimizer_scalars restores it
    }
    else *steps = m->steps;
    return 0;
}

int optimizer_scalars(tsdp_model* m, double* scalars, int set) {
    if (!m) return -1;
    if (!scalars) return fail(m, -1, "tsdp_optimizer_scalars: scalars is NULL");
    // scalars[0]: NAdam's Πμ over the steps taken (NaN where this run has not computed it for them);
    // scalars[1]: SGD's momentum buffers hold a value (1) or are yet to be created (0).
    // set: bit 0 writes scalars[0] (NaN: recompute at the next step), bit 1 writes scalars[1].
    if (set) {
        if (int e = settle_pending(m)) return e;
        if (set & 1) {
            m->mu_product = std::isnan(scalars[0]) ? 1.0 : scalars[0];
            m->mu_product_steps = std::isnan(scalars[0]) ? ~0ull : m->steps;
        }
        if (set & 2) m->momentum_started = scalars[1] != 0.0;
        // bits 2 and 3 (detectNonFinite's undo): the drawing calls since the last step, and whether
        // gradients of steps taken with accumulate are held (then "<param>.held" restores them)
        if (set & 4) m->draws = (unsigned long long)scalars[2];
        if (set & 8) {
            if (scalars[3] != 0.0 && !m->replicas.empty() && !m->replicas[0].held) return fail(m, -1, "no held gradients to restore: this model has not taken a step with accumulate");
            m->holding = scalars[3] != 0.0;
        }
        return 0;
    }
    scalars[0] = m->mu_product_steps == m->steps ? m->mu_product : (m->steps == 0 ? 1.0 : NAN);
    scalars[1] = m->momentum_started ? 1.0 : 0.0;
    scalars[2] = (double)m->draws;
    scalars[3] = m->holding ? 1.0 : 0.0;
    return 0;
}

}  // namespace tsdp_harness
