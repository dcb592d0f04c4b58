// The rendezvous store (store.h): rank 0's server (a thread per connection, one map under a
// mutex) and every rank's client (one socket, one request at a time).
#include "store.h"

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

struct tsdp_harness::rdzv_store {
    std::string host;
    int port = 0;
    int rank = 0;
    std::string prefix;  // before every key this connection names
    int fd = -1;
    std::mutex mutex;  // one request and its reply at a time
    std::string local_address;
};

namespace tsdp_harness {
namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point start) { return std::chrono::duration<double>(clock_type::now() - start).count(); }

// ---- frames ----------------------------------------------------------------------------------

/** Writes all of it; false when the peer is gone. MSG_NOSIGNAL: a closed peer is an error, not SIGPIPE. */
bool send_all(int fd, const char* data, size_t n) {
    while (n > 0) {
        const ssize_t k = send(fd, data, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return false;
        data += k;
        n -= (size_t)k;
    }
    return true;
}

/** Reads exactly n bytes before the deadline (none: wait forever). 1: read; 0: the peer closed; -1: error; -2: timed out. */
int recv_all(int fd, char* data, size_t n, const clock_type::time_point* deadline) {
    while (n > 0) {
        if (deadline) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - clock_type::now()).count();
            if (left <= 0) return -2;
            pollfd p{fd, POLLIN, 0};
            const int r = poll(&p, 1, (int)std::min<long long>(left, 1000));
            if (r < 0 && errno != EINTR) return -1;
            if (r <= 0) continue;
        }
        const ssize_t k = recv(fd, data, n, 0);
        if (k < 0 && errno == EINTR) continue;
        if (k == 0) return 0;
        if (k < 0) return -1;
        data += k;
        n -= (size_t)k;
    }
    return 1;
}

void put_u32(std::string* out, uint32_t v) {
    const char b[4] = {(char)(v & 255), (char)((v >> 8) & 255), (char)((v >> 16) & 255), (char)((v >> 24) & 255)};
    out->append(b, 4);
}

uint32_t get_u32(const char* p) {
    return (uint32_t)(unsigned char)p[0] | (uint32_t)(unsigned char)p[1] << 8 | (uint32_t)(unsigned char)p[2] << 16 | (uint32_t)(unsigned char)p[3] << 24;
}

bool send_frame(int fd, const std::string& payload) {
    std::string frame;
    put_u32(&frame, (uint32_t)payload.size());
    frame += payload;
    return send_all(fd, frame.data(), frame.size());
}

// values are small (addresses, ids); a larger length is a stray connection speaking something else
constexpr uint32_t kMaxFrame = 64u << 20;

int recv_frame(int fd, std::string* payload, const clock_type::time_point* deadline) {
    char head[4];
    int r = recv_all(fd, head, 4, deadline);
    if (r != 1) return r;
    const uint32_t n = get_u32(head);
    if (n > kMaxFrame) return -1;
    payload->assign(n, '\0');
    return n == 0 ? 1 : recv_all(fd, &(*payload)[0], n, deadline);
}

/** The fields after a request's op byte; false when they do not parse. */
bool split_fields(const std::string& payload, std::vector<std::string>* fields) {
    for (size_t at = 1; at < payload.size();) {
        if (payload.size() - at < 4) return false;
        const uint32_t n = get_u32(payload.data() + at);
        at += 4;
        if (payload.size() - at < n) return false;
        fields->push_back(payload.substr(at, n));
        at += n;
    }
    return true;
}

std::string request(char op, const std::vector<std::string>& fields) {
    std::string out(1, op);
    for (const auto& f : fields) {
        put_u32(&out, (uint32_t)f.size());
        out += f;
    }
    return out;
}

// ---- rank 0's server -------------------------------------------------------------------------

struct server_state {
    std::mutex mutex;
    std::condition_variable changed;
    std::map<std::string, std::string> values;
};

