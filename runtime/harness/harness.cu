// =============================================================================================
// The fixed host harness: the C ABI of model.h, and the data-parallel driver. Every entry point
// returns 0 or an error code and records a message; no C++ exception and no CUDA error ever
// leaves it. It knows the model only through tsdp_model_description (harness.h), which the
// generated model.cu defines; it is compiled once per target, architecture and flags and linked
// with every model (compiler/6-build/harness.ts).
//
// Data parallelism, as torch.nn.DataParallel: the model is replicated on every device (one
// replica per device, each with its own parameters, gradients, optimizer state and activation
// memory, on its own stream); a batch is split along dim 0 into chunks of ⌈B/N⌉ like
// DataParallel's scatter; each replica runs its chunk; forward outputs are gathered in batch
// order. In a training step each replica's loss gradient is seeded with its share of the batch
// (n_i / B for a mean loss), so the sum of the replicas' gradients — one all-reduce — is the
// gradient of the whole batch; then every replica applies the same update, and the parameters
// stay identical without a broadcast. BatchNorm uses each replica's own batch statistics, and
// the running statistics of replica 0 are kept (DataParallel broadcasts device 0's buffers).
// =============================================================================================

#define TSDP_SOURCE_NAME "harness.cu"
#include "harness.h"
#include "harness_internal.h"
#include "philox.h"
#include "erfinv.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <set>
#include <thread>
#include <vector>
#include <dlfcn.h>

namespace tsdp_harness {

namespace {
thread_local std::string create_error;  // tsdp_last_error(NULL) reports tsdp_create's failure
std::atomic<int> live_models{0};        // created and not yet destroyed (the CPU target frees idle memory at 0)
}  // namespace

// Every failure is reported through here, so the error is also cleared here: CUDA keeps the
// error of a failed call (an out-of-memory cudaMalloc, a refused launch) as the thread's last
// error, and the next call's cudaGetLastError() check after a good launch would report it again.
// A sticky error (a kernel fault: the context is lost) cannot be cleared; every later call
// returns it, and the message says what to do.
int fail(tsdp_model* m, int code, const std::string& message) {
    (void)cudaGetLastError();
    (m ? m->error : create_error) = message;
    return code == 0 ? -1 : code;
}

int null_entry(tsdp_model* m, const char* fn, const void* const* inputs, void* const* outputs) {
    const tsdp_model_desc& d = tsdp_model_description;
    for (int j = 0; j < d.input_count; ++j)
        if (!inputs[j]) return fail(m, -1, std::string(fn) + ": inputs[" + std::to_string(j) + "] is NULL (the model has " + std::to_string(d.input_count) + " inputs)");
    if (outputs)
        for (int j = 0; j < d.output_count; ++j)
            if (!outputs[j]) return fail(m, -1, std::string(fn) + ": outputs[" + std::to_string(j) + "] is NULL (the model has " + std::to_string(d.output_count) + " outputs)");
    return 0;
}

bool is_sticky(cudaError_t e) {
    switch ((int)e) {
    case 700: case 702: case 710: case 714: case 715: case 716: case 717: case 718: case 719: return true;
    default: return false;
    }
}

std::string describe_cuda_error(cudaError_t e, const char* call, const char* file, int line) {
    std::string text = std::string(cudaGetErrorString(e)) + " in " + call + " (" + file + ":" + std::to_string(line) + ")";
    if (is_sticky(e)) text += "; this error is sticky: the device's context is lost, so dispose the model and restart the process";
    return text;
}

const char* last_error(tsdp_model* m) { return m ? m->error.c_str() : create_error.c_str(); }

char* address(tsdp_replica* r, const tsdp_tensor_info& t, int batch) {
    return t.batched ? r->batch_arena + t.offset * batch : r->fixed_arena + t.offset;
}

size_t alloc_bytes(size_t n) { return std::max<size_t>(n, 16); }

namespace {
/** Draw i of a stream, uniform in [−1, 1): the Philox counter's first word (compiler/reference/rng.ts uniforms). */
double uniform_draw(size_t i, unsigned long long seed, uint32_t stream) {
    uint32_t c[4] = {(uint32_t)i, 0, 0, 0};
    tsdp_philox4x32(c, (uint32_t)seed, tsdp_philox_key1(seed, stream));
    return 2.0 * (c[0] / 4294967296.0) - 1.0;
}

/** One standard normal draw of element i of a stream: the initializers' Box–Muller (compiler/reference/rng.ts normals). */
double normal_draw(size_t i, unsigned long long seed, uint32_t stream) {
    uint32_t c[4] = {(uint32_t)i, 0, 0, 1};
    tsdp_philox4x32(c, (uint32_t)seed, tsdp_philox_key1(seed, stream));
    const double u1 = (c[0] + 1.0) / 4294967297.0, u2 = c[1] / 4294967296.0;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

/**
 * nn.init.sparse_: the normal draws times a, then in each column (of s.row) the s.sparse_zeros rows with
 * the smallest keys, ties by row, set to 0; element i's key is word 2 of its normal draw's Philox output
 * (compiler/reference/init.ts sparseMatrix).
 */
std::vector<double> sparse_init(const tsdp_state_info& s, unsigned long long seed) {
    const size_t cols = (size_t)s.row, rows = s.count / cols;
    std::vector<double> out(s.count), keys(s.count);
    for (size_t i = 0; i < s.count; ++i) {
        uint32_t c[4] = {(uint32_t)i, 0, 0, 1};
        tsdp_philox4x32(c, (uint32_t)seed, tsdp_philox_key1(seed, s.stream));
        keys[i] = c[2] / 4294967296.0;
        out[i] = normal_draw(i, seed, s.stream) * s.a;
    }
    std::vector<size_t> order(rows);
    for (size_t col = 0; col < cols; ++col) {
        for (size_t r = 0; r < rows; ++r) order[r] = r;
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return keys[a * cols + col] < keys[b * cols + col]; });
        for (size_t k = 0; k < (size_t)s.sparse_zeros && k < rows; ++k) out[order[k] * cols + col] = 0.0;
    }
    return out;
}

/** A standard normal cut to [lo, hi], PyTorch's trunc_normal_: uniform u between Φ(lo) and Φ(hi), then Φ⁻¹(u), clamped. */
double truncated_normal_draw(size_t i, unsigned long long seed, uint32_t stream, double lo, double hi) {
    uint32_t c[4] = {(uint32_t)i, 0, 0, 0};
    tsdp_philox4x32(c, (uint32_t)seed, tsdp_philox_key1(seed, stream));
    const double l = 0.5 * (1.0 + std::erf(lo / M_SQRT2)), h = 0.5 * (1.0 + std::erf(hi / M_SQRT2));
    const double u = c[0] / 4294967296.0;
    return std::min(hi, std::max(lo, M_SQRT2 * tsdp_erfinv(2.0 * (l + u * (h - l)) - 1.0)));
}

/**
 * nn.init.orthogonal_: gain·Q of the normal draws as a rows × cols matrix, Q's columns (or, for a
 * wide matrix, rows) orthonormalized in order by modified Gram–Schmidt run twice per column — the
 * steps of compiler/reference/orthogonal.ts in the same order, so both give the same values.
 */
std::vector<double> orthogonal_init(const tsdp_state_info& s, unsigned long long seed) {
    const size_t cols = (size_t)s.row, rows = s.count / cols;
    const bool tall = rows >= cols;
    const size_t m = tall ? rows : cols, k = tall ? cols : rows;
    std::vector<double> q(m * k);
    for (size_t r = 0; r < rows; ++r)
        for (size_t c = 0; c < cols; ++c) q[tall ? c * m + r : r * m + c] = normal_draw(r * cols + c, seed, s.stream);
    for (size_t j = 0; j < k; ++j) {
        double* v = q.data() + j * m;
        for (int pass = 0; pass < 2; ++pass)
            for (size_t i = 0; i < j; ++i) {
                const double* u = q.data() + i * m;
                double dot = 0;
                for (size_t t = 0; t < m; ++t) dot += u[t] * v[t];
                for (size_t t = 0; t < m; ++t) v[t] -= dot * u[t];
            }
        double norm = 0;
        for (size_t t = 0; t < m; ++t) norm += v[t] * v[t];
        norm = std::sqrt(norm);
        for (size_t t = 0; t < m; ++t) v[t] /= norm;
    }
    std::vector<double> out(s.count);
    for (size_t r = 0; r < rows; ++r)
        for (size_t c = 0; c < cols; ++c) out[r * cols + c] = s.a * q[tall ? c * m + r : r * m + c];
    return out;
}
}  // namespace

