// The training entry points of model.h. Linked only into libraries of models that train (the
// build adds this object when the model has a loss and an optimizer): the runtime decides
// whether a library can train by whether it exports them.
#define TSDP_SOURCE_NAME "training_abi.cu"
#include "harness.h"
#include "harness_internal.h"
#include "group.h"

/** Forward and loss without updating anything (BatchNorm still follows the train/eval mode). */
TSDP_EXPORT int tsdp_evaluate(tsdp_model* m, int batch, const void* const* inputs, const void* target, void* const* outputs, float* loss) {
    return tsdp_harness::evaluate(m, batch, inputs, target, outputs, loss);
}

/**
 * One optimizer step on a batch: forward, loss, backward on every replica with each gradient
 * bucket all-reduced as soon as it is complete, then the update. On the GPU the whole step is a
 * CUDA graph, captured at the second step of each batch size (the first is an eager warm-up) and
 * replayed after (TSDP_CUDA_GRAPHS=0: issued call by call); the CPU target runs the same graph
 * through the shim. loss NULL: the step is issued and the call returns without waiting for it
 * (trainStep's waitForLoss: false); the next call that touches the model's memory waits for it
 * and reports its errors. Not in a process group, whose steps sum their losses. outputs (NULL:
 * none) receive the forward's outputs of the step's batch, as tsdp_forward's in train mode
 * (trainStep's `outputs`: PyTorch's `outputs = model(x)` before `loss.backward()`).
 */
TSDP_EXPORT int tsdp_train_step(tsdp_model* m, int batch, const void* const* inputs, const void* target, const tsdp_hparams* h, void* const* outputs, float* loss) {
    return tsdp_harness::train_step(m, batch, inputs, target, h, outputs, loss);
}

/** Steps taken; optimizer state and gradients are read by tsdp_get_param as "<param>.momentum_buffer",
 *  "<param>.exp_avg", "<param>.exp_avg_sq", "<param>.square_avg" (PyTorch's names) and "<param>.grad" (after a step: the
 *  all-reduced gradient it applied). */
TSDP_EXPORT int tsdp_optimizer_steps(tsdp_model* m, unsigned long long* steps, int set) {
    return tsdp_harness::optimizer_steps(m, steps, set);
}

/** The optimizer's scalar state beside its tensors and step count, which a checkpoint keeps:
 *  scalars[0] NAdam's mu_product (NaN: not known for the steps taken), scalars[1] whether SGD's
 *  momentum buffers exist yet (PyTorch's momentum_buffer is None before the first step with
 *  momentum); and what a checkpoint does not keep, which detectNonFinite's undo restores:
 *  scalars[2] the drawing calls since the last step, scalars[3] whether gradients of steps taken
 *  with accumulate are held. set: 0 reads all four; bit k writes scalars[k]. */
TSDP_EXPORT int tsdp_optimizer_scalars(tsdp_model* m, double* scalars, int set) {
    return tsdp_harness::optimizer_scalars(m, scalars, set);
}

/**
 * DistributedDataParallel: joins the process group that the launcher started (Open MPI's world:
 * mpirun, srun, tsdp launch) and gives every process rank 0's parameters and buffers. From then on
 * each step's gradients, batch size and loss are summed over every replica of every process, and
 * rank 0's buffers are broadcast after each step. info[0] = rank, info[1] = world size. A
 * collective that takes longer than timeout_s seconds ends the process with a message.
 */
TSDP_EXPORT int tsdp_join_group(tsdp_model* m, double timeout_s, int* info) {
    return tsdp_harness::join_group(m, timeout_s, nullptr, info);
}

/**
 * DistributedDataParallel under a torchrun-style launch (no mpirun): the ranks meet at the
 * rendezvous store at host:port (MASTER_ADDR, MASTER_PORT), which rank 0 serves, and sum with Gloo
 * through the shim at gloo_shim (runtime/gloo-shim.ts builds it); on GPUs NCCL sums the gradients,
 * its id published through the store. Otherwise as tsdp_join_group; a rank that does not arrive
 * within timeout_s is named in the error. generation: the process's earlier joins (other model
 * libraries, each with its own group); the first one's rank 0 serves the store.
 */
TSDP_EXPORT int tsdp_join_rendezvous(tsdp_model* m, double timeout_s, int rank, int size, const char* host, int port, int generation, const char* gloo_shim, int* info) {
    if (!host || !gloo_shim || rank < 0 || size < 1 || rank >= size || port <= 0 || port > 65535 || generation < 0) return -1;
    tsdp_harness::rendezvous_spec spec;
    spec.rank = rank;
    spec.size = size;
    spec.host = host;
    spec.port = port;
    spec.generation = generation;
    spec.gloo_shim = gloo_shim;
    return tsdp_harness::join_group(m, timeout_s, &spec, info);
}
