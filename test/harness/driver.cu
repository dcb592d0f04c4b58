// Unit tests of the fixed harness (runtime/harness/) on the CPU target, without a generated
// model: this file plays the model. Its descriptor has three parameters and a forward program
// y = x · w (per column), and a training step whose gradient of every parameter is the replica's
// loss scale, so after one SGD step every parameter has moved by exactly −lr whatever the split
// of the batch. test/harness.test.ts builds it against the cached harness objects and runs it;
// each check prints "ok <name>" or "FAIL <name>: <why>", and the exit status counts failures.
#define TSDP_SOURCE_NAME "driver.cu"
#include "harness.h"
#include "harness_internal.h"
#include "philox.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
int tsdp_create(const tsdp_config* config, tsdp_model** out);
int tsdp_destroy(tsdp_model* m);
const char* tsdp_last_error(tsdp_model* m);
int tsdp_forward(tsdp_model* m, int batch, const void* const* inputs, void* const* outputs);
int tsdp_get_param(tsdp_model* m, const char* name, void* host, unsigned long long bytes);
int tsdp_set_param(tsdp_model* m, const char* name, const void* host, unsigned long long bytes);
int tsdp_train_step(tsdp_model* m, int batch, const void* const* inputs, const void* target, const tsdp_hparams* h, void* const* outputs, float* loss);
int tsdp_stats(tsdp_model* m, unsigned long long* out, int n);
const char* tsdp_describe(tsdp_model* m);
const char* tsdp_manifest_hash(void);
}

namespace {

// Layout: params w f32[4] at 0, b f32[4] at 16, count i64[2] at 32 (a buffer); batch arena: x
// [B,4] at 0, y [B,4] at 16 per sample, target i32 [B] at 32; fixed arena: loss scale at 0, loss at 4.
__global__ void forward_kernel(const float* x, const float* w, const float* b, float* y, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = x[i] * w[i % 4] + b[i % 4];
}

// The gradient of every parameter is the loss scale; the loss is the scale too.
__global__ void step_kernel(const float* scale, float* grads, float* loss) {
    const int i = threadIdx.x;
    if (i < 8) grads[i] = *scale;
    if (i == 0) *loss = *scale;
}

int run_forward(tsdp_model* m, tsdp_replica* r, int batch, int segment) {
    TSDP_CHECK(cudaSetDevice(r->device));
    if (segment != 0) return tsdp_harness::fail(m, -1, "run_forward: no segment " + std::to_string(segment));
    const int n = 4 * batch;
    TSDP_LAUNCH(forward_kernel, dim3((n + 63) / 64), dim3(64), 0, r->stream, (const float*)r->batch_arena, (const float*)r->params,
                (const float*)(r->params + 16), (float*)(r->batch_arena + (size_t)16 * batch), n);
    TSDP_CHECK(cudaGetLastError());
    return 0;
}

int run_step(tsdp_model* m, tsdp_replica* r, int batch, int segment) {
    (void)batch;
    TSDP_CHECK(cudaSetDevice(r->device));
    if (segment != 0) return tsdp_harness::fail(m, -1, "run_step: no segment " + std::to_string(segment));
    TSDP_LAUNCH(step_kernel, dim3(1), dim3(32), 0, r->stream, (const float*)r->fixed_arena, (float*)r->grads, (float*)(r->fixed_arena + 4));
    TSDP_CHECK(cudaGetLastError());
    return 0;
}

const tsdp_tensor_info k_in[] = {{.name = "x", .offset = 0, .bytes = 16, .dtype = TSDP_F32, .batched = 1}};
const tsdp_tensor_info k_out[] = {{.name = "y", .offset = 16, .bytes = 16, .dtype = TSDP_F32, .batched = 1}};
const tsdp_tensor_info k_step_in[] = {
    {.name = "x", .offset = 0, .bytes = 16, .dtype = TSDP_F32, .batched = 1},
    {.name = "target", .offset = 32, .bytes = 4, .dtype = TSDP_I32, .batched = 1},
    {.name = "loss_scale", .offset = 0, .bytes = 4, .dtype = TSDP_F32, .batched = 0},
};
const tsdp_tensor_info k_step_out[] = {{.name = "loss", .offset = 4, .bytes = 4, .dtype = TSDP_F32, .batched = 0}};

const tsdp_state_info k_state[] = {
    {.t = {.name = "w", .offset = 0, .bytes = 16, .dtype = TSDP_F32, .batched = 0}, .count = 4, .init = TSDP_INIT_UNIFORM, .a = 0.5, .zero_row = -1, .stream = 11u, .row = 1},
    {.t = {.name = "b", .offset = 16, .bytes = 16, .dtype = TSDP_F32, .batched = 0}, .count = 4, .init = TSDP_INIT_NORMAL, .a = 1.0, .zero_row = 1, .stream = 12u, .row = 2},
    {.t = {.name = "count", .offset = 32, .bytes = 16, .dtype = TSDP_I64, .batched = 0}, .count = 2, .init = TSDP_INIT_CONSTANT, .a = 7, .zero_row = -1, .stream = 13u, .row = 1},
};

const tsdp_bucket_info k_buckets[] = {{.offset = 0, .count = 8, .segment = 0}};

const tsdp_training_desc k_training = {
    .evaluate = {.run = run_forward, .segments = 1, .ins = k_in, .n_in = 1, .outs = k_out, .n_out = 1},
    .step = {.run = run_step, .segments = 1, .ins = k_step_in, .n_in = 3, .outs = k_step_out, .n_out = 1},
    .mean_loss = 1,
    .optimizer = TSDP_SGD,
    .param_floats = 8,
    .buckets = k_buckets,
    .bucket_count = 1,
    .largest_bucket_floats = 8,
};

int failures = 0;
void check(bool ok, const char* name, const std::string& why = "") {
    if (ok) std::printf("ok %s\n", name);
    else {
        std::printf("FAIL %s: %s\n", name, why.c_str());
        ++failures;
    }
}

std::string hex(uint32_t v) {
    char s[16];
    std::snprintf(s, sizeof s, "%08x", v);
    return s;
}

}  // namespace