void init_value(const tsdp_state_info& s, unsigned long long seed, void* host) {
    if (s.init == TSDP_INIT_SLICE_NORM) {
        // v's values as v holds them (float32), then each slice's norm in double
        tsdp_state_info v = s;
        v.init = s.of_init;
        v.count = s.of_count;
        v.t.dtype = TSDP_F32;
        std::vector<float> values(s.of_count);
        init_value(v, seed, values.data());
        std::vector<double> sums(s.count, 0.0);
        for (size_t k = 0; k < s.of_count; ++k) sums[(k / s.of_inner) % s.count] += (double)values[k] * values[k];
        for (size_t r = 0; r < s.count; ++r) ((float*)host)[r] = (float)std::sqrt(sums[r]);
        return;
    }
    const std::vector<double> computed = s.init == TSDP_INIT_ORTHOGONAL ? orthogonal_init(s, seed) : s.init == TSDP_INIT_SPARSE ? sparse_init(s, seed) : std::vector<double>();
    for (size_t i = 0; i < s.count; ++i) {
        double v = s.a;
        if (s.init == TSDP_INIT_UNIFORM) {
            v = s.shift + uniform_draw(i, seed, s.stream) * s.a;
        } else if (s.init == TSDP_INIT_NORMAL) {
            v = s.shift + (s.truncated ? truncated_normal_draw(i, seed, s.stream, s.lo, s.hi) : normal_draw(i, seed, s.stream)) * s.a;
            if ((long long)(i / s.row) == s.zero_row) v = 0.0;
        } else if (s.init == TSDP_INIT_ORTHOGONAL || s.init == TSDP_INIT_SPARSE) {
            v = computed[i];
        } else if (s.init == TSDP_INIT_DATA) {
            v = s.data[i];
        }
        if (s.t.dtype == TSDP_F32) ((float*)host)[i] = (float)v;
        else if (s.t.dtype == TSDP_I32) ((int32_t*)host)[i] = (int32_t)v;
        else ((int64_t*)host)[i] = (int64_t)v;
    }
    // parts set on their own (float32 parameters only), in order: the box's j-th element takes the j-th draw
    for (int k = 0; k < s.patch_count; ++k) {
        const tsdp_init_patch& p = s.patches[k];
        size_t n = 1;
        for (int d = 0; d < p.rank; ++d) n *= (size_t)p.sizes[d];
        // an orthogonal part: the box as a matrix of sizes[0] rows, drawn as a whole tensor of that shape is
        std::vector<double> orthogonal_part;
        if (p.init == TSDP_INIT_ORTHOGONAL) {
            tsdp_state_info part{};
            part.count = n;
            part.row = (int)(n / (size_t)p.sizes[0]);
            part.a = p.a;
            part.stream = p.stream;
            orthogonal_part = orthogonal_init(part, seed);
        }
        for (size_t j = 0; j < n; ++j) {
            long long at = p.offset;
            size_t rest = j;
            for (int d = p.rank - 1; d >= 0; --d) {
                at += (long long)(rest % (size_t)p.sizes[d]) * p.strides[d];
                rest /= (size_t)p.sizes[d];
            }
            const double v = p.init == TSDP_INIT_UNIFORM ? p.shift + uniform_draw(j, seed, p.stream) * p.a
                             : p.init == TSDP_INIT_NORMAL  ? p.shift + normal_draw(j, seed, p.stream) * p.a
                             : p.init == TSDP_INIT_DATA    ? p.data[j]
                             : p.init == TSDP_INIT_ORTHOGONAL ? orthogonal_part[j]
                                                           : p.a;
            ((float*)host)[at] = (float)v;
        }
    }
}

