// The harness's own declarations, shared by its sources (harness.cu, step.cu, training_abi.cu)
// and its unit tests; generated code never sees them.
#pragma once
#include "harness.h"

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

/** ncclUniqueId: 128 opaque bytes (NCCL_UNIQUE_ID_BYTES), passed by value to ncclCommInitRank. */
struct tsdp_nccl_id {
    char internal[128];
};

// NCCL, loaded at run time (dlopen), so that building needs only the CUDA runtime.
struct tsdp_nccl {
    void* lib = nullptr;
    int (*all_reduce)(const void*, void*, size_t, int, int, void*, cudaStream_t) = nullptr;
    int (*broadcast)(const void*, void*, size_t, int, int, void*, cudaStream_t) = nullptr;  // across processes only
    int (*group_start)() = nullptr;
    int (*group_end)() = nullptr;
    int (*comm_destroy)(void*) = nullptr;
    int (*comm_abort)(void*) = nullptr;
    int (*comm_get_async_error)(void*, int*) = nullptr;  // ncclResult_t* out
    const char* (*error_string)(int) = nullptr;
    std::vector<void*> comms;
};

struct tsdp_cublaslt;  // cublaslt.cu
struct tsdp_group;     // group.cu: the processes of a DistributedDataParallel job

// Captured training steps a model keeps (tsdp_model::graphs): a training loop uses a few batch sizes and
// modes (the batch, the last partial one, evaluation, clipping, accumulation), 64 leaves room for many.
constexpr std::size_t kMaxCapturedSteps = 64;

struct tsdp_model {
    std::vector<tsdp_replica> replicas;
    int training = 1;             // PyTorch modules start in train mode
    unsigned long long seed = 0;
    unsigned long long steps = 0; // optimizer steps taken (Adam's t)
    // NAdam's Πμ_i over steps 1..mu_product_steps, kept so that a step multiplies one more factor
    // with that step's β₁ and ψ, as PyTorch's mu_product; a checkpoint saves and restores it
    // (one without it — an older tsdp's — has it recomputed from the current β₁ and ψ)
    double mu_product = 1.0;
    unsigned long long mu_product_steps = 0;
    // SGD's momentum buffers hold a value: PyTorch creates them at the first step with momentum,
    // as a copy of that step's gradient (no dampening), whichever step that is
    bool momentum_started = false;
    unsigned long long draws = 0; // runs since the last step that drew random numbers (dropout's counter)
    unsigned long long sample_base = 0; // this process's first sample in a group's batch (tsdp_run_consts)
    std::string error;
    // The training step as CUDA graphs, one per (batch size, step mode: train/eval + 2 × clipping,
    // whose kernels are in the step only when it clips, + 4 × accumulation + 16 × step_outputs, whose
    // copies of the forward's outputs are in it only when asked); dropped whenever an allocation they point
    // into moves. use_graphs = 0 after a failed capture (graph_status says why). At most
    // kMaxCapturedSteps are kept, the least recently launched dropped first: a caller cycling
    // through many batch sizes (variable-length inference) would otherwise hold one per size for
    // the model's lifetime (about 8.7 kB each on the CPU target; more on a GPU).
    struct captured_step {
        cudaGraphExec_t exec;
        unsigned long long last_launch;  // graph_clock at its last launch
    };
    std::map<std::pair<int, int>, captured_step> graphs;
    unsigned long long graph_clock = 0;
    int clipping = 0;             // the step being issued clips its gradients (max_grad_norm > 0)
    int accumulation = 0;         // … holds its gradients (1), or updates with held ones (2): tsdp_update::accumulation
    int step_outputs = 0;         // … copies the forward's outputs back (trainStep's `outputs`)
    // Keys whose step already ran eagerly once: a step is captured only after a warm-up, so that
    // lazy initialization (NCCL's connection setup, CUDA's lazy module loading) happens outside
    // capture, as PyTorch's CUDA-graph docs require. The replicas' streams are non-blocking
    // side streams, never the legacy default stream, so the warm-up runs on them.
    std::set<std::pair<int, int>> warmed_up;
    int use_graphs = 1;
    std::string graph_status;
    tsdp_nccl* nccl = nullptr;    // loaded at the first multi-replica step
    tsdp_group* group = nullptr;  // set by tsdp_join_group: gradients are summed across processes too
    int nccl_tried = 0;
    std::string allreduce_note;   // why NCCL is not used, when it is not
    tsdp_cublaslt* cublaslt = nullptr;  // loaded at tsdp_create when the model has cuBLASLt sites
    std::string cublaslt_note;    // why cuBLASLt is not used, when it is not
    unsigned long long stats[4] = {0, 0, 0, 0};  // graph captures, graph replays, eager steps, bucket all-reduces
    // A training step issued without waiting for its loss (tsdp_train_step with loss NULL), still on
    // the replicas' streams; 0 when none. The next call that reads or writes the replicas' memory or
    // refills the staging buffer waits for it first (settle_pending).
    unsigned long long pending_step = 0;
    // The step counters as they were before the pending step: what it leaves if it read an index
    // out of range (its update was skipped on the device, settle_pending restores the host's count)
    struct {
        unsigned long long steps = 0, draws = 0, mu_product_steps = 0;
        double mu_product = 1.0;
        bool momentum_started = false, holding = false;
    } before_pending;
    // Gradient accumulation: the replicas hold the (scaled) gradients of steps taken with `accumulate`
    bool holding = false;
};

struct tsdp_config {
    int num_devices;
    const int* device_ids;
    unsigned long long seed;
};

