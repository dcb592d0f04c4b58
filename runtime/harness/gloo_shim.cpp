// tsdp's Gloo shim (gloo_abi.h): Gloo's rendezvous over tsdp's store, its TCP transport, and its
// ring all-reduce and broadcast. Built by the runtime, not by tsdp compile (runtime/gloo-shim.ts):
//   g++ -std=c++17 -O2 -shared -fPIC gloo_shim.cpp -lgloo
// Gloo reports a peer that died (the connection reset) or a collective that outlives the context's
// timeout by throwing; every entry point turns that into a message.
#include "gloo_abi.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
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

/**
 * Gloo's Store over tsdp's: Gloo's keys under "gloo/". Every wait ends at the join's one deadline
 * (not a timeout per key: Gloo waits for each rank's addresses in turn). It remembers the rank
 * whose addresses Gloo read last: Gloo connects to that rank next, and a connection that fails is
 * named by it.
 */
class TsdpStore : public gloo::rendezvous::Store {
public:
    TsdpStore(const tsdp_store_ops& ops, std::chrono::steady_clock::time_point deadline) : ops_(ops), deadline_(deadline) {}

    void set(const std::string& key, const std::vector<char>& data) override {
        char why[kWhy] = {0};
        if (ops_.set(ops_.store, ("gloo/" + key).c_str(), data.data(), data.size(), why, sizeof why) != 0) throw gloo::IoException(why);
    }

    std::vector<char> get(const std::string& key) override {
        char why[kWhy] = {0};
        char* data = nullptr;
        size_t n = 0;
        connecting_ = -1;
        if (ops_.get(ops_.store, ("gloo/" + key).c_str(), left_s(), &data, &n, why, sizeof why) != 0) throw gloo::IoException(rank_of(key) + why);
        std::vector<char> out(data, data + n);
        std::free(data);
        // a rank's addresses (the key is its number): Gloo connects to it next
        if (!key.empty() && key.find_first_not_of("0123456789") == std::string::npos) connecting_ = std::atoi(key.c_str());
        return out;
    }

    void wait(const std::vector<std::string>& keys) override { wait(keys, std::chrono::milliseconds(0)); }

    // Gloo passes its context's timeout, shortened for the connections (tsdp_gloo_join_until): the deadline bounds the wait instead
    void wait(const std::vector<std::string>& keys, const std::chrono::milliseconds&) override {
        connecting_ = -1;
        for (const auto& key : keys) {
            char why[kWhy] = {0};
            char* data = nullptr;
            size_t n = 0;
            if (ops_.get(ops_.store, ("gloo/" + key).c_str(), left_s(), &data, &n, why, sizeof why) != 0) throw gloo::IoException(rank_of(key) + why);
            std::free(data);
        }
    }

    /** The rank Gloo was connecting to when it failed (-1: it was not connecting). */
    int connecting() const { return connecting_; }

private:
    /** What is left until the deadline, in seconds (a little, once it passed: the store then says it timed out). */
    double left_s() const { return std::max(0.001, std::chrono::duration<double>(deadline_ - std::chrono::steady_clock::now()).count()); }

    /** "rank N's addresses: " for a rank's key (N, or rank_N: its hostname), "" for another. */
    static std::string rank_of(const std::string& key) {
        const std::string number = key.rfind("rank_", 0) == 0 ? key.substr(5) : key;
        if (number.empty() || number.find_first_not_of("0123456789") != std::string::npos) return "";
        return "rank " + number + " did not publish its Gloo " + (number.size() == key.size() ? "addresses" : "hostname") + " in time: ";
    }

    tsdp_store_ops ops_;
    std::chrono::steady_clock::time_point deadline_;
    int connecting_ = -1;
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
    } catch (...) {
        // nothing may leave the shim: an exception through the harness's C ABI ends the Node process
        say(why, why_len, std::string(what) + ": an exception that is not a std::exception");
        return -1;
    }
}

std::string seconds_text(double s) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", s);
    return b;
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

extern "C" __attribute__((visibility("default"))) void* tsdp_gloo_join_until(void* device, int rank, int size, const tsdp_store_ops* ops, double timeout_s, double join_s, char* why,
                                                                              size_t why_len) {
    auto* j = new Joined();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds((long long)(join_s * 1000));
    TsdpStore store(*ops, deadline);
    std::string what = "Gloo's rendezvous (connectFullMesh)";
    const int code = guarded(why, why_len, what.c_str(), [&] {
        j->context = std::make_shared<gloo::rendezvous::Context>(rank, size);
        // Gloo waits 5 times its context's timeout for each connection (tcp/pair.h, waitUntil), one
        // after another: a fifth of what is left bounds a connection that never comes by the
        // deadline. At least 1 ms: 0 is Gloo's kNoTimeout, which waits forever.
        j->context->setTimeout(std::max(std::chrono::milliseconds(1), std::chrono::milliseconds((long long)(join_s * 1000 / 5))));
        try {
            j->context->connectFullMesh(store, ((Device*)device)->device);
        } catch (const std::exception& e) {
            // name the rank that did not connect (Gloo's message names only an address)
            if (store.connecting() >= 0)
                throw std::runtime_error("rank " + std::to_string(store.connecting()) + " did not connect to rank " + std::to_string(rank) + " within " + seconds_text(timeout_s) +
                                         " s (it published its Gloo address through the store, then failed or hangs, or is not a rank of this job): " + e.what());
            throw;
        }
        // the collectives' own timeout (their options read the context's)
        j->context->setTimeout(std::chrono::milliseconds((long long)(timeout_s * 1000)));
    });
    if (code != 0) {
        delete j;
        return nullptr;
    }
    return j;
}

extern "C" __attribute__((visibility("default"))) void* tsdp_gloo_join(void* device, int rank, int size, const tsdp_store_ops* ops, double timeout_s, char* why, size_t why_len) {
    return tsdp_gloo_join_until(device, rank, size, ops, timeout_s, timeout_s, why, why_len);
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