void drop_graphs(tsdp_model* m) {
    // (a graph still running is freed when it completes: cudaGraphExecDestroy does not wait)
    for (auto& [key, step] : m->graphs) cudaGraphExecDestroy(step.exec);
    m->graphs.clear();
}

void keep_graph(tsdp_model* m, std::pair<int, int> key, cudaGraphExec_t exec) {
    if (m->graphs.size() >= kMaxCapturedSteps) {
        auto oldest = m->graphs.begin();
        for (auto it = m->graphs.begin(); it != m->graphs.end(); ++it)
            if (it->second.last_launch < oldest->second.last_launch) oldest = it;
        cudaGraphExecDestroy(oldest->second.exec);
        m->graphs.erase(oldest);
    }
    m->graphs[key] = {exec, ++m->graph_clock};
}

namespace {
size_t align_up(size_t n) { return (n + 255) & ~(size_t)255; }
}  // namespace

size_t staging_layout(const tsdp_program_desc& p, int batch, size_t* offsets) {
    size_t at = 0;
    for (int j = 0; j < p.n_in + p.n_out; ++j) {
        const tsdp_tensor_info& t = j < p.n_in ? p.ins[j] : p.outs[j - p.n_in];
        if (offsets) offsets[j] = at;
        at += align_up(t.batched ? t.bytes * batch : t.bytes);
    }
    return at;
}

namespace {
size_t staging_needed(int batch) {
    const tsdp_model_desc& d = tsdp_model_description;
    size_t need = staging_layout(d.forward, batch, nullptr);
    if (d.training) {
        need = std::max(need, staging_layout(d.training->evaluate, batch, nullptr));
        need = std::max(need, staging_layout(d.training->step, batch, nullptr));
    }
    return need;
}
}  // namespace

int ensure_capacity(tsdp_model* m, tsdp_replica* r, int batch) {
    if (batch <= r->capacity) return 0;
    drop_graphs(m);
    TSDP_CHECK(cudaSetDevice(r->device));
    if (r->batch_arena) TSDP_CHECK(cudaFree(r->batch_arena));
    if (r->pair_arena) TSDP_CHECK(cudaFree(r->pair_arena));
    if (r->staging) TSDP_CHECK(cudaFreeHost(r->staging));
    r->batch_arena = nullptr;
    r->pair_arena = nullptr;
    r->staging = nullptr;
    r->capacity = 0;
    TSDP_CHECK(cudaMalloc((void**)&r->batch_arena, alloc_bytes(tsdp_model_description.batch_bytes_per_sample * batch)));
    // the pairs of the replica's own samples: quadratic in its share of the batch
    TSDP_CHECK(cudaMalloc((void**)&r->pair_arena, alloc_bytes(tsdp_model_description.pair_bytes_per_pair * batch * batch)));
    r->staging_bytes = staging_needed(batch);
    TSDP_CHECK(cudaMallocHost((void**)&r->staging, r->staging_bytes));
    r->capacity = batch;
    return 0;
}

const tsdp_state_info* find_state(const char* name) {
    const tsdp_model_desc& d = tsdp_model_description;
    for (int i = 0; i < d.state_count; ++i)
        if (std::strcmp(d.state[i].t.name, name) == 0) return &d.state[i];
    return nullptr;
}

std::vector<std::pair<int, int>> chunks(int batch, int replicas) {
    std::vector<std::pair<int, int>> out;
    const int size = (batch + replicas - 1) / replicas;
    for (int start = 0; start < batch; start += size) out.push_back({start, std::min(size, batch - start)});
    return out;
}

int stage_inputs(tsdp_model* m, const tsdp_program_desc& p, const std::vector<std::pair<int, int>>& parts, const void* const* inputs,
                 const std::vector<float>* scalars) {
    std::vector<size_t> offsets(p.n_in + p.n_out);
    for (size_t i = 0; i < parts.size(); ++i) {
        tsdp_replica* r = &m->replicas[i];
        const int start = parts[i].first, len = parts[i].second;
        if (int e = ensure_capacity(m, r, len)) return e;
        staging_layout(p, len, offsets.data());
        for (int j = 0; j < p.n_in; ++j) {
            if (p.ins[j].batched) std::memcpy(r->staging + offsets[j], (const char*)inputs[j] + p.ins[j].bytes * start, p.ins[j].bytes * len);
            else std::memcpy(r->staging + offsets[j], &(*scalars)[i], sizeof(float));
        }
        r->training = m->training;
        r->seed = m->seed;
        r->sample0 = (unsigned long long)start;
    }
    for (auto& r : m->replicas) {
        r.consts_host->step = m->steps;
        r.consts_host->draw = m->draws;
        r.consts_host->sample_base = m->sample_base;
    }
    return 0;
}

