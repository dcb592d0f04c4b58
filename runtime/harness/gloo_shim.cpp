// tsdp's Gloo shim (gloo_abi.h): Gloo's rendezvous over tsdp's store, its TCP transport, and its
// ring all-reduce and broadcast. Built by the runtime, not by tsdp compile (runtime/gloo-shim.ts):
//   g++ -std=c++17 -O2 -shared -fPIC gloo_shim.cpp -lgloo
// Gloo reports a peer that died (the connection reset) or a collective that outlives the context's
// timeout by throwing; every entry point turns that into a message.
#include "gloo_abi.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <gloo/allreduce.h>
#include <gloo/broadcast.h>
#include <gloo/math.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/store.h>
#include <gloo/transport/tcp/device.h>

namespace {

constexpr size_t kWhy = 1024;

void say(char* why, size_t why_len, const std::string& text) {
    if (why && why_len) std::snprintf(why, why_len, "%s", text.c_str());
}

/** Gloo's Store over tsdp's: Gloo's keys under "gloo/", its waits bounded by the context's timeout. */
class TsdpStore : public gloo::rendezvous::Store {
public:
    TsdpStore(const tsdp_store_ops& ops, double timeout_s) : ops_(ops), timeout_s_(timeout_s) {}

    void set(const std::string& key, const std::vector<char>& data) override {
        char why[kWhy] = {0};
        if (ops_.set(ops_.store, ("gloo/" + key).c_str(), data.data(), data.size(), why, sizeof why) != 0) throw gloo::IoException(why);
    }

    std::vector<char> get(const std::string& key) override {
        char why[kWhy] = {0};
        char* data = nullptr;
        size_t n = 0;
        if (ops_.get(ops_.store, ("gloo/" + key).c_str(), timeout_s_, &data, &n, why, sizeof why) != 0) throw gloo::IoException(why);
        std::vector<char> out(data, data + n);
        std::free(data);
        return out;
    }

    void wait(const std::vector<std::string>& keys) override { wait(keys, std::chrono::milliseconds((long long)(timeout_s_ * 1000))); }

    void wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) override {
        const double seconds = (double)timeout.count() / 1000;
        for (const auto& key : keys) {
            char why[kWhy] = {0};
            char* data = nullptr;
            size_t n = 0;
            if (ops_.get(ops_.store, ("gloo/" + key).c_str(), seconds, &data, &n, why, sizeof why) != 0) throw gloo::IoException(why);
            std::free(data);
        }
    }

private:
    tsdp_store_ops ops_;
    double timeout_s_;
};

struct Device {
    std::shared_ptr<gloo::transport::Device> device;
};

struct Joined {
    std::shared_ptr<gloo::rendezvous::Context> context;
};

template <typename F>
int guarded(char* why, size_t why_len, const char* what, F body) {
    try {
        body();
        return 0;
    } catch (const std::exception& e) {
        say(why, why_len, std::string(what) + ": " + e.what());
        return -1;
    }
}

}  // namespace

extern "C" __attribute__((visibility("default"))) void* tsdp_gloo_device(const char* hostname, const char* iface, char* why, size_t why_len) {
    auto* d = new Device();
    const bool named = iface && *iface;
    const std::string where = named ? std::string("Gloo's TCP transport on interface ") + iface + " (GLOO_SOCKET_IFNAME)" : std::string("Gloo's TCP transport on ") + hostname;
    const int code = guarded(why, why_len, where.c_str(), [&] {
        gloo::transport::tcp::attr attr;
        if (named) attr.iface = iface;
        else attr.hostname = hostname;
        d->device = gloo::transport::tcp::CreateDevice(attr);
    });
    if (code != 0) {
        delete d;
        return nullptr;
    }
    return d;
}

extern "C" __attribute__((visibility("default"))) void* tsdp_gloo_join(void* device, int rank, int size, const tsdp_store_ops* ops, double timeout_s, char* why, size_t why_len) {
    auto* j = new Joined();
    const int code = guarded(why, why_len, "Gloo's rendezvous (connectFullMesh)", [&] {
        j->context = std::make_shared<gloo::rendezvous::Context>(rank, size);
        j->context->setTimeout(std::chrono::milliseconds((long long)(timeout_s * 1000)));
        TsdpStore store(*ops, timeout_s);
        j->context->connectFullMesh(store, ((Device*)device)->device);
    });
    if (code != 0) {
        delete j;
        return nullptr;
    }
    return j;
}

extern "C" __attribute__((visibility("default"))) int tsdp_gloo_sum(void* context, void* data, size_t count, int is_double, char* why, size_t why_len) {
    auto* j = (Joined*)context;
    return guarded(why, why_len, "gloo::allreduce", [&] {
        gloo::AllreduceOptions opts(j->context);
        if (is_double) {
            opts.setOutput((double*)data, count);
            opts.setReduceFunction(static_cast<void (*)(void*, const void*, const void*, size_t)>(&gloo::sum<double>));
        } else {
            opts.setOutput((float*)data, count);
            opts.setReduceFunction(static_cast<void (*)(void*, const void*, const void*, size_t)>(&gloo::sum<float>));
        }
        gloo::allreduce(opts);
    });
}

extern "C" __attribute__((visibility("default"))) int tsdp_gloo_broadcast(void* context, void* data, size_t bytes, char* why, size_t why_len) {
    auto* j = (Joined*)context;
    return guarded(why, why_len, "gloo::broadcast", [&] {
        gloo::BroadcastOptions opts(j->context);
        opts.setOutput((unsigned char*)data, bytes);
        opts.setRoot(0);
        gloo::broadcast(opts);
    });
}