extern const tsdp_model_desc tsdp_model_description = {
    .manifest_hash = "driver-hash",
    .param_bytes = 48,
    .batch_bytes_per_sample = 36,
    .fixed_bytes = 8,
    .state = k_state,
    .state_count = 3,
    .input_count = 1,
    .output_count = 1,
    .forward = {.run = run_forward, .segments = 1, .ins = k_in, .n_in = 1, .outs = k_out, .n_out = 1},
    .training = &k_training,
};

int main() {
    using namespace tsdp_harness;
    // Philox4x32-10's known-answer vector (Random123), as the reference's test has it.
    uint32_t c[4] = {0, 0, 0, 0};
    tsdp_philox4x32(c, 0, 0);
    check(hex(c[0]) + hex(c[1]) + hex(c[2]) + hex(c[3]) == "6627e8d5e169c58dbc57ac4c9b00dbd8", "philox known answer", hex(c[0]));

    const auto parts = chunks(10, 3);
    check(parts.size() == 3 && parts[0] == std::make_pair(0, 4) && parts[1] == std::make_pair(4, 4) && parts[2] == std::make_pair(8, 2), "chunks of 10 over 3");
    check(chunks(2, 3).size() == 2, "fewer chunks than replicas when the batch is small");

    size_t offsets[4];
    const size_t total = staging_layout(k_training.step, 3, offsets);
    check(offsets[0] == 0 && offsets[1] == 256 && offsets[2] == 512 && offsets[3] == 768 && total == 1024, "staging is 256-byte aligned", std::to_string(total));

    std::vector<unsigned char> host(16);
    init_value(k_state[1], 5, host.data());
    const float* normal = (const float*)host.data();
    check(normal[2] == 0.0f && normal[3] == 0.0f && normal[0] != 0.0f, "normal init zeroes its zero_row");
    init_value(k_state[2], 5, host.data());
    check(((const long long*)host.data())[1] == 7, "constant init of an int64 buffer");

    check(std::string(tsdp_manifest_hash()) == "driver-hash", "tsdp_manifest_hash returns the descriptor's seal");

    tsdp_model* bad = nullptr;
    const int missing[] = {99};
    const tsdp_config bad_config{1, missing, 0};
    check(tsdp_create(&bad_config, &bad) != 0 && bad == nullptr && std::string(tsdp_last_error(nullptr)).find("device 99 does not exist") != std::string::npos,
          "a missing device is refused", tsdp_last_error(nullptr));

    const int devices[] = {0, 1, 2};
    const tsdp_config config{3, devices, 1234};
    tsdp_model* m = nullptr;
    if (tsdp_create(&config, &m) != 0) {
        check(false, "tsdp_create on 3 virtual devices", tsdp_last_error(nullptr));
        return 1;
    }
    float w[4], b[4], expected_w[4];
    init_value(k_state[0], 1234, expected_w);
    check(tsdp_get_param(m, "w", w, sizeof w) == 0 && std::memcmp(w, expected_w, sizeof w) == 0, "parameters start as init_value draws them");
    check(tsdp_get_param(m, "w", w, 12) != 0 && std::string(tsdp_last_error(m)) == "w holds 16 bytes, got 12", "a wrong byte count is refused", tsdp_last_error(m));
    check(tsdp_get_param(m, "nope", w, 16) != 0 && std::string(tsdp_last_error(m)) == "no parameter or buffer named 'nope'", "an unknown name is refused");
    const float ones[4] = {1, 1, 1, 1};
    check(tsdp_set_param(m, "b", ones, sizeof ones) == 0 && tsdp_get_param(m, "b", b, sizeof b) == 0 && b[3] == 1.0f, "set_param then get_param");

    // forward over 3 replicas: 5 samples split 2, 2, 1, gathered in batch order
    std::vector<float> x(20), y(20, -1.0f);
    for (int i = 0; i < 20; ++i) x[i] = (float)i;
    const void* ins[] = {x.data()};
    void* outs[] = {y.data()};
    bool right = tsdp_forward(m, 5, ins, outs) == 0;
    for (int i = 0; i < 20 && right; ++i) right = std::fabs(y[i] - (x[i] * w[i % 4] + 1.0f)) < 1e-6f;
    check(right, "forward on 3 replicas gathers outputs in batch order", tsdp_last_error(m));
    const void* none[] = {nullptr};
    check(tsdp_forward(m, 0, none, outs) != 0 && std::string(tsdp_last_error(m)).find("batch must be at least 1") != std::string::npos, "batch 0 is refused");
    // probe62: a NULL entry of the arrays was read as it is (a C caller's NULL input segfaulted)
    void* no_out[] = {nullptr};
    const int labels[5] = {0, 0, 0, 0, 0};
    const tsdp_hparams plain{.lr = 0.125, .momentum = 0, .dampening = 0, .weight_decay = 0, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .nesterov = 0, .alpha = 0.99, .max_grad_norm = 0, .loss_scale = 1};
    float loss_slot = 0;
    check(tsdp_forward(m, 5, none, outs) != 0 && std::string(tsdp_last_error(m)) == "tsdp_forward: inputs[0] is NULL (the model has 1 inputs)", "a NULL input is refused", tsdp_last_error(m));
    check(tsdp_forward(m, 5, ins, no_out) != 0 && std::string(tsdp_last_error(m)) == "tsdp_forward: outputs[0] is NULL (the model has 1 outputs)", "a NULL output is refused", tsdp_last_error(m));
    check(tsdp_train_step(m, 5, none, labels, &plain, nullptr, &loss_slot) != 0 && std::string(tsdp_last_error(m)) == "tsdp_train_step: inputs[0] is NULL (the model has 1 inputs)", "a step's NULL input is refused", tsdp_last_error(m));
    check(tsdp_stats(m, nullptr, 4) != 0 && std::string(tsdp_last_error(m)) == "tsdp_stats: out is NULL", "tsdp_stats(NULL) says why, not the previous error", tsdp_last_error(m));
    tsdp_model* unmade = nullptr;
    const tsdp_config negative{-5, devices, 0}, no_ids{3, nullptr, 0};
    check(tsdp_create(&negative, &unmade) != 0 && unmade == nullptr && std::string(tsdp_last_error(nullptr)) == "tsdp_create: num_devices is -5, below 0", "a negative device count is refused", tsdp_last_error(nullptr));
    check(tsdp_create(&no_ids, &unmade) != 0 && unmade == nullptr && std::string(tsdp_last_error(nullptr)) == "tsdp_create: num_devices is 3 but device_ids is NULL", "device ids missing for a count are refused", tsdp_last_error(nullptr));

    // three SGD steps: eager warm-up, capture, replay; each moves every parameter by −lr
    const tsdp_hparams h{.lr = 0.125, .momentum = 0, .dampening = 0, .weight_decay = 0, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .nesterov = 0, .alpha = 0.99, .max_grad_norm = 0, .loss_scale = 1};
    std::vector<int> target(5, 0);
    float loss = 0;
    bool stepped = true;
    for (int s = 0; s < 3 && stepped; ++s) stepped = tsdp_train_step(m, 5, ins, target.data(), &h, nullptr, &loss) == 0;
    check(stepped, "three training steps", tsdp_last_error(m));
    // each replica's loss is its scale n_i / B, combined weighted by n_i / B: (2² + 2² + 1²) / 5²
    check(std::fabs(loss - 9.0f / 25.0f) < 1e-6f, "the loss is the replicas' combined by their share of the batch", std::to_string(loss));
    float after[4];
    tsdp_get_param(m, "w", after, sizeof after);
    bool moved = true;
    for (int i = 0; i < 4; ++i) moved = moved && std::fabs(after[i] - (expected_w[i] - 3 * 0.125f)) < 1e-6f;
    check(moved, "the all-reduced gradient (scales summing to 1) moves w by −lr per step", std::to_string(after[0] - expected_w[0]));
    long long count[2];
    check(tsdp_get_param(m, "count", count, sizeof count) == 0 && count[0] == 7, "buffers beyond param_floats are not updated");
    unsigned long long stats[4];
    tsdp_stats(m, stats, 4);
    // the second step is captured and then launched, the third replayed; the all-reduce is issued
    // (and counted) only when the step is issued: eagerly once and into the capture once
    check(stats[0] == 1 && stats[1] == 2 && stats[2] == 1 && stats[3] == 2, "an eager warm-up, then one capture replayed twice",
          std::to_string(stats[0]) + " " + std::to_string(stats[1]) + " " + std::to_string(stats[2]) + " " + std::to_string(stats[3]));
    check(std::string(tsdp_describe(m)).find("in-process stand-in, 1 bucket(s)") != std::string::npos, "describe names the all-reduce", tsdp_describe(m));
    check(tsdp_destroy(m) == 0, "destroy");
    return failures;
}