int enqueue_inputs(tsdp_model* m, tsdp_replica* r, const tsdp_program_desc& p, int len) {
    std::vector<size_t> offsets(p.n_in + p.n_out);
    staging_layout(p, len, offsets.data());
    TSDP_CHECK(cudaMemcpyAsync(r->consts, r->consts_host, sizeof(tsdp_run_consts), cudaMemcpyHostToDevice, r->stream));
    // (a model that reads through no index has nothing to record: no copy either way, no launch)
    if (tsdp_model_description.index_site_count > 0) TSDP_CHECK(cudaMemsetAsync(r->index_fault, 0, 2 * sizeof(int), r->stream));
    for (int j = 0; j < p.n_in; ++j)
        TSDP_CHECK(cudaMemcpyAsync(address(r, p.ins[j], len), r->staging + offsets[j], p.ins[j].batched ? p.ins[j].bytes * len : p.ins[j].bytes,
                                   cudaMemcpyHostToDevice, r->stream));
    return 0;
}

int enqueue_outputs(tsdp_model* m, tsdp_replica* r, const tsdp_program_desc& p, int len, bool batched) {
    std::vector<size_t> offsets(p.n_in + p.n_out);
    staging_layout(p, len, offsets.data());
    // with the outputs, in the same wait: no round trip of its own
    if (tsdp_model_description.index_site_count > 0)
        TSDP_CHECK(cudaMemcpyAsync(r->index_fault_host, r->index_fault, 2 * sizeof(int), cudaMemcpyDeviceToHost, r->stream));
    for (int j = 0; j < p.n_out; ++j)
        if (batched || !p.outs[j].batched)
            TSDP_CHECK(cudaMemcpyAsync(r->staging + offsets[p.n_in + j], address(r, p.outs[j], len), p.outs[j].batched ? p.outs[j].bytes * len : p.outs[j].bytes,
                                       cudaMemcpyDeviceToHost, r->stream));
    return 0;
}

void unstage_outputs(tsdp_model* m, const tsdp_program_desc& p, const std::vector<std::pair<int, int>>& parts, void* const* outputs,
                     std::vector<float>* per_replica) {
    std::vector<size_t> offsets(p.n_in + p.n_out);
    for (size_t i = 0; i < parts.size(); ++i) {
        tsdp_replica* r = &m->replicas[i];
        const int start = parts[i].first, len = parts[i].second;
        staging_layout(p, len, offsets.data());
        for (int j = 0; j < p.n_out; ++j) {
            const char* from = r->staging + offsets[p.n_in + j];
            // (a training step copies its batched outputs back only when asked: outputs NULL)
            if (p.outs[j].batched) {
                if (outputs) std::memcpy((char*)outputs[j] + p.outs[j].bytes * start, from, p.outs[j].bytes * len);
            } else if (per_replica && j == p.n_out - 1) {
                std::memcpy(&(*per_replica)[i], from, sizeof(float));  // the loss (the step's and evaluate's last output), per replica
            } else if (i == 0 && outputs && outputs[j]) {
                // an output the batch does not reach (compiler: checkOutput), the same on every replica: replica 0's
                std::memcpy(outputs[j], from, p.outs[j].bytes);
            }
        }
    }
}

/**
 * Waits for every replica's stream: the caller reads the outputs from the pinned staging buffer and
 * the next call refills it. The comm streams need no wait of their own: every piece of work a step
 * puts on them is followed by an event that the replicas' streams wait on before the update (the
 * all-reduce, kReducedEvent) or, in a captured graph, before the capture's end (join_streams), and
 * NCCL's are polled by nccl_wait first; forward and evaluate put nothing on them.
 */
int synchronize_all(tsdp_model* m) {
    for (auto& r : m->replicas) {
        TSDP_CHECK(cudaSetDevice(r.device));
        TSDP_CHECK(cudaStreamSynchronize(r.stream));
    }
    return 0;
}

int report_index_fault(tsdp_model* m, const char* effect) {
    const tsdp_model_desc& d = tsdp_model_description;
    int site = 0, value = 0;
    for (auto& r : m->replicas) {
        if (!r.index_fault_host) continue;
        if (site == 0 && r.index_fault_host[0] != 0) site = r.index_fault_host[0], value = r.index_fault_host[1];
        r.index_fault_host[0] = r.index_fault_host[1] = 0;
    }
    if (site == 0) return 0;
    // index_sites[k - 1]: "for a dim of size 4: gather at model.ts:9:20"
    const std::string where = site >= 1 && site <= d.index_site_count ? d.index_sites[site - 1] : "in a kernel";
    return fail(m, -1, "index " + std::to_string(value) + " is out of range " + where + " (PyTorch raises an IndexError; an index computed in forward is checked as the kernel reads it)" + effect);
}

/**
 * An error part-way through issuing work: what was issued before it may still be running on the
 * replicas' non-blocking streams, which do not order with the synchronous copies that come next
 * (tsdp_get_param, a checkpoint, the runtime restoring state). Wait for every stream first, so
 * nothing runs behind them; the wait's own errors are not reported over the first one.
 */
void settle_after_error(tsdp_model* m) {
    for (auto& r : m->replicas) {
        cudaError_t selected = cudaSetDevice(r.device);
        for (cudaStream_t s : {r.stream, r.comm}) {
            if (selected != cudaSuccess || !s) continue;
            cudaError_t waited = cudaStreamSynchronize(s);
            (void)waited;  // the error already reported is the one that matters
        }
    }
    (void)cudaGetLastError();
}

