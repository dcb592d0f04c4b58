// The interface between a generated model (model.cu) and the fixed harness (harness.cu).
//
// A generated model.cu holds its kernels, the run_<program> functions that launch them, and one
// `const tsdp_model_desc tsdp_model_description` (designated initializers, so a field added here
// is a compile error there, never a silent shift). Everything that does not change per model —
// the C ABI of model.h, the data-parallel driver, NCCL, CUDA graphs, the optimizer update — is
// harness.cu, compiled once per target, architecture and flags (compiler/6-build/harness.ts) and
// linked with each model.
#pragma once

#ifndef TSDP_CUDA_SHIM  // defined by runtime/shim/cuda_shim.h
#include <cuda_runtime.h>
#endif
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

// Kernel launches go through one macro, so the CPU shim can run them without <<< >>>. On the GPU
// the macro also times each launch when TSDP_KERNEL_TIMES names a file (kernel_times_begin below):
// the measured side of the performance model (bench/gpu-check.sh). Off, it costs one branch.
#ifndef TSDP_LAUNCH
#define TSDP_LAUNCH(kernel, grid, block, shared, stream, ...)                      \
    do {                                                                           \
        const bool tsdp_timed_ = ::tsdp_harness::kernel_times_begin(stream);       \
        kernel<<<grid, block, shared, stream>>>(__VA_ARGS__);                      \
        if (tsdp_timed_) ::tsdp_harness::kernel_times_end(#kernel, stream);        \
    } while (0)
#endif
#define TSDP_EXPORT extern "C" __attribute__((visibility("default")))

/**
 * At most this many optimizer param groups: the model's (compiler/1-frontend/training.ts
 * MAX_PARAM_GROUPS, 8) and one tsdp adds for the parameters the loss does not reach (pipeline.ts).
 */
constexpr int kMaxParamGroups = 9;

/** Hyperparameters of one step, as model.h declares them. */
struct tsdp_hparams {
    double lr, momentum, dampening, weight_decay, beta1, beta2, eps;
    int nesterov;
    double alpha;          // RMSprop's smoothing constant
    double max_grad_norm;  // clip_grad_norm_'s max_norm over every trained gradient; 0: no clipping
    // the first group_lrs param groups' own lr this step (a scheduler's per group, as PyTorch's
    // param_groups[i]["lr"]); the others (all, when 0: a zero-initialized struct) take the step's
    // lr times the group's scale
    int group_lrs;
    double group_lr[kMaxParamGroups];
    // 1: gradient accumulation: add this step's gradients to the ones held and do not update (a
    // step without it then updates with the sum of them all, as PyTorch's .grad after backward()s)
    int accumulate;
    // the gradients of the loss times this (PyTorch's (loss * s).backward(): nanoGPT's 1/accumulation
    // steps); 0 is 1, so that a zero-initialized struct scales nothing (the runtime refuses a scale of 0)
    double loss_scale;
    // 1: this step's momentum (SGD's, RMSprop's) and β₁ are every param group's, its own too: a
    // scheduler's cycled momentum, as PyTorch's OneCycleLR and CyclicLR write every param_group's;
    // 0: a group with its own keeps it (its other settings always do, as its weight decay)
    int momentum_given;
};

/** Which update optimizer_update_kernel applies (the model's optimizer, a field of its descriptor). */
enum tsdp_optimizer_kind { TSDP_SGD = 0, TSDP_ADAM = 1, TSDP_ADAMW = 2, TSDP_RMSPROP = 3, TSDP_ADAGRAD = 4, TSDP_ADAMAX = 5, TSDP_ADADELTA = 6, TSDP_NADAM = 7, TSDP_RADAM = 8 };

/**
 * PyTorch's switches that change an update (compiler/ir/node.ts OptimizerVariant), a bit each in
 * tsdp_training_desc::optimizer_flags: maximize (any optimizer), amsgrad (Adam, AdamW), centered
 * (RMSprop), decoupled weight decay (NAdam, RAdam). amsgrad and centered keep a third state, opt3.
 */
enum tsdp_optimizer_flag { TSDP_MAXIMIZE = 1, TSDP_AMSGRAD = 2, TSDP_CENTERED = 4, TSDP_DECOUPLED = 8 };

/** A param group's hyperparameters this step (its own, or the step's) and the factors its betas give. */
struct tsdp_group_update {
    double momentum, dampening, beta1, beta2, eps, alpha;
    int nesterov;
    float c1, c2;  // 1 − β₁ᵗ, 1 − β₂ᵗ with the group's betas
    float c4;      // RAdam's rectification with the group's β₂ (0 while ρ_t ≤ 5)
};

/** The per-group table's columns (tsdp_training_desc::group_hparams, compiler/ir/node.ts GROUP_HYPERPARAMETERS). */
enum { TSDP_GROUP_MOMENTUM, TSDP_GROUP_DAMPENING, TSDP_GROUP_BETA1, TSDP_GROUP_BETA2, TSDP_GROUP_EPS, TSDP_GROUP_ALPHA, TSDP_GROUP_NESTEROV, TSDP_GROUP_COLUMNS };

// One step's update arguments. The kernel reads them from device memory (not as launch
// arguments) so that the captured training step replays with each step's values.
struct tsdp_update {
    tsdp_hparams h;
    float c1, c2;  // Adam's bias corrections 1 − βᵗ
    // NAdam: (1 − μ_t)/(1 − Πμ) and μ_{t+1}/(1 − Πμ·μ_{t+1}), the weights of g and m; RAdam: the
    // rectification r_t, or 0 while ρ_t ≤ 5 (an update of plain momentum)
    float c3, c4;
    int first;     // SGD: the momentum buffer starts as the first gradient
    float clip_value;  // clip_grad_value_'s clip_value (the descriptor's), 0: none
    // Gradient accumulation (step.cu held_gradients_kernel): 0 none; 1 hold: held = grad (+ held
    // where some are held already), no update; 2 apply: grad += held, then clip and update
    int accumulation;
    int holding;
    double group_weight_decay[kMaxParamGroups];  // param groups: each group's weight decay this step
    double group_lr[kMaxParamGroups];            // … and learning rate: its own (h.group_lr), or the step's times the group's scale
    tsdp_group_update group[kMaxParamGroups];    // … and its other hyperparameters, with the bias corrections of its betas
};

// What kernels read each run from device memory rather than as launch arguments, so that a
// captured CUDA graph replays with this step's values: written into pinned host memory, then
// copied by the first node of the run.
struct tsdp_run_consts {
    unsigned long long step;  // dropout's Philox counter (i, step, draw, 0): optimizer steps taken before this run
    unsigned long long draw;  // … and the runs since that step that drew random numbers: a fresh mask per call
    // the process's first sample in the whole job's batch (a process group's step and evaluate:
    // the samples of lower ranks), added to each replica's sample0 so that a sample's mask is the
    // one it draws in one process on the whole batch; 0 outside a group and in forward
    unsigned long long sample_base;
    tsdp_update update;       // this step's hyperparameters (training builds)
};
// Kernels that draw get a pointer to `step` and read `draw` as the word after it (fused_pointwise.cu.hbs).
static_assert(offsetof(tsdp_run_consts, draw) == offsetof(tsdp_run_consts, step) + sizeof(unsigned long long));
static_assert(offsetof(tsdp_run_consts, sample_base) == offsetof(tsdp_run_consts, step) + 2 * sizeof(unsigned long long));

/** One replica of the model: its device, streams and memory. run_<program> launches into it. */
struct tsdp_replica {
    int device = 0;
    cudaStream_t stream = nullptr; // forward and backward
    cudaStream_t comm = nullptr;   // gradient all-reduce, so a bucket's overlaps the rest of the backward
    char* params = nullptr;       // parameters, then buffers, in state_dict order
    char* grads = nullptr;        // gradients, laid out like the parameters
    char* opt1 = nullptr;         // optimizer state (momentum buffer | exp_avg | RMSprop's momentum buffer | Adadelta's acc_delta), laid out alike
    char* opt2 = nullptr;         // exp_avg_sq | square_avg | Adagrad's sum | Adamax's exp_inf | Adadelta's square_avg
    char* opt3 = nullptr;         // amsgrad's max_exp_avg_sq | centered RMSprop's grad_avg; only when the optimizer keeps one
    char* batch_arena = nullptr;  // activations: bytes per sample × capacity
    char* fixed_arena = nullptr;  // activations that do not scale with the batch
    char* pair_arena = nullptr;   // in-batch pair matrices: bytes per pair × capacity²
    char* staging = nullptr;      // pinned host memory: this replica's inputs in, outputs out
    size_t staging_bytes = 0;
    tsdp_run_consts* consts_host = nullptr;  // pinned
    tsdp_run_consts* consts = nullptr;       // device
    float* scratch = nullptr;     // replica 0: one bucket of another replica's gradients (in-process all-reduce)
    double* grad_norm = nullptr;  // training: gradient clipping's partial sums of squares, then the norm and the factor (step.cu)
    unsigned char* param_group = nullptr;  // training with param groups: each parameter float's group
    float* held = nullptr;        // gradient accumulation: the gradients held for the next update (allocated at the first step that holds)
    int* index_fault = nullptr;       // [site, value] of the run's first index out of range, 0 if none (device.h tsdp_index_fault)
    int* index_fault_host = nullptr;  // pinned: its copy, made with the run's outputs (harness.cu report_index_fault)
    std::vector<cudaEvent_t> events;  // fork/join and "bucket ready" points of a step
    int capacity = 0;
    int training = 1;
    unsigned long long seed = 0;
    unsigned long long sample0 = 0;  // the first sample of this replica's chunk in the whole batch
};

struct tsdp_model;

/** Runs segment `segment` of a program for `batch` samples on replica r; 0 or an error code (recorded on m). */
typedef int (*tsdp_program_fn)(tsdp_model* m, tsdp_replica* r, int batch, int segment);

enum tsdp_dtype { TSDP_F32 = 0, TSDP_I32 = 1, TSDP_I64 = 2 };

/** A tensor in the replica's memory. */
struct tsdp_tensor_info {
    const char* name;
    size_t offset;  // bytes into params (state); per sample into batch_arena when batched, else into fixed_arena
    size_t bytes;   // bytes, per sample when batched
    int dtype;      // tsdp_dtype
    int batched;
};

enum tsdp_init_kind { TSDP_INIT_CONSTANT = 0, TSDP_INIT_UNIFORM = 1, TSDP_INIT_NORMAL = 2, TSDP_INIT_DATA = 3, TSDP_INIT_ORTHOGONAL = 4, TSDP_INIT_SLICE_NORM = 5, TSDP_INIT_SPARSE = 6 };

/** The most dims a patch's box has. */
#define TSDP_PATCH_MAX_RANK 8

/**
 * One part of a parameter set on its own in a constructor (an LSTM's forget-gate bias filled with 1):
 * the elements offset + sum(i[k] * strides[k]) for i[k] < sizes[k], each set after the rest as init
 * (constant a, uniform(shift - a, shift + a), normal(shift, a) from its own stream, data, or orthogonal:
 * a·Q of the box as a matrix of sizes[0] rows, as a whole tensor of that shape draws it), the
 * j-th element of the box (row-major) taking the j-th draw.
 */
struct tsdp_init_patch {
    long long offset;
    int rank;
    long long sizes[TSDP_PATCH_MAX_RANK];
    long long strides[TSDP_PATCH_MAX_RANK];
    int init;
    double a;
    double shift;
    unsigned stream;
    const float* data;
};

/** A parameter or buffer and how tsdp_create initializes it. */
struct tsdp_state_info {
    tsdp_tensor_info t;
    size_t count;
    int init;          // tsdp_init_kind: constant(a), uniform(shift − a, shift + a), normal(shift, a) with row zero_row zeroed, data,
                       //   orthogonal (a·Q of normal draws, rows of `row` values)
    double a;
    double shift;
    long long zero_row;  // −1: none
    unsigned stream;     // Philox key of this tensor: FNV-1a of its name
    int row;             // row width for the zeroed row
    const float* data;   // TSDP_INIT_DATA: the values, computed by the model's constructor
    // TSDP_INIT_SLICE_NORM (weight norm's g): the 2-norm of each slice of its sibling v along one dim,
    // v drawn again here as v draws (of_init with this row's a, shift, zero_row, stream and row; of_count
    // values), its element i in slice (i / of_inner) % count
    int of_init;
    size_t of_count;
    size_t of_inner;
    // TSDP_INIT_NORMAL cut to [lo, hi] (in std units) when truncated: nn.init.trunc_normal_'s inverse-CDF draw
    int truncated;
    double lo;
    double hi;
    // parts set on their own after the rest, in order (none: nullptr, 0)
    const tsdp_init_patch* patches;
    int patch_count;
    // TSDP_INIT_SPARSE (nn.init.sparse_): normal(0, a) draws of a matrix of `row` columns, then in each
    // column the sparse_zeros rows whose keys (word 2 of the normal draw's Philox output) are smallest set to 0
    long long sparse_zeros;
};

/** When a program draws random numbers (dropout): then each run advances the model's draw counter. */
enum tsdp_draws { TSDP_DRAWS_NEVER = 0, TSDP_DRAWS_IN_TRAIN_MODE = 1, TSDP_DRAWS_ALWAYS = 2 };

/** A program's launcher and what it reads and writes, in the order of the C ABI's arrays. */
struct tsdp_program_desc {
    tsdp_program_fn run;
    int segments;
    int draws;  // tsdp_draws
    const tsdp_tensor_info* ins;
    int n_in;
    const tsdp_tensor_info* outs;
    int n_out;
    // 1: a run may change buffers whatever the mode (a counter, a buffer forward changes in eval too),
    // so the replicas take replica 0's after an eval run as well as a train-mode one
    int changes_state;
};

/** A trained parameter's floats and its optimizer param group. */
struct tsdp_param_group {
    size_t offset, count;  // floats into the parameter (and gradient) arena
    int group;
};

// Gradient buckets (compiler/4-memory/buckets.ts): DDP's grouping, in the order they become
// ready during the backward.
struct tsdp_bucket_info {
    size_t offset, count;  // floats into the gradient arena
    int segment;           // complete after this segment of the step program
};

/** The training part of a model: absent (nullptr) when the build has no training step. */
struct tsdp_training_desc {
    tsdp_program_desc evaluate;
    tsdp_program_desc step;
    int mean_loss;       // replicas' losses are weighted by their share of the batch
    int count_targets;   // … of its int32 targets that are not ignore_index (a cross-entropy's mean over them),
    int ignore_index;    //   each counting its class weight when there are some (INT32_MIN: none ignored)
    const float* class_weights;  // [class_count], or nullptr: every target counts 1
    int class_count;
    size_t targets_per_sample;
    const int32_t* target_offsets;  // the elements of a sample's target the loss reads, which are counted (it derives its
    size_t target_offset_count;     //   target from them: labels[..., 1:]); nullptr, 0: every element, as a descriptor's default
    int no_target;       // 1: the loss is a function of the output alone; evaluate and the step take no target (0, a
                         // descriptor's default, as in those written before the field: a target)
    // Param groups (PyTorch's param_groups), or none (0): each trained parameter's group, and the
    // groups' weight decays, NAN where a group takes the step's.
    const tsdp_param_group* param_groups;
    int param_group_count;
    const double* group_weight_decay;
    const double* group_lr_scale;  // a group's lr over the optimizer's declared one (1: the optimizer's), so a schedule scales every group alike;
                                   // NaN for the parameters the loss does not reach, which the update skips (PyTorch skips a .grad of None)
    const double* group_hparams;   // [group_count][TSDP_GROUP_COLUMNS]: each group's own momentum, dampening, betas, eps, alpha, nesterov; NAN: the step's
    int group_count;
    int optimizer;       // tsdp_optimizer_kind
    int optimizer_flags; // tsdp_optimizer_flag bits
    double lr_decay;     // Adagrad's: each step's lr is lr / (1 + (t − 1)·lr_decay)
    float initial_accumulator;  // Adagrad's sums start here
    double clip_norm_type;  // clip_grad_norm_'s norm_type p: 2 (also 0, a descriptor written before the field), 1, any p > 0, or INFINITY (max |g|)
    double clip_value;      // clip_grad_value_'s clip_value: every gradient clamped to [−v, v] before the update; 0: none
    size_t param_floats; // the parameters (not buffers): what the optimizer updates
    const tsdp_bucket_info* buckets;
    int bucket_count;
    size_t largest_bucket_floats;
};

/** Bytes [offset, offset + bytes) of a replica's state. */
struct tsdp_byte_range {
    size_t offset;
    size_t bytes;
};

/** Everything the harness needs to know about one generated model. */
struct tsdp_model_desc {
    const char* manifest_hash;  // the seal of manifest.json (tsdp_manifest_hash)
    size_t param_bytes;         // parameters, then buffers
    size_t buffers_begin;       // where the buffers begin (param_bytes when there are none)
    size_t batch_bytes_per_sample;
    size_t pair_bytes_per_pair;  // in-batch pair matrices [Batch, Batch]: × capacity² (0 in most models)
    size_t fixed_bytes;
    size_t zeroed_bytes;  // the fixed arena's last bytes, zero at creation: split-K's tile tickets
    const tsdp_state_info* state;
    int state_count;
    int input_count;
    int output_count;
    tsdp_program_desc forward;
    const tsdp_training_desc* training;
    int cublaslt_sites;  // GEMMs with a cuBLASLt call site (issue 20; 0: the library is never loaded)
    // Where a kernel reads through an index tensor (a gather, an embedding, a loss's target): site k
    // (1-based, the number a kernel records in index_fault) is described by index_sites[k - 1]
    const char* const* index_sites;
    int index_site_count;
    // Trained parameters forward changes from each replica's own share of the batch (an embedding's
    // max_norm): after a program every replica takes replica 0's, as it takes its buffers
    const tsdp_byte_range* replica0_params;
    int replica0_param_count;
};

/** Defined by the generated model.cu; read by the harness. */
extern const tsdp_model_desc tsdp_model_description;

namespace tsdp_harness {
/** Records a failure on m (or the thread's create error) and returns the code (never 0). */
int fail(tsdp_model* m, int code, const std::string& message);
/**
 * Refuses a NULL entry among the model's inputs and, when `outputs` is given, among its outputs:
 * the arrays themselves were checked, their entries were read as they are (a C caller's NULL
 * input segfaulted the process).
 */
int null_entry(tsdp_model* m, const char* fn, const void* const* inputs, void* const* outputs);
/** "<CUDA's message> in <call> (<file>:<line>)", plus what to do when the error is sticky. */
std::string describe_cuda_error(cudaError_t e, const char* call, const char* file, int line);
#ifndef TSDP_CUDA_SHIM
/**
 * TSDP_KERNEL_TIMES=<file.json>: every launch outside a graph capture is timed with a pair of
 * CUDA events (the step then runs eagerly: graphs_enabled says no), and at exit the file gets
 * each kernel's launches and median, mean and total time. begin records the start event and says
 * whether this launch is timed; end records its stop event.
 */
bool kernel_times_begin(cudaStream_t stream);
void kernel_times_end(const char* kernel, cudaStream_t stream);
#endif
/** Whether launches are being timed (TSDP_KERNEL_TIMES set, on the GPU; never on the CPU target). */
bool kernel_times_on();
}  // namespace tsdp_harness

// Inside the launchers and the harness `m` is the model; failures are recorded on it.
#define TSDP_CHECK(call)                                                                                                     \
    do {                                                                                                                     \
        cudaError_t e_ = (call);                                                                                             \
        if (e_ != cudaSuccess) return ::tsdp_harness::fail(m, (int)e_, ::tsdp_harness::describe_cuda_error(e_, #call, TSDP_SOURCE_NAME, __LINE__)); \
    } while (0)

// The file named in error messages; model.cu defines it as "model.cu" before including this header.
#ifndef TSDP_SOURCE_NAME
#define TSDP_SOURCE_NAME __FILE__
#endif