/** Whether the peer of fd has closed its end (a client that gave up waiting). */
bool peer_closed(int fd) {
    char b;
    const ssize_t k = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

void serve_client(std::shared_ptr<server_state> state, int fd) {
    std::string payload;
    while (recv_frame(fd, &payload, nullptr) == 1 && !payload.empty()) {
        std::vector<std::string> f;
        if (!split_fields(payload, &f)) break;
        std::string reply;
        const char op = payload[0];
        if (op == 'S' && f.size() == 2) {
            {
                std::lock_guard<std::mutex> lock(state->mutex);
                state->values[f[0]] = f[1];
            }
            state->changed.notify_all();
            reply = "K";
        } else if (op == 'G' && f.size() == 1) {
            std::unique_lock<std::mutex> lock(state->mutex);
            bool gone = false;
            // the client has its own deadline; a client that gave up closes, and this thread ends
            while (!state->values.count(f[0]) && !(gone = peer_closed(fd))) state->changed.wait_for(lock, std::chrono::milliseconds(200));
            if (gone) break;
            reply = state->values[f[0]];
        } else if (op == 'C') {
            std::lock_guard<std::mutex> lock(state->mutex);
            for (const auto& k : f) reply += state->values.count(k) ? '1' : '0';
        } else {
            break;  // not tsdp's store protocol: drop the connection
        }
        if (!send_frame(fd, reply)) break;
    }
    close(fd);
}

void accept_loop(std::shared_ptr<server_state> state, int listener) {
    for (;;) {
        const int fd = accept(listener, nullptr, nullptr);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        std::thread(serve_client, state, fd).detach();
    }
}

/** A socket bound to port on every interface, IPv6 with IPv4 mapped (v6) or IPv4; -1 and errno when it cannot. */
int bound_socket(int port, bool v6) {
    const int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    int one = 1, zero = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int r;
    if (v6) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_addr = in6addr_any;
        a.sin6_port = htons((uint16_t)port);
        r = bind(fd, (sockaddr*)&a, sizeof a);
    } else {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_ANY);
        a.sin_port = htons((uint16_t)port);
        r = bind(fd, (sockaddr*)&a, sizeof a);
    }
    if (r != 0 || listen(fd, 512) != 0) {
        const int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/** Listens on port on every interface and serves until the process ends. */
bool serve(int port, std::string* why) {
    int fd = bound_socket(port, true);
    // a machine without IPv6: IPv4 alone
    if (fd < 0 && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)) fd = bound_socket(port, false);
    if (fd < 0) {
        *why = "rank 0 cannot serve the rendezvous store on port " + std::to_string(port) + ": " + std::strerror(errno) +
               (errno == EADDRINUSE ? " (another job or program holds it: choose another MASTER_PORT)" : "");
        return false;
    }
    std::thread(accept_loop, std::make_shared<server_state>(), fd).detach();
    return true;
}

// ---- every rank's client ---------------------------------------------------------------------

/** One connection attempt to host:port; the socket, or -1 with *why. */
int connect_once(const std::string& host, int port, std::string* why) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int e = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
    if (e != 0) {
        *why = std::string("cannot resolve ") + host + ": " + gai_strerror(e);
        return -1;
    }
    int fd = -1;
    for (addrinfo* a = found; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
        *why = std::strerror(errno);
        close(fd);
        fd = -1;
    }
    freeaddrinfo(found);
    return fd;
}

std::string address_of(int fd) {
    sockaddr_storage a{};
    socklen_t n = sizeof a;
    if (getsockname(fd, (sockaddr*)&a, &n) != 0) return "";
    char text[INET6_ADDRSTRLEN] = {0};
    if (a.ss_family == AF_INET) inet_ntop(AF_INET, &((sockaddr_in*)&a)->sin_addr, text, sizeof text);
    else if (a.ss_family == AF_INET6) {
        const in6_addr& v6 = ((sockaddr_in6*)&a)->sin6_addr;
        // an IPv4 peer reached through a dual-stack socket: its plain IPv4 form
        if (IN6_IS_ADDR_V4MAPPED(&v6)) inet_ntop(AF_INET, &v6.s6_addr[12], text, sizeof text);
        else inet_ntop(AF_INET6, &v6, text, sizeof text);
    }
    return text;
}

std::string seconds_text(double s) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", s);
    return b;
}