namespace {
/** Issues every replica's chunk: inputs in, the program's segments, outputs out. */
int issue_replicated(tsdp_model* m, const tsdp_program_desc& p, const std::vector<std::pair<int, int>>& parts) {
    for (size_t i = 0; i < parts.size(); ++i) {
        tsdp_replica* r = &m->replicas[i];
        const int len = parts[i].second;
        TSDP_CHECK(cudaSetDevice(r->device));
        if (int e = enqueue_inputs(m, r, p, len)) return e;
        for (int s = 0; s < p.segments; ++s)
            if (int e = p.run(m, r, len, s)) return e;
        if (int e = enqueue_outputs(m, r, p, len)) return e;
    }
    return 0;
}
}  // namespace

int run_replicated(tsdp_model* m, const tsdp_program_desc& p, int batch, const void* const* inputs, void* const* outputs, std::vector<float>* per_replica) {
    const auto parts = chunks(batch, (int)m->replicas.size());
    if (int e = stage_inputs(m, p, parts, inputs, nullptr)) return e;
    if (int e = issue_replicated(m, p, parts)) {
        settle_after_error(m);
        return e;
    }
    if (int e = synchronize_all(m)) return e;
    if (int e = report_index_fault(m, "")) return e;
    unstage_outputs(m, p, parts, outputs, per_replica);
    // A train-mode run moved each replica's buffers (BatchNorm's running statistics) by its own
    // chunk, and so may an eval run (a buffer forward changes whatever the mode): DataParallel keeps
    // device 0's, as the training step does (enqueue_step), and the next run's replicas read it
    const tsdp_model_desc& d = tsdp_model_description;
    if ((m->training || p.changes_state) && m->replicas.size() > 1 && d.param_bytes > d.buffers_begin) {
        tsdp_replica* r0 = &m->replicas[0];
        for (size_t i = 1; i < m->replicas.size(); ++i)
            TSDP_CHECK(cudaMemcpy(m->replicas[i].params + d.buffers_begin, r0->params + d.buffers_begin, d.param_bytes - d.buffers_begin, cudaMemcpyDeviceToDevice));
    }
    // so are the parameters forward changed from each replica's own share (an embedding's max_norm)
    if (p.changes_state && m->replicas.size() > 1) {
        tsdp_replica* r0 = &m->replicas[0];
        for (int k = 0; k < d.replica0_param_count; ++k) {
            const tsdp_byte_range& range = d.replica0_params[k];
            for (size_t i = 1; i < m->replicas.size(); ++i)
                TSDP_CHECK(cudaMemcpy(m->replicas[i].params + range.offset, r0->params + range.offset, range.bytes, cudaMemcpyDeviceToDevice));
        }
    }
    // PyTorch draws a fresh dropout mask on every call: the next run draws from the next counter
    if (p.draws == TSDP_DRAWS_ALWAYS || (p.draws == TSDP_DRAWS_IN_TRAIN_MODE && m->training)) ++m->draws;
    return 0;
}

bool graphs_enabled(tsdp_model* m) {
    const char* env = std::getenv("TSDP_CUDA_GRAPHS");
    // a replayed graph's launches do not pass through TSDP_LAUNCH, so timing them needs the eager step
#ifdef TSDP_CUDA_SHIM
    if (m->group) return false;  // the host's MPI calls sit between the step's kernels (step.cu, join_group)
#endif
    return m->use_graphs && !(env && std::string(env) == "0") && !kernel_times_on();
}

#ifndef TSDP_CUDA_SHIM
// ---- per-kernel times (TSDP_KERNEL_TIMES=<file.json>): the measured side of the performance model
namespace {
struct TimedLaunch {
    const char* kernel;
    cudaEvent_t start, stop;
};
struct KernelTimes {
    std::mutex mu;
    std::vector<TimedLaunch> pending;  // resolved once, at exit: no synchronization while the step runs
    std::string file;
    KernelTimes() {
        const char* f = std::getenv("TSDP_KERNEL_TIMES");
        if (f) file = f;
    }
};
KernelTimes& kernel_times() {
    static KernelTimes* t = new KernelTimes();  // never destroyed: the atexit writer reads it
    return *t;
}
thread_local cudaEvent_t open_start = nullptr;
constexpr size_t kMaxTimedLaunches = 1 << 20;

void write_kernel_times() {
    KernelTimes& t = kernel_times();
    std::lock_guard<std::mutex> lock(t.mu);
    std::vector<std::string> order;
    std::map<std::string, std::vector<float>> times;
    for (const TimedLaunch& l : t.pending) {
        float ms = 0;
        if (cudaEventSynchronize(l.stop) != cudaSuccess || cudaEventElapsedTime(&ms, l.start, l.stop) != cudaSuccess) continue;
        std::string name = l.kernel;
        name = name.substr(name.rfind(':') == std::string::npos ? 0 : name.rfind(':') + 1);
        if (!times.count(name)) order.push_back(name);
        times[name].push_back(ms);
    }
    FILE* f = std::fopen(t.file.c_str(), "w");
    if (!f) return;
    std::fprintf(f, "{\"kernels\": [");
    for (size_t i = 0; i < order.size(); ++i) {
        std::vector<float>& v = times[order[i]];
        double total = 0;
        for (float x : v) total += x;
        std::sort(v.begin(), v.end());
        const double median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2.0;
        std::fprintf(f, "%s\n  {\"kernel\": \"%s\", \"launches\": %zu, \"medianUs\": %.3f, \"meanUs\": %.3f, \"totalMs\": %.6f}", i ? "," : "",
                     order[i].c_str(), v.size(), median * 1e3, total / v.size() * 1e3, total);
    }
    std::fprintf(f, "\n]}\n");
    std::fclose(f);
}
}  // namespace

