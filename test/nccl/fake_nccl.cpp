// An in-process stand-in for libnccl.so.2 on the CPU target, for test/nccl-errors.test.ts: the
// CPU shim's virtual devices share host memory, so an all-reduce is a sum over the ranks' buffers
// at ncclGroupEnd (every rank's call is in one group, as tsdp issues them). It sums in rank order,
// as tsdp's own stand-in does, so both give the same bits.
//
// FAKE_NCCL_FAIL injects NCCL's failures (groups counted from ncclCommInitAll, one model):
// "group_end:N" makes the N-th ncclGroupEnd return
// ncclSystemError without summing; "async:N" makes ncclCommGetAsyncError report
// ncclRemoteError from the N-th group on (a peer lost while the collective ran).
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {
struct Call {
  const float* send;
  float* recv;
  size_t count;
  int rank;
};
struct Comm {
  int rank;
  bool aborted = false;
};
int depth = 0, groups = 0;
std::vector<Call> pending;

int injected(const char* kind) {
  const char* spec = std::getenv("FAKE_NCCL_FAIL");
  if (!spec) return 0;
  std::string s(spec), k = std::string(kind) + ":";
  return s.rfind(k, 0) == 0 ? std::atoi(s.c_str() + k.size()) : 0;
}
}  // namespace

extern "C" {
int ncclCommInitAll(void** comms, int n, const int*) {
  groups = 0;  // a new model: FAKE_NCCL_FAIL counts its groups
  pending.clear();
  for (int i = 0; i < n; ++i) comms[i] = new Comm{i};
  return 0;
}
int ncclCommDestroy(void* c) {
  delete static_cast<Comm*>(c);
  return 0;
}
int ncclCommAbort(void* c) {
  delete static_cast<Comm*>(c);
  return 0;
}
int ncclGroupStart() {
  ++depth;
  return 0;
}
int ncclAllReduce(const void* send, void* recv, size_t count, int dtype, int op, void* comm, void*) {
  if (dtype != 7 || op != 0 || !comm) return 4;  // ncclInvalidArgument: only float sums are faked
  pending.push_back({static_cast<const float*>(send), static_cast<float*>(recv), count, static_cast<Comm*>(comm)->rank});
  return 0;
}
int ncclGroupEnd() {
  if (--depth > 0) return 0;
  ++groups;
  std::vector<Call> calls;
  calls.swap(pending);
  if (injected("group_end") == groups) return 2;  // ncclSystemError
  // the k-th call of every rank is one collective
  std::vector<std::vector<Call>> byRank;
  for (const Call& c : calls) {
    if (int(byRank.size()) <= c.rank) byRank.resize(c.rank + 1);
    byRank[c.rank].push_back(c);
  }
  for (size_t k = 0; k < byRank[0].size(); ++k) {
    std::vector<float> sum(byRank[0][k].send, byRank[0][k].send + byRank[0][k].count);
    for (size_t r = 1; r < byRank.size(); ++r)
      for (size_t j = 0; j < sum.size(); ++j) sum[j] += byRank[r][k].send[j];
    for (auto& rank : byRank) std::memcpy(rank[k].recv, sum.data(), sum.size() * sizeof(float));
  }
  return 0;
}
int ncclCommGetAsyncError(void*, int* async) {
  const int from = injected("async");
  *async = from > 0 && groups >= from ? 6 : 0;  // ncclRemoteError
  return 0;
}
const char* ncclGetErrorString(int code) {
  switch (code) {
    case 2: return "unhandled system error (fake)";
    case 4: return "invalid argument (fake)";
    case 6: return "remote process exited or there was a network error (fake)";
    default: return "unknown result (fake)";
  }
}
}
