// A hand-written stand-in for a library produced by `tsdp compile`: it implements the tsdp C ABI
// for a tiny linear model, so the Node runtime can be tested without the code generator.
//
//   default build:        x float32 [Batch, 3] → output0 float32 [Batch, 2] = x · Wᵀ + b
//   -DMOCK_TWO_IO:        (x float32 [Batch, 3], shift int32 [Batch]) →
//                         (output0 float32 [Batch, 2] = x · Wᵀ + b + shift, output1 int32 [Batch] = argmax)
//   -DMOCK_ABI=n          reports ABI version n
//   -DMOCK_HASH="\"h\""   reports sourceHash h (default "mock-hash-1", or "mock-hash-2" with MOCK_TWO_IO)
//   -DMOCK_NO_EXPORT      leaves out the visibility attribute (build with -fvisibility=hidden: no symbols)
//
// Params "fc.weight" [2, 3] and "fc.bias" [2] (float32), initialized from the seed with splitmix64;
// buffers "stats.num_forwards" int64 [] (counts successful forwards) and "config.devices" int32 [5]
// ([num_devices, ids..., -1 padding], to check what tsdp_create received).
// Failure modes: a device id >= 4 makes tsdp_create fail; batch > 1000 makes tsdp_forward fail
// with an out-of-memory message; tsdp_set_param refuses "config.devices" (read-only).
// mock_live_models() (not ABI) counts the models alive.
#include <cstdint>
#include <cstring>
#include <new>
#include <string>

#ifdef MOCK_NO_EXPORT
#define TSDP_API extern "C"
#else
#define TSDP_API extern "C" __attribute__((visibility("default")))
#endif

#ifndef MOCK_ABI
#define MOCK_ABI 1
#endif
#ifndef MOCK_HASH
#ifdef MOCK_TWO_IO
#define MOCK_HASH "mock-hash-2"
#else
#define MOCK_HASH "mock-hash-1"
#endif
#endif

typedef struct {
  int num_devices;
  const int* device_ids;
  unsigned long long seed;
} tsdp_config;

struct tsdp_model {
  float weight[6];
  float bias[2];
  int64_t num_forwards = 0;
  int32_t devices[5];
  std::string error;
};

static thread_local std::string create_error;
static int live_models = 0;

// Not part of the ABI: how many models exist, so tests can see that dispose and GC destroy them.
TSDP_API int mock_live_models(void) { return live_models; }

static int fail(tsdp_model* m, int code, const std::string& msg) {
  if (m)
    m->error = msg;
  else
    create_error = msg;
  return code;
}