/** One request and its reply (waiting up to timeout_s; < 0: forever). */
int exchange(rdzv_store* s, const std::string& req, double timeout_s, std::string* reply, const std::string& what, std::string* why) {
    std::lock_guard<std::mutex> lock(s->mutex);
    if (s->fd < 0) {
        *why = "the rendezvous store at " + store_where(s) + " is closed after an earlier failure";
        return -1;
    }
    const auto deadline = clock_type::now() + std::chrono::milliseconds((long long)(timeout_s * 1000));
    int r = send_frame(s->fd, req) ? recv_frame(s->fd, reply, timeout_s < 0 ? nullptr : &deadline) : 0;
    if (r == 1) return 0;
    // a half-finished exchange leaves the stream out of step: no later request may use it
    close(s->fd);
    s->fd = -1;
    if (r == -2) *why = "rank " + std::to_string(s->rank) + ": " + what + " did not come from the rendezvous store at " + store_where(s) + " within " + seconds_text(timeout_s) + " s";
    else if (r == 0) *why = "rank " + std::to_string(s->rank) + ": the rendezvous store at " + store_where(s) + " closed the connection during " + what + " (rank 0, which serves it, exited?)";
    else *why = "rank " + std::to_string(s->rank) + ": " + what + " failed on the connection to the rendezvous store at " + store_where(s) + ": " + std::strerror(errno);
    return -1;
}

}  // namespace

rdzv_store* store_open(const std::string& host, int port, bool serve_it, int rank, const std::string& prefix, double timeout_s, std::string* why) {
    if (serve_it && !serve(port, why)) return nullptr;
    const auto start = clock_type::now();
    std::string last = "no attempt";
    int fd = -1;
    // rank 0 may start later than the others: keep trying until the timeout
    while ((fd = connect_once(host, port, &last)) < 0) {
        if (seconds_since(start) >= timeout_s) {
            *why = "rank " + std::to_string(rank) + " could not reach the rendezvous store at " + host + ":" + std::to_string(port) + " (MASTER_ADDR:MASTER_PORT, served by rank 0) within " +
                   seconds_text(timeout_s) + " s: " + last + " (has rank 0 started? is the port open between the machines?)";
            return nullptr;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto* s = new rdzv_store();
    s->host = host;
    s->port = port;
    s->rank = rank;
    s->prefix = prefix;
    s->fd = fd;
    s->local_address = address_of(fd);
    return s;
}

int store_set(rdzv_store* s, const std::string& key, const std::string& value, std::string* why) {
    std::string reply;
    return exchange(s, request('S', {s->prefix + key, value}), 60, &reply, "setting " + key, why);
}

int store_get(rdzv_store* s, const std::string& key, double timeout_s, std::string* value, std::string* why) {
    return exchange(s, request('G', {s->prefix + key}), timeout_s, value, "the value of " + key, why);
}

int store_check(rdzv_store* s, const std::vector<std::string>& keys, std::vector<bool>* present, std::string* why) {
    std::string reply;
    std::vector<std::string> named;
    for (const auto& k : keys) named.push_back(s->prefix + k);
    if (exchange(s, request('C', named), 60, &reply, "a check of " + std::to_string(keys.size()) + " keys", why) != 0) return -1;
    present->clear();
    for (char c : reply) present->push_back(c == '1');
    return present->size() == keys.size() ? 0 : -1;
}

int store_barrier(rdzv_store* s, const std::string& name, int rank, int size, double timeout_s, std::string* why) {
    const std::string prefix = "barrier/" + name + "/";
    if (store_set(s, prefix + std::to_string(rank), "", why) != 0) return -1;
    std::vector<std::string> keys;
    for (int r = 0; r < size; ++r) keys.push_back(prefix + std::to_string(r));
    const auto start = clock_type::now();
    std::vector<bool> present;
    std::string missing = "?";
    int count = 0;
    for (;;) {
        if (store_check(s, keys, &present, why) != 0) {
            // rank 0 gave up first (its own deadline came) and took the store with it: say who was missing
            *why += std::string("; ") + (count == 1 ? "rank " : "ranks ") + missing + " of " + std::to_string(size) + " had not arrived at the rendezvous (" + name + ")";
            return -1;
        }
        missing.clear();
        count = 0;
        for (int r = 0; r < size; ++r)
            if (!present[(size_t)r]) {
                missing += (count++ ? ", " : "") + std::to_string(r);
            }
        if (count == 0) return 0;
        if (seconds_since(start) >= timeout_s) {
            *why = "rank " + std::to_string(rank) + ": " + (count == 1 ? "rank " : "ranks ") + missing + " of " + std::to_string(size) + " did not arrive at the rendezvous (" + name + ") at " +
                   store_where(s) + " within " + seconds_text(timeout_s) + " s (not started, or failed before load(); WORLD_SIZE must count every rank)";
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

std::string store_local_address(const rdzv_store* s) { return s->local_address; }

std::string store_where(const rdzv_store* s) { return s->host + ":" + std::to_string(s->port); }

}  // namespace tsdp_harness
