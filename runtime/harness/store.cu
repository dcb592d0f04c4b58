// The rendezvous store (store.h): rank 0's server (a thread per connection, one map under a
// mutex) and every rank's client (one socket, one request at a time).
//
// The server listens on every interface, so anything that reaches MASTER_PORT talks to it (README,
// Trust model): what a stranger can make rank 0 hold is bounded. A frame is at most what the
// store's real messages need for the job's world size, its buffer grows as its bytes arrive (a
// length alone allocates nothing), the bytes held in all (the map and the frames being read) have
// a cap, a connection that stalls is dropped, the connections are capped at a world size's worth
// plus slack, and no exception leaves a store thread (one would end the Node process).
#include "store.h"

#include <cerrno>
#include <chrono>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <system_error>
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

/** Reads some of n bytes before the deadline (none: wait forever). >0: how many; 0: the peer closed; -1: error; -2: timed out. */
long recv_some(int fd, char* data, size_t n, const clock_type::time_point* deadline) {
    for (;;) {
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
        return k < 0 ? -1 : (long)k;
    }
}

/** Reads exactly n bytes before the deadline (none: wait forever). 1: read; 0: the peer closed; -1: error; -2: timed out. */
int recv_all(int fd, char* data, size_t n, const clock_type::time_point* deadline) {
    while (n > 0) {
        const long k = recv_some(fd, data, n, deadline);
        if (k <= 0) return (int)k;
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

// A frame's length word with this bit set is the server's refusal: the rest is its message (a
// real frame is far shorter than 2 GiB). A client from before it reads it as an over-long frame
// and drops the connection, as it did.
constexpr uint32_t kRefusal = 0x80000000u;
constexpr uint32_t kMaxRefusal = 1024;

// The longest reply a client reads: values are small (addresses, ids; see frame_cap); a larger
// length is a stray server speaking something else
constexpr uint32_t kMaxFrame = 64u << 20;

/** The server's refusal: a message instead of a reply. */
bool send_refusal(int fd, const std::string& text) {
    const std::string t = text.substr(0, kMaxRefusal);
    std::string frame;
    put_u32(&frame, kRefusal | (uint32_t)t.size());
    frame += t;
    return send_all(fd, frame.data(), frame.size());
}

/**
 * Refuses a connection's request with a message, for its thread to close. The rest of what the
 * peer sends is read and dropped (for up to a second) first: closing a socket with unread bytes
 * resets the connection, and a reset can discard the message before the peer reads it.
 */
void refuse(int fd, const std::string& text) {
    send_refusal(fd, text);
    shutdown(fd, SHUT_WR);
    const auto until = clock_type::now() + std::chrono::seconds(1);
    char sink[4096];
    while (recv_some(fd, sink, sizeof sink, &until) > 0) {
    }
}

/**
 * Reads a frame of at most max bytes into *payload, which grows as its bytes arrive (a length
 * alone allocates nothing). `start`: how long the frame's first byte may take (none: forever);
 * once it has begun, `idle` is the longest pause between its bytes (none: forever). 1: read; 0:
 * the peer closed before the frame began; -1: error, a close mid-frame, or a length over max; -2:
 * timed out; -3: a refusal (its message in *payload); -5: a length over max. `counted` (the server's bytes held): each
 * byte read is added to it, and -4 when that passes `held_cap`.
 */
int recv_frame(int fd, std::string* payload, size_t max, const clock_type::time_point* start, const clock_type::duration* idle, std::atomic<size_t>* counted = nullptr,
               size_t held_cap = 0) {
    payload->clear();
    char head[4];
    size_t got = 0;
    clock_type::time_point deadline;
    while (got < 4) {
        const clock_type::time_point* until = got == 0 || !idle ? start : &(deadline = clock_type::now() + *idle);
        const long k = recv_some(fd, head + got, 4 - got, until);
        if (k <= 0) return got > 0 && k == 0 ? -1 : (int)k;
        got += (size_t)k;
    }
    uint32_t n = get_u32(head);
    const bool refusal = (n & kRefusal) != 0;
    if (refusal) n &= ~kRefusal;
    if (n > (refusal ? kMaxRefusal : max)) return refusal ? -1 : -5;
    char chunk[16384];
    while (payload->size() < n) {
        const long k = recv_some(fd, chunk, std::min(sizeof chunk, n - payload->size()), idle ? &(deadline = clock_type::now() + *idle) : start);
        if (k <= 0) return k == 0 ? -1 : (int)k;
        if (counted && counted->fetch_add((size_t)k) + (size_t)k > held_cap) {
            counted->fetch_sub((size_t)k);  // *counted keeps what *payload holds: the caller gives that back
            return -4;
        }
        payload->append(chunk, (size_t)k);
    }
    return refusal ? -3 : 1;
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

// How long a connection may keep the server waiting mid-way: for its first request after it
// connects (a rank sends one at once: the join's barrier), and between the bytes of any frame (a
// rank sends each frame whole). Between requests there is no limit: a rank's connection stays
// open, idle, while it trains, until its next request (group_publish). A send blocked this long
// (a peer that does not read its replies) drops the connection too.
constexpr auto kIdle = std::chrono::seconds(10);

/**
 * The longest frame the store's real messages need for a world of `size` ranks (README: Gloo's and
 * NCCL's rendezvous): Gloo's connectFullMesh sets, per rank, its hostname (≤ 256 bytes) and one
 * address per other rank (sizeof of tcp::Address's sockaddr_storage and sequence number, 136 bytes;
 * gloo::transport::Address::kMaxByteSize, 192, bounds any transport's); the barrier checks `size`
 * keys of a few dozen bytes each; NCCL's id is 128 bytes. 512 bytes a rank and 64 KiB for the keys
 * and the rest leave room without letting a length word make rank 0 hold megabytes.
 */
size_t frame_cap(int size) { return (size_t(64) << 10) + size_t(512) * (size_t)std::max(size, 1); }

struct server_state {
    std::mutex mutex;
    std::condition_variable changed;
    std::map<std::string, std::string> values;
    // the limits, from the job's world size (serve)
    size_t max_frame = 0;
    size_t max_held = 0;
    int max_connections = 0;
    int size = 0;
    /** The bytes held: the map's keys and values, and every frame being read. */
    std::atomic<size_t> held{0};
    std::atomic<int> connections{0};
};

/** Whether the peer of fd has closed its end (a client that gave up waiting). */
bool peer_closed(int fd) {
    char b;
    const ssize_t k = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/** One connection's requests until it closes, errs, stalls or speaks something else. */
void serve_requests(server_state* state, int fd) {
    std::string payload;
    for (bool first = true;; first = false) {
        const auto start = clock_type::now() + kIdle;
        const clock_type::duration idle = kIdle;
        const int r = recv_frame(fd, &payload, state->max_frame, first ? &start : nullptr, &idle, &state->held, state->max_held);
        // the frame's bytes are no longer held once it is parsed: what the map keeps is counted there
        struct release {
            server_state* s;
            const std::string& p;
            ~release() { s->held.fetch_sub(p.size()); }
        } released{state, payload};
        if (r == -4) {
            refuse(fd, "rank 0's rendezvous store holds its limit of " + std::to_string(state->max_held) + " bytes for a world of " + std::to_string(state->size) +
                                 " (a process that is not a rank of this job is writing to MASTER_PORT?)");
            return;
        }
        if (r == -5) {
            refuse(fd, "rank 0's rendezvous store takes frames of up to " + std::to_string(state->max_frame) + " bytes for a world of " + std::to_string(state->size) +
                           " (a process that is not a rank of this job, or of another tsdp version, at MASTER_PORT?)");
            return;
        }
        if (r != 1 || payload.empty()) return;  // closed, or stalled (kIdle): not a rank of this job
        std::vector<std::string> f;
        if (!split_fields(payload, &f)) return;
        std::string reply;
        const char op = payload[0];
        if (op == 'S' && f.size() == 2) {
            {
                std::lock_guard<std::mutex> lock(state->mutex);
                auto at = state->values.find(f[0]);
                const size_t before = at == state->values.end() ? 0 : at->first.size() + at->second.size();
                const size_t after = f[0].size() + f[1].size();
                if (after > before && state->held.fetch_add(after - before) + (after - before) > state->max_held) {
                    state->held.fetch_sub(after - before);
                    reply.clear();
                } else {
                    if (after < before) state->held.fetch_sub(before - after);
                    state->values[f[0]] = f[1];
                    reply = "K";
                }
            }
            if (reply.empty()) {
                refuse(fd, "rank 0's rendezvous store holds its limit of " + std::to_string(state->max_held) + " bytes for a world of " + std::to_string(state->size) +
                                     " and cannot keep " + std::to_string(f[0].size() + f[1].size()) + " more (a process that is not a rank of this job is writing to MASTER_PORT?)");
                return;
            }
            state->changed.notify_all();
        } else if (op == 'G' && f.size() == 1) {
            std::unique_lock<std::mutex> lock(state->mutex);
            bool gone = false;
            // the client has its own deadline; a client that gave up closes, and this thread ends
            while (!state->values.count(f[0]) && !(gone = peer_closed(fd))) state->changed.wait_for(lock, std::chrono::milliseconds(200));
            if (gone) return;
            reply = state->values[f[0]];
        } else if (op == 'C') {
            std::lock_guard<std::mutex> lock(state->mutex);
            for (const auto& k : f) reply += state->values.count(k) ? '1' : '0';
        } else {
            return;  // not tsdp's store protocol: drop the connection
        }
        if (!send_frame(fd, reply)) return;
    }
}

/** A connection's thread: nothing may leave it (an exception out of a thread ends the process, Node with it). */
void serve_client(std::shared_ptr<server_state> state, int fd) {
    try {
        serve_requests(state.get(), fd);
    } catch (...) {
        // out of memory in the map or a reply: this connection ends, the store goes on
    }
    close(fd);
    state->connections.fetch_sub(1);
}

void accept_connections(const std::shared_ptr<server_state>& state, int listener) {
    for (;;) {
        const int fd = accept(listener, nullptr, nullptr);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            // out of descriptors (EMFILE) or memory: wait for connections to end
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        timeval send_limit{(time_t)std::chrono::duration_cast<std::chrono::seconds>(kIdle).count(), 0};
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_limit, sizeof send_limit);
        // a thread per connection, up to a world size's worth and slack: beyond, refused with a message
        if (state->connections.fetch_add(1) >= state->max_connections) {
            state->connections.fetch_sub(1);
            send_refusal(fd, "rank 0's rendezvous store has " + std::to_string(state->max_connections) + " connections open, the most it serves for a world of " +
                                 std::to_string(state->size) + " (processes that are not ranks of this job hold connections to MASTER_PORT?)");
            close(fd);
            continue;
        }
        try {
            std::thread(serve_client, state, fd).detach();
        } catch (const std::exception& e) {
            // no thread to be had (RLIMIT_NPROC, memory): refuse this connection, keep serving the others
            state->connections.fetch_sub(1);
            send_refusal(fd, std::string("rank 0 cannot start a thread for another connection to its rendezvous store: ") + e.what());
            close(fd);
        }
    }
}

/** The listener's thread: nothing may leave it either. */
void accept_loop(std::shared_ptr<server_state> state, int listener) {
    for (;;) {
        try {
            accept_connections(state, listener);
        } catch (...) {
            // out of memory while refusing: try again shortly
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
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

/** Listens on port on every interface and serves a job of `size` ranks until the process ends. */
bool serve(int port, int size, std::string* why) {
    int fd = bound_socket(port, true);
    // a machine without IPv6: IPv4 alone
    if (fd < 0 && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)) fd = bound_socket(port, false);
    if (fd < 0) {
        *why = "rank 0 cannot serve the rendezvous store on port " + std::to_string(port) + ": " + std::strerror(errno) +
               (errno == EADDRINUSE ? " (another job or program holds it: choose another MASTER_PORT)" : "");
        return false;
    }
    try {
        auto state = std::make_shared<server_state>();
        state->size = size;
        state->max_frame = frame_cap(size);
        // each rank holds a connection per model library it loaded (each joins on its own): room
        // for four models' at any world size and 64 more (more models, joins that failed and tried
        // again); a thread each, so a flood of connections is refused with a message, not a thread
        state->max_connections = 4 * std::max(size, 1) + 64;
        // four full exchanges of Gloo's addresses at this world size, and 16 MiB for the many small
        // joins of a process that loads one model after another
        state->max_held = (size_t(16) << 20) + 4 * (size_t)std::max(size, 1) * state->max_frame;
        std::thread(accept_loop, state, fd).detach();
    } catch (const std::exception& e) {
        close(fd);
        *why = std::string("rank 0 cannot start the rendezvous store's thread: ") + e.what();
        return false;
    }
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
    int r = send_frame(s->fd, req) ? recv_frame(s->fd, reply, kMaxFrame, timeout_s < 0 ? nullptr : &deadline, nullptr) : 0;
    if (r == 1) return 0;
    // a half-finished exchange leaves the stream out of step: no later request may use it
    close(s->fd);
    s->fd = -1;
    if (r == -3) *why = "rank " + std::to_string(s->rank) + ": the rendezvous store at " + store_where(s) + " refused " + what + ": " + *reply;
    else if (r == -2) *why = "rank " + std::to_string(s->rank) + ": " + what + " did not come from the rendezvous store at " + store_where(s) + " within " + seconds_text(timeout_s) + " s";
    else if (r == 0) *why = "rank " + std::to_string(s->rank) + ": the rendezvous store at " + store_where(s) + " closed the connection during " + what + " (rank 0, which serves it, exited?)";
    else *why = "rank " + std::to_string(s->rank) + ": " + what + " failed on the connection to the rendezvous store at " + store_where(s) + ": " + std::strerror(errno);
    return -1;
}

}  // namespace

rdzv_store* store_open(const std::string& host, int port, bool serve_it, int size, int rank, const std::string& prefix, double timeout_s, const deadline_type& deadline,
                       std::string* why) {
    if (serve_it && !serve(port, size, why)) return nullptr;
    std::string last = "no attempt";
    int fd = -1;
    // rank 0 may start later than the others: keep trying until the deadline
    while ((fd = connect_once(host, port, &last)) < 0) {
        if (clock_type::now() >= deadline) {
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

int store_barrier(rdzv_store* s, const std::string& name, int rank, int size, double timeout_s, const deadline_type& deadline, std::string* why) {
    const std::string prefix = "barrier/" + name + "/";
    if (store_set(s, prefix + std::to_string(rank), "", why) != 0) return -1;
    std::vector<std::string> keys;
    for (int r = 0; r < size; ++r) keys.push_back(prefix + std::to_string(r));
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
        if (clock_type::now() >= deadline) {
            *why = "rank " + std::to_string(rank) + ": " + (count == 1 ? "rank " : "ranks ") + missing + " of " + std::to_string(size) + " did not arrive at the rendezvous (" + name + ") at " +
                   store_where(s) + " within " + seconds_text(timeout_s) + " s (not started, or failed before load(); WORLD_SIZE must count every rank)";
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

void store_close(rdzv_store* s) {
    if (!s) return;
    if (s->fd >= 0) close(s->fd);
    delete s;
}

std::string store_local_address(const rdzv_store* s) { return s->local_address; }

std::string store_where(const rdzv_store* s) { return s->host + ":" + std::to_string(s->port); }

}  // namespace tsdp_harness