bool kernel_times_on() { return !kernel_times().file.empty(); }

bool kernel_times_begin(cudaStream_t stream) {
    KernelTimes& t = kernel_times();
    if (t.file.empty()) return false;
    cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
    if (cudaStreamIsCapturing(stream, &capture) != cudaSuccess || capture != cudaStreamCaptureStatusNone) return false;
    {
        std::lock_guard<std::mutex> lock(t.mu);
        if (t.pending.size() >= kMaxTimedLaunches) return false;
    }
    static std::once_flag registered;
    std::call_once(registered, [] { std::atexit(write_kernel_times); });
    if (cudaEventCreate(&open_start) != cudaSuccess) return false;
    return cudaEventRecord(open_start, stream) == cudaSuccess;
}

void kernel_times_end(const char* kernel, cudaStream_t stream) {
    cudaEvent_t stop;
    if (cudaEventCreate(&stop) != cudaSuccess) return;
    if (cudaEventRecord(stop, stream) != cudaSuccess) return;
    KernelTimes& t = kernel_times();
    std::lock_guard<std::mutex> lock(t.mu);
    t.pending.push_back({kernel, open_start, stop});
}
#else
// The CPU target's launches go through the shim's own TSDP_LAUNCH, which times nothing.
bool kernel_times_on() { return false; }
#endif

}  // namespace tsdp_harness

// ---------------------------------------------------------------------------------------------
// The C ABI (model.h). The training entry points are training_abi.cu, linked only into models
// that train, so a library's symbols say whether it can.

using namespace tsdp_harness;

// The runtime's ABI_VERSION (runtime/manifest.ts), passed by the build as -DTSDP_ABI_VERSION.
#ifndef TSDP_ABI_VERSION
#error "build the harness with -DTSDP_ABI_VERSION=<ABI_VERSION of runtime/manifest.ts> (compiler/6-build/build.ts does)"
#endif
TSDP_EXPORT int tsdp_abi_version(void) { return TSDP_ABI_VERSION; }

// The seal of manifest.json (the sha256 of its contents, runtime/manifest.ts): load refuses a
// manifest that was edited, or that belongs to another build, by comparing it with this.
TSDP_EXPORT const char* tsdp_manifest_hash(void) { return tsdp_model_description.manifest_hash; }

TSDP_EXPORT const char* tsdp_last_error(tsdp_model* m) { return last_error(m); }

TSDP_EXPORT int tsdp_destroy(tsdp_model* m) {
    if (!m) return 0;
    // a step issued without waiting may still run on the streams whose memory is freed below
    if (settle_pending(m) != 0) settle_after_error(m);
    drop_graphs(m);
    nccl_close(m->nccl);
    cublaslt_close(m);
    for (auto& r : m->replicas) {
        cudaSetDevice(r.device);
        for (char* p : {r.params, r.grads, r.opt1, r.opt2, r.opt3, r.batch_arena, r.pair_arena, r.fixed_arena, (char*)r.consts, (char*)r.scratch, (char*)r.grad_norm, (char*)r.param_group, (char*)r.held, (char*)r.index_fault})
            if (p) cudaFree(p);
        for (char* p : {r.staging, (char*)r.consts_host, (char*)r.index_fault_host})
            if (p) cudaFreeHost(p);
        for (cudaEvent_t ev : r.events)
            if (ev) cudaEventDestroy(ev);
        for (cudaStream_t s : {r.stream, r.comm})
            if (s) cudaStreamDestroy(s);
    }
    delete m;
    (void)cudaGetLastError();  // failures while freeing are ignored; they must not surface in another model's next call
#ifdef TSDP_CUDA_SHIM
    // The shim's threads keep fiber stacks between kernels; with no model of this library left,
    // give them back, so that a process loading many libraries does not run out of mappings.
    if (live_models.fetch_sub(1) == 1) tsdp::release_idle_memory();
#else
    live_models.fetch_sub(1);
#endif
    return 0;
}

