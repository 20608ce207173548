// SPDX-License-Identifier: Apache-2.0
#include "dataplane/bpf_loader.hpp"

#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

#include <fmt/format.h>
#include <xvs/error.hpp>

namespace xvs::detail {

namespace {

constexpr std::size_t kMaxObjectSize = 64u << 20;  // bound for inflating untrusted input
constexpr std::size_t kLogTailLines = 40;          // of libbpf's output in a load error

// libbpf prints through one process-wide callback. Ours keeps libbpf quiet, except that
// while an object loads on this thread its messages (including the verifier log, which
// libbpf prints when a program is rejected) are captured for the error message.
thread_local std::string* capture = nullptr;

int print_libbpf(enum libbpf_print_level level, const char* format, va_list args) {
  if (!capture || level == LIBBPF_DEBUG) return 0;
  va_list copy;
  va_copy(copy, args);
  int n = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  if (n > 0) {
    std::size_t at = capture->size();
    capture->resize(at + static_cast<std::size_t>(n) + 1);
    std::vsnprintf(capture->data() + at, static_cast<std::size_t>(n) + 1, format, args);
    capture->resize(at + static_cast<std::size_t>(n));
  }
  return 0;
}

class CaptureLibbpf {
public:
  CaptureLibbpf() {
    static std::once_flag once;
    std::call_once(once, [] { libbpf_set_print(print_libbpf); });
    capture = &text_;
  }
  ~CaptureLibbpf() { capture = nullptr; }
  CaptureLibbpf(const CaptureLibbpf&) = delete;
  CaptureLibbpf& operator=(const CaptureLibbpf&) = delete;

  // The last lines: where libbpf and the verifier say what went wrong.
  std::string tail() const {
    std::size_t pos = text_.size();
    for (std::size_t lines = 0; pos > 0 && lines <= kLogTailLines; --pos)
      if (text_[pos - 1] == '\n') ++lines;
    return text_.substr(pos);
  }

private:
  std::string text_;
};

bool is_elf(std::span<const std::uint8_t> data) {
  static constexpr std::array<std::uint8_t, 4> magic{0x7f, 'E', 'L', 'F'};
  return data.size() >= magic.size() && std::equal(magic.begin(), magic.end(), data.begin());
}

std::vector<std::uint8_t> inflate_object(std::span<const std::uint8_t> in) {
  z_stream z{};
  if (inflateInit(&z) != Z_OK) throw Error(Errc::system, "zlib: inflateInit failed");
  z.next_in = const_cast<Bytef*>(in.data());  // zlib's API is not const-correct
  z.avail_in = static_cast<uInt>(in.size());
  std::vector<std::uint8_t> out;
  int rc = Z_OK;
  while (rc == Z_OK && out.size() < kMaxObjectSize) {
    std::size_t at = out.size();
    out.resize(at + (in.size() * 4 > 65536 ? in.size() * 4 : 65536));
    z.next_out = out.data() + at;
    z.avail_out = static_cast<uInt>(out.size() - at);
    rc = inflate(&z, Z_NO_FLUSH);
    out.resize(out.size() - z.avail_out);
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END)
    throw Error(Errc::invalid_argument,
                fmt::format("BPF object of {} bytes is neither an ELF file nor zlib data "
                            "(zlib: {})",
                            in.size(), z.msg ? z.msg : "truncated or too large"));
  return out;
}

}  // namespace

BpfObject::BpfObject(std::span<const std::uint8_t> object, const char* name,
                     const std::function<void(bpf_object*)>& before_load) {
  std::vector<std::uint8_t> elf;
  if (!is_elf(object)) {
    elf = inflate_object(object);
    object = elf;
  }
  if (!is_elf(object))
    throw Error(Errc::invalid_argument, "BPF object: the inflated data is not an ELF file");

  CaptureLibbpf log;
  bpf_object_open_opts opts{};
  opts.sz = sizeof(opts);
  opts.object_name = name;
  obj_ = bpf_object__open_mem(object.data(), object.size(), &opts);
  if (!obj_) {
    int err = errno;
    throw Error(Errc::system, fmt::format("opening BPF object {}: {}\n{}", name,
                                          std::strerror(err), log.tail()));
  }
  try {
    if (before_load) before_load(obj_);
    if (int err = bpf_object__load(obj_))
      throw Error(Errc::system, fmt::format("loading BPF object {}: {}\n{}", name,
                                            std::strerror(-err), log.tail()));
  } catch (...) {
    bpf_object__close(obj_);
    throw;
  }
}

BpfObject::~BpfObject() { bpf_object__close(obj_); }

int BpfObject::program_fd(const char* name) const {
  struct bpf_program* prog = bpf_object__find_program_by_name(obj_, name);
  int fd = prog ? bpf_program__fd(prog) : -1;
  if (fd < 0) throw Error(Errc::system, fmt::format("BPF object has no program \"{}\"", name));
  return fd;
}

int BpfObject::map_fd(const char* name) const {
  struct bpf_map* map = bpf_object__find_map_by_name(obj_, name);
  int fd = map ? bpf_map__fd(map) : -1;
  if (fd < 0) throw Error(Errc::system, fmt::format("BPF object has no map \"{}\"", name));
  return fd;
}

std::string interface_name(int ifindex) {
  char name[IF_NAMESIZE] = {};
  if (if_indextoname(static_cast<unsigned>(ifindex), name)) return name;
  return fmt::format("ifindex {}", ifindex);
}

void attach_xdp(int prog_fd, int ifindex, bool native) {
  std::uint32_t flags = native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
  if (int err = bpf_xdp_attach(ifindex, prog_fd, flags, nullptr))
    throw_system(fmt::format("attaching XDP ({}) to {}", native ? "native" : "generic",
                             interface_name(ifindex)),
                 -err);
}

void detach_xdp(int prog_fd, int ifindex, bool native) noexcept {
  bpf_xdp_attach_opts opts{};
  opts.sz = sizeof(opts);
  opts.old_prog_fd = prog_fd;
  bpf_xdp_detach(ifindex, native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE, &opts);
}

std::uint32_t possible_cpus() {
  int n = libbpf_num_possible_cpus();
  if (n <= 0) throw_system("counting possible CPUs", -n);
  return static_cast<std::uint32_t>(n);
}

}  // namespace xvs::detail