namespace tsdp_harness {
/** Errors after which the CUDA context is unusable (CUDA's "sticky" errors). */
bool is_sticky(cudaError_t e);
const char* last_error(tsdp_model* m);

/** The tensor's device address on replica r for a chunk of `batch` samples. */
char* address(tsdp_replica* r, const tsdp_tensor_info& t, int batch);
/** cudaMalloc sizes: at least 16 bytes, so an empty arena is still a valid allocation. */
size_t alloc_bytes(size_t n);
/** A parameter's or buffer's initial values (PyTorch's default init, drawn by Philox from seed). */
void init_value(const tsdp_state_info& s, unsigned long long seed, void* host);
const tsdp_state_info* find_state(const char* name);

/** DataParallel's scatter: chunks of ⌈B/N⌉ samples; the last may be smaller, and there may be fewer than N. */
std::vector<std::pair<int, int>> chunks(int batch, int replicas);
/** Staging layout of a program: each input, then each output, 256-byte aligned; returns the total. */
size_t staging_layout(const tsdp_program_desc& p, int batch, size_t* offsets);

/** Destroys the captured steps: they point into allocations that are about to move. */
void drop_graphs(tsdp_model* m);
/** Keeps a captured step, dropping the least recently launched one when kMaxCapturedSteps are held. */
void keep_graph(tsdp_model* m, std::pair<int, int> key, cudaGraphExec_t exec);
/** Activation memory and pinned staging for `batch` samples on this replica. */
int ensure_capacity(tsdp_model* m, tsdp_replica* r, int batch);

/**
 * Host side, before a run: each replica's slice of every batched input goes into its pinned
 * staging (an unbatched input — the loss scale — from `scalars`), and its run constants.
 */
int stage_inputs(tsdp_model* m, const tsdp_program_desc& p, const std::vector<std::pair<int, int>>& parts, const void* const* inputs,
                 const std::vector<float>* scalars);
/** Device side: the staged inputs and run constants onto the replica's stream. */
int enqueue_inputs(tsdp_model* m, tsdp_replica* r, const tsdp_program_desc& p, int len);
/** Device side: the outputs into staging (batched ones in place, a loss into its slot). */
int enqueue_outputs(tsdp_model* m, tsdp_replica* r, const tsdp_program_desc& p, int len, bool batched = true);
/** Host side, after the run: outputs gathered in batch order, unbatched ones (a loss) per replica. */
void unstage_outputs(tsdp_model* m, const tsdp_program_desc& p, const std::vector<std::pair<int, int>>& parts, void* const* outputs,
                     std::vector<float>* per_replica);
int synchronize_all(tsdp_model* m);
/** The run just waited for read an index out of range: its error (naming the site), else 0; clears the record. */
int report_index_fault(tsdp_model* m, const char* effect);
/** Where a training step's "an index was out of range" flag lives in the gradient arena (floats), summed across replicas as a gradient. */
inline size_t index_fault_flag(const tsdp_model_desc& d) { return (d.param_bytes + sizeof(float) - 1) / sizeof(float); }
void settle_after_error(tsdp_model* m);
/** Forward or evaluate: every replica runs its chunk on its own stream; outputs in batch order. */
int run_replicated(tsdp_model* m, const tsdp_program_desc& p, int batch, const void* const* inputs, void* const* outputs,
                   std::vector<float>* per_replica);
/** Graphs are on unless the caller turned them off, a capture failed, or TSDP_CUDA_GRAPHS=0. */
bool graphs_enabled(tsdp_model* m);

// cuBLASLt (cublaslt.cu): loaded with its per-replica handles and workspaces at tsdp_create.
void cublaslt_open(tsdp_model* m);
void cublaslt_close(tsdp_model* m);
/** "; cuBLASLt: …" for tsdp_describe: in use, or why not. */
std::string describe_cublaslt(tsdp_model* m);

// The training step (step.cu).
/** Gradient clipping's device slots per replica: kGradNormBlocks partial sums of squares, then the norm and the factor. */
constexpr int kGradNormBlocks = 64;
constexpr int kGradNormSlots = kGradNormBlocks + 2;
void nccl_close(tsdp_nccl* n);
int evaluate(tsdp_model* m, int batch, const void* const* inputs, const void* target, void* const* outputs, float* loss);
/** loss NULL: issue the step and return without waiting for it (the loss is not read back). */
int train_step(tsdp_model* m, int batch, const void* const* inputs, const void* target, const tsdp_hparams* h, void* const* outputs, float* loss);
/**
 * Waits for a step issued without waiting for its loss, if any: every entry point that reads or
 * writes the replicas' memory (the synchronous copies do not order with their non-blocking streams)
 * or refills the pinned staging calls this first. A failure of that step is reported here, naming it.
 */
int settle_pending(tsdp_model* m);
int optimizer_steps(tsdp_model* m, unsigned long long* steps, int set);
int optimizer_scalars(tsdp_model* m, double* scalars, int set);
struct rendezvous_spec;  // group.h
/**
 * Joins the launcher's process group (rendezvous nullptr: Open MPI's world; else the torchrun-style
 * rendezvous and Gloo) and gives every process rank 0's parameters and buffers; info: rank, size.
 */
int join_group(tsdp_model* m, double timeout_s, const rendezvous_spec* rendezvous, int* info);
/** "; all-reduce: …" for tsdp_describe. */
std::string describe_all_reduce(tsdp_model* m);
}  // namespace tsdp_harness