namespace {
/** One replica's streams, constants, parameters (initialized from the seed) and training state. */
int create_replica(tsdp_model* m, tsdp_replica* r, std::string& host) {
    const tsdp_model_desc& d = tsdp_model_description;
    TSDP_CHECK(cudaSetDevice(r->device));
    TSDP_CHECK(cudaStreamCreateWithFlags(&r->stream, cudaStreamNonBlocking));
    TSDP_CHECK(cudaStreamCreateWithFlags(&r->comm, cudaStreamNonBlocking));
    TSDP_CHECK(cudaMallocHost((void**)&r->consts_host, sizeof(tsdp_run_consts)));
    std::memset((void*)r->consts_host, 0, sizeof(tsdp_run_consts));
    TSDP_CHECK(cudaMalloc((void**)&r->consts, sizeof(tsdp_run_consts)));
    TSDP_CHECK(cudaMalloc((void**)&r->index_fault, 2 * sizeof(int)));
    TSDP_CHECK(cudaMemset(r->index_fault, 0, 2 * sizeof(int)));
    TSDP_CHECK(cudaMallocHost((void**)&r->index_fault_host, 2 * sizeof(int)));
    std::memset((void*)r->index_fault_host, 0, 2 * sizeof(int));
    TSDP_CHECK(cudaMalloc((void**)&r->params, alloc_bytes(d.param_bytes)));
    TSDP_CHECK(cudaMalloc((void**)&r->fixed_arena, alloc_bytes(d.fixed_bytes)));
    // split-K's tile tickets start at zero; each launch that draws them leaves them so
    if (d.zeroed_bytes) TSDP_CHECK(cudaMemset(r->fixed_arena + d.fixed_bytes - d.zeroed_bytes, 0, d.zeroed_bytes));
    if (d.training) {
        const bool third = (d.training->optimizer_flags & (TSDP_AMSGRAD | TSDP_CENTERED)) != 0;
        for (char** p : {&r->grads, &r->opt1, &r->opt2, &r->opt3}) {
            if (p == &r->opt3 && !third) continue;
            // the gradients have one float more: the step's index-fault flag (step.cu), summed with them
            const size_t bytes = p == &r->grads ? std::max(alloc_bytes(d.param_bytes), (index_fault_flag(d) + 1) * sizeof(float)) : alloc_bytes(d.param_bytes);
            TSDP_CHECK(cudaMalloc((void**)p, bytes));
            TSDP_CHECK(cudaMemset(*p, 0, bytes));
        }
        // Adagrad's initial_accumulator_value: its sums (opt2, over the parameters) start there
        if (d.training->initial_accumulator != 0.0f) {
            const std::vector<float> start(d.training->param_floats, d.training->initial_accumulator);
            TSDP_CHECK(cudaMemcpy(r->opt2, start.data(), start.size() * sizeof(float), cudaMemcpyHostToDevice));
        }
        TSDP_CHECK(cudaMalloc((void**)&r->grad_norm, kGradNormSlots * sizeof(double)));
        TSDP_CHECK(cudaMemset(r->grad_norm, 0, kGradNormSlots * sizeof(double)));
        const tsdp_training_desc& t = *d.training;
        if (t.group_count > 0) {
            // one byte per parameter float: its group, whose weight decay the update reads
            std::vector<unsigned char> groups(t.param_floats, 0);
            for (int k = 0; k < t.param_group_count; ++k)
                std::fill(groups.begin() + (long)t.param_groups[k].offset, groups.begin() + (long)(t.param_groups[k].offset + t.param_groups[k].count), (unsigned char)t.param_groups[k].group);
            TSDP_CHECK(cudaMalloc((void**)&r->param_group, alloc_bytes(t.param_floats)));
            TSDP_CHECK(cudaMemcpy(r->param_group, groups.data(), t.param_floats, cudaMemcpyHostToDevice));
        }
    }
    for (int k = 0; k < d.state_count; ++k) {
        const tsdp_state_info& s = d.state[k];
        host.assign(s.t.bytes, '\0');
        init_value(s, m->seed, host.data());
        TSDP_CHECK(cudaMemcpy(r->params + s.t.offset, host.data(), s.t.bytes, cudaMemcpyHostToDevice));
    }
    return 0;
}
}  // namespace

TSDP_EXPORT int tsdp_create(const tsdp_config* config, tsdp_model** out) {
    if (!out) return fail(nullptr, -1, "tsdp_create: out is NULL");
    *out = nullptr;
    tsdp_model* m = new (std::nothrow) tsdp_model();
    if (!m) return fail(nullptr, -1, "tsdp_create: out of host memory");
    live_models.fetch_add(1);
    try {
        m->seed = config ? config->seed : 0;
#ifdef TSDP_CUDA_SHIM
        // The CPU target's devices are virtual: allow as many as asked for (the shim reads this
        // once, at its first CUDA call, which is the one below).
        setenv("TSDP_SHIM_DEVICES", "64", 0);
#endif
        int count = 0;
        const cudaError_t e = cudaGetDeviceCount(&count);
        if (e != cudaSuccess) {
            tsdp_destroy(m);
            return fail(nullptr, (int)e, std::string("tsdp_create: ") + cudaGetErrorString(e));
        }
        // a negative count, or ids missing for a positive one, was taken as "the default devices"
        if (config && (config->num_devices < 0 || (config->num_devices > 0 && !config->device_ids))) {
            const std::string why = "tsdp_create: num_devices is " + std::to_string(config->num_devices) + (config->num_devices < 0 ? ", below 0" : " but device_ids is NULL");
            tsdp_destroy(m);
            return fail(nullptr, -1, why);
        }
        std::vector<int> devices;
        if (config && config->num_devices > 0 && config->device_ids)
            devices.assign(config->device_ids, config->device_ids + config->num_devices);
        else
#ifdef TSDP_CUDA_SHIM
            devices = {0};  // the CPU target: one virtual device unless asked for more
#else
            for (int d = 0; d < count; ++d) devices.push_back(d);  // every visible GPU, as DataParallel
#endif
        for (int d : devices) {
            if (d < 0 || d >= count) {
                tsdp_destroy(m);
                return fail(nullptr, -1, "tsdp_create: device " + std::to_string(d) + " does not exist (" + std::to_string(count) + " visible)");
            }
        }
        m->replicas.resize(devices.size());
        int code = 0;
        std::string host;
        for (size_t i = 0; i < devices.size() && code == 0; ++i) {
            m->replicas[i].device = devices[i];
            code = create_replica(m, &m->replicas[i], host);
        }
        if (code != 0) {
            const std::string why = m->error;
            tsdp_destroy(m);
            return fail(nullptr, code, why);
        }
        cublaslt_open(m);  // never fails the model: without it, tsdp's kernels run every GEMM
        *out = m;
        return 0;
    } catch (const std::exception& ex) {
        tsdp_destroy(m);
        return fail(nullptr, -1, std::string("tsdp_create: ") + ex.what());
    }
}

TSDP_EXPORT int tsdp_device_count(tsdp_model* m) { return m ? (int)m->replicas.size() : 0; }

TSDP_EXPORT int tsdp_set_training(tsdp_model* m, int training) {
    if (!m) return -1;
    m->training = training ? 1 : 0;
    return 0;
}