static uint64_t splitmix64(uint64_t& s) {
  uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

TSDP_API int tsdp_abi_version(void) { return MOCK_ABI; }

TSDP_API const char* tsdp_manifest_hash(void) { return MOCK_HASH; }

TSDP_API int tsdp_create(const tsdp_config* config, tsdp_model** out) {
  if (!config || !out) return fail(nullptr, 1, "mock: tsdp_create needs a config and an out pointer");
  *out = nullptr;
  if (config->num_devices < 0 || config->num_devices > 4 || (config->num_devices > 0 && !config->device_ids))
    return fail(nullptr, 1, "mock: bad device list (" + std::to_string(config->num_devices) + " devices)");
  for (int i = 0; i < config->num_devices; i++)
    if (config->device_ids[i] < 0 || config->device_ids[i] >= 4)
      return fail(nullptr, 5, "mock: device " + std::to_string(config->device_ids[i]) + " is not available (4 devices)");
  tsdp_model* m = new (std::nothrow) tsdp_model;
  if (!m) return fail(nullptr, 2, "mock: out of memory");
  uint64_t s = config->seed;
  for (float& w : m->weight) w = float((splitmix64(s) >> 40) / double(1 << 24) * 2.0 - 1.0);
  for (float& b : m->bias) b = float((splitmix64(s) >> 40) / double(1 << 24) * 2.0 - 1.0);
  m->devices[0] = config->num_devices;
  for (int i = 1; i < 5; i++) m->devices[i] = i <= config->num_devices ? config->device_ids[i - 1] : -1;
  live_models++;
  *out = m;
  return 0;
}

TSDP_API int tsdp_destroy(tsdp_model* m) {
  if (!m) return 1;
  delete m;
  live_models--;
  return 0;
}

TSDP_API const char* tsdp_last_error(tsdp_model* m) { return m ? m->error.c_str() : create_error.c_str(); }

TSDP_API int tsdp_forward(tsdp_model* m, int batch, const void* const* inputs, void* const* outputs) {
  if (!m) return 1;
  if (!inputs || !outputs) return fail(m, 1, "mock: null input or output table");
  if (batch < 1) return fail(m, 1, "mock: batch must be positive, got " + std::to_string(batch));
  if (batch > 1000)
    return fail(m, 2,
                "mock: out of memory: batch " + std::to_string(batch) + " needs " + std::to_string(uint64_t(batch) * 20) +
                    " bytes of activations, the device has room for 1000 rows");
  const float* x = static_cast<const float*>(inputs[0]);
  float* y = static_cast<float*>(outputs[0]);
#ifdef MOCK_TWO_IO
  const int32_t* shift = static_cast<const int32_t*>(inputs[1]);
  int32_t* argmax = static_cast<int32_t*>(outputs[1]);
#endif
  for (int n = 0; n < batch; n++) {
    for (int o = 0; o < 2; o++) {
      float acc = m->bias[o];
      for (int i = 0; i < 3; i++) acc += x[n * 3 + i] * m->weight[o * 3 + i];
#ifdef MOCK_TWO_IO
      acc += float(shift[n]);
#endif
      y[n * 2 + o] = acc;
    }
#ifdef MOCK_TWO_IO
    argmax[n] = y[n * 2 + 1] > y[n * 2] ? 1 : 0;
#endif
  }
  m->num_forwards++;
  return 0;
}

static void* find(tsdp_model* m, const char* name, unsigned long long& bytes) {
  if (!std::strcmp(name, "fc.weight")) return bytes = sizeof m->weight, m->weight;
  if (!std::strcmp(name, "fc.bias")) return bytes = sizeof m->bias, m->bias;
  if (!std::strcmp(name, "stats.num_forwards")) return bytes = sizeof m->num_forwards, &m->num_forwards;
  if (!std::strcmp(name, "config.devices")) return bytes = sizeof m->devices, m->devices;
  return nullptr;
}

TSDP_API int tsdp_get_param(tsdp_model* m, const char* name, void* host, unsigned long long bytes) {
  if (!m) return 1;
  if (!name || !host) return fail(m, 1, "mock: null name or host pointer");
  unsigned long long size = 0;
  void* p = find(m, name, size);
  if (!p) return fail(m, 3, std::string("mock: no parameter named ") + name);
  if (bytes != size) return fail(m, 4, std::string("mock: ") + name + " has " + std::to_string(size) + " bytes, got " + std::to_string(bytes));
  std::memcpy(host, p, size);
  return 0;
}

TSDP_API int tsdp_set_param(tsdp_model* m, const char* name, const void* host, unsigned long long bytes) {
  if (!m) return 1;
  if (!name || !host) return fail(m, 1, "mock: null name or host pointer");
  unsigned long long size = 0;
  void* p = find(m, name, size);
  if (!p) return fail(m, 3, std::string("mock: no parameter named ") + name);
  if (bytes != size) return fail(m, 4, std::string("mock: ") + name + " has " + std::to_string(size) + " bytes, got " + std::to_string(bytes));
  if (p == m->devices) return fail(m, 6, "mock: config.devices is read-only");
  std::memcpy(p, host, size);
  return 0;
}

TSDP_API int tsdp_set_training(tsdp_model* m, int training) {
  if (!m) return 1;
  (void)training;  // the mock has no dropout or batch norm
  return 0;
}
