// The rendezvous store of a torchrun-style launch (issue 14): RANK, WORLD_SIZE, MASTER_ADDR and
// MASTER_PORT, and no launcher that forms a group. Rank 0 serves a small key-value store on
// MASTER_PORT; every rank (rank 0 too) connects to MASTER_ADDR:MASTER_PORT, retrying until the
// timeout, and the ranks exchange what their engines need to meet: Gloo's addresses (its
// rendezvous::Store is implemented over this one, gloo_abi.h) and NCCL's ncclUniqueId. It is
// torch's TCPStore idea, written for tsdp: set, get (waits for the key), a check, a barrier.
//
// It lives in the harness, not in Node, because the engines call it from native code while the
// Node thread that loaded the model is blocked in a synchronous call; rank 0's server is a thread of
// its own, so it answers while rank 0's JavaScript waits.
//
// Wire format: every message is a frame (u32 length, little-endian, then that many bytes). A
// request's frame is an op byte followed by fields (u32 length + bytes): 'S' key value → "K";
// 'G' key → the value, once the key is set; 'C' key... → one '0' or '1' per key. Instead of a
// reply, the server may refuse (a length word with its top bit set, then a message), and then
// it closes the connection: a frame over its size limit, its bytes held at their limit, too many
// connections (store.cu).
#pragma once
#include <chrono>
#include <string>
#include <vector>

namespace tsdp_harness {

struct rdzv_store;

/** When a join's waiting ends: one deadline for all of it (connecting, the barrier, Gloo's rendezvous), not a timeout per step. */
using deadline_type = std::chrono::steady_clock::time_point;

/**
 * Connects to the store at host:port, retrying until the deadline (timeout_s: the job's timeout,
 * for messages); with serve (rank 0) it first starts serving on port (every interface) for a job
 * of `size` ranks, whose size sets the server's limits (store.cu). Every key this connection
 * names is put under `prefix`: each join of a process (one per model library) meets under its
 * own. nullptr and *why when it cannot.
 */
rdzv_store* store_open(const std::string& host, int port, bool serve, int size, int rank, const std::string& prefix, double timeout_s, const deadline_type& deadline,
                       std::string* why);
/** Closes the connection and frees the store (a join that failed: nothing else holds it). */
void store_close(rdzv_store* s);
int store_set(rdzv_store* s, const std::string& key, const std::string& value, std::string* why);
/** The key's value, waiting up to timeout_s for some rank to set it. */
int store_get(rdzv_store* s, const std::string& key, double timeout_s, std::string* value, std::string* why);
/** Which of the keys are set now. */
int store_check(rdzv_store* s, const std::vector<std::string>& keys, std::vector<bool>* present, std::string* why);
/** Every rank of size arrives at `name` (or *why names those that did not, at the deadline; timeout_s for the message). */
int store_barrier(rdzv_store* s, const std::string& name, int rank, int size, double timeout_s, const deadline_type& deadline, std::string* why);
/** This end's IP address on the connection to the store: the interface that reaches rank 0's machine. */
std::string store_local_address(const rdzv_store* s);
/** host:port, for messages. */
std::string store_where(const rdzv_store* s);

}  // namespace tsdp_harness