TSDP_EXPORT int tsdp_forward(tsdp_model* m, int batch, const void* const* inputs, void* const* outputs) {
    if (!m) return -1;
    if (batch < 1) return fail(m, -1, "tsdp_forward: batch must be at least 1, got " + std::to_string(batch));
    if (!inputs || !outputs) return fail(m, -1, "tsdp_forward: inputs and outputs must not be NULL");
    if (int e = null_entry(m, "tsdp_forward", inputs, outputs)) return e;
    if (int e = settle_pending(m)) return e;
    try {
        // a forward is this process's alone (no collective): its samples are counted from its own first
        m->sample_base = 0;
        return run_replicated(m, tsdp_model_description.forward, batch, inputs, outputs, nullptr);
    } catch (const std::exception& ex) {
        return fail(m, -1, std::string("tsdp_forward: ") + ex.what());
    }
}

/** How the training step runs: "cuda graph" or "eager (why)", and the all-reduce. */
TSDP_EXPORT const char* tsdp_describe(tsdp_model* m) {
    static thread_local std::string text;
    if (!m) return "";
    text = std::to_string(m->replicas.size()) + " replica(s); step: " + (graphs_enabled(m) ? "CUDA graph per batch size" : m->use_graphs ? (kernel_times_on() ? "eager (TSDP_KERNEL_TIMES: every launch timed)" : "eager (TSDP_CUDA_GRAPHS=0)") : m->graph_status);
    if (tsdp_model_description.training) text += describe_all_reduce(m);
    text += describe_cublaslt(m);
    return text.c_str();
}

/** use 0: issue the training step call by call (as with TSDP_CUDA_GRAPHS=0); 1: capture it again. */
TSDP_EXPORT int tsdp_use_graphs(tsdp_model* m, int use) {
    if (!m) return -1;
    if (int e = settle_pending(m)) return e;  // (a graph may be running the pending step)
    drop_graphs(m);
    m->use_graphs = use ? 1 : 0;
    m->graph_status = use ? "" : "eager (graphs turned off by the caller)";
    return 0;
}

/** Counters: graph captures, graph replays, eager steps, bucket all-reduces issued. */
TSDP_EXPORT int tsdp_stats(tsdp_model* m, unsigned long long* out, int n) {
    if (!m) return -1;
    if (!out) return fail(m, -1, "tsdp_stats: out is NULL");
    for (int i = 0; i < n && i < 4; ++i) out[i] = m->stats[i];
    return 0;
}

namespace {
int copy_state(tsdp_model* m, const char* name, void* host, unsigned long long bytes, bool to_device) {
    if (!m) return -1;
    if (!name || !host) return fail(m, -1, "name and host buffer must not be NULL");
    // cudaMemcpy does not wait for the replicas' non-blocking streams: a step issued without waiting first
    if (int e = settle_pending(m)) return e;
    // "<param>.exp_avg" etc. address the optimizer state of a parameter
    std::string key(name);
    int region = 0;
    for (const auto& [suffix, which] : {std::pair<const char*, int>{".momentum_buffer", 1}, {".exp_avg_sq", 2}, {".exp_avg", 1}, {".square_avg", 2}, {".sum", 2}, {".exp_inf", 2}, {".acc_delta", 1}, {".grad", 3}, {".max_exp_avg_sq", 4}, {".grad_avg", 4}, {".held", 5}}) {
        const size_t n = std::strlen(suffix);
        if (key.size() > n && key.compare(key.size() - n, n, suffix) == 0 && find_state(key.substr(0, key.size() - n).c_str())) {
            key.resize(key.size() - n);
            region = which;
            break;
        }
    }
    const tsdp_state_info* s = find_state(key.c_str());
    if (!s) return fail(m, -1, std::string("no parameter or buffer named '") + name + "'");
    const size_t size = s->count * (s->t.dtype == TSDP_I64 ? 8 : 4);
    if (bytes != size) return fail(m, -1, std::string(name) + " holds " + std::to_string(size) + " bytes, got " + std::to_string(bytes));
    for (size_t i = 0; i < m->replicas.size(); ++i) {
        tsdp_replica* r = &m->replicas[i];
        // region 5: the gradients held by steps taken with accumulate (grads' layout), which
        // detectNonFinite's undo saves and restores
        char* base = region == 0 ? r->params : region == 1 ? r->opt1 : region == 2 ? r->opt2 : region == 4 ? r->opt3 : region == 5 ? (char*)r->held : r->grads;
        if (!base && region == 5) return fail(m, -1, std::string(name) + ": no gradients are held (no step with accumulate has been taken)");
        if (!base && region == 4 && r->opt1) return fail(m, -1, std::string(name) + ": this model's optimizer keeps no such state (amsgrad's max_exp_avg_sq, centered RMSprop's grad_avg)");
        if (!base) return fail(m, -1, std::string(name) + ": this build has no training step, so no optimizer state or gradients");
        TSDP_CHECK(cudaSetDevice(r->device));
        if (to_device) TSDP_CHECK(cudaMemcpy(base + s->t.offset, host, size, cudaMemcpyHostToDevice));
        else {
            TSDP_CHECK(cudaMemcpy(host, base + s->t.offset, size, cudaMemcpyDeviceToHost));
            break;  // replicas hold the same values: read replica 0
        }
    }
    return 0;
}
}  // namespace

TSDP_EXPORT int tsdp_get_param(tsdp_model* m, const char* name, void* host, unsigned long long bytes) {
    return copy_state(m, name, host, bytes, false);
}

/** Sets the value on every replica, so they stay identical. */
TSDP_EXPORT int tsdp_set_param(tsdp_model* m, const char* name, const void* host, unsigned long long bytes) {
    return copy_state(m, name, const_cast<void*>(host), bytes, true);
}
