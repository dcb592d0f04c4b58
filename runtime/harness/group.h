// A process group for DistributedDataParallel (issue 14): the processes that a launcher started
// (mpirun, srun, tsdp launch) and that sum their gradients every step.
//
// Under mpirun or srun the engine is Open MPI, loaded at run time (dlopen of libmpi.so.40) like NCCL, so a build does
// not need it and a single-process run never loads it. Open MPI has a C ABI; its handles are the
// addresses of exported globals (MPI_COMM_WORLD is &ompi_mpi_comm_world, MPI_FLOAT &ompi_mpi_float,
// MPI_SUM &ompi_mpi_op_sum), declared here by tsdp rather than taken from <mpi.h>.
//
// On the CPU target MPI sums the gradient buckets themselves (host memory). On GPUs MPI only
// bootstraps NCCL (rank 0's ncclUniqueId goes to every rank by MPI_Bcast, as llm.c does) and NCCL
// sums the buckets over one communicator that holds every GPU of every process.
//
// Under a torchrun-style launch (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT, no mpirun) the ranks
// meet at rank 0's rendezvous store (store.h) and the engine is Gloo, through tsdp's shim
// (gloo_abi.h): on the CPU target it sums the buckets; on GPUs it sums only the host's few values
// (losses, batch sizes) while NCCL sums the buckets, its id published through the store.
//
// Faults: MPI has no timeout on a collective, so a watchdog thread watches each one; a collective
// that takes longer than the group's timeout (a peer that hangs) ends this process with a message
// naming the rank and the call, and the launcher then stops the others. A peer that dies is seen
// by the launcher itself (mpirun stops the job when a rank exits abnormally).
#pragma once
#include "harness.h"

#include <string>

struct tsdp_group;

namespace tsdp_harness {
/** Joins (once per process) the MPI world; nullptr and *why set when it cannot. */
tsdp_group* group_join(double timeout_s, std::string* why);
/** A torchrun-style launch: where the ranks meet, and the Gloo shim that sums. */
struct rendezvous_spec {
    int rank = 0, size = 1;
    std::string host;  // MASTER_ADDR
    int port = 0;      // MASTER_PORT
    // this process's joins so far: each model library holds its own group, and the first one's
    // rank 0 serves the store for them all; every rank loads the same models in the same order
    int generation = 0;
    std::string gloo_shim;
};
/** Joins (once per process) through the store at host:port (rank 0 serves it) and Gloo; nullptr and *why when it cannot. */
tsdp_group* group_join_rendezvous(const rendezvous_spec& spec, double timeout_s, std::string* why);
/** The engine that sums on the host: "Open MPI" or "Gloo". */
const char* group_engine(const tsdp_group* g);
/** The group this process joined, or nullptr. */
tsdp_group* the_group_for_export();
int group_rank(const tsdp_group* g);
int group_size(const tsdp_group* g);
/** The timeout on each collective, in seconds. */
double group_timeout(const tsdp_group* g);
/** In-place sums across the processes (host memory); 0 or an MPI error code (message in *why). */
int group_sum_floats(tsdp_group* g, float* data, size_t count, const char* what, std::string* why);
int group_sum_doubles(tsdp_group* g, double* data, size_t count, const char* what, std::string* why);
/** Rank 0's bytes to every process (host memory); `what` names what is sent, the engine's call is added. */
int group_broadcast(tsdp_group* g, void* data, size_t bytes, const char* what, std::string* why);
/** Rank 0's few bytes to every process before any collective (NCCL's id): MPI_Bcast, or the rendezvous store. */
int group_publish(tsdp_group* g, void* data, size_t bytes, const char* what, std::string* why);
/** MPI_Finalize, when the process ends normally (the runtime calls it at exit with status 0). */
int group_finalize();
}  // namespace tsdp_harness
