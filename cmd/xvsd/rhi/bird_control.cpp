// SPDX-License-Identifier: Apache-2.0
#include "bird_control.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace xvsd::rhi {
namespace {

class Connection {
public:
  Connection(const std::string& path, std::chrono::milliseconds timeout)
      : path_(path), deadline_(std::chrono::steady_clock::now() + timeout) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.size() >= sizeof sa.sun_path)
      throw std::runtime_error("BIRD control socket path too long: " + path);
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) fail("socket");
    if (connect(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
      const int err = errno;
      close(fd_);
      throw std::runtime_error("BIRD is not reachable at " + path + ": " + std::strerror(err) +
                               " (is bird running, with this control socket?)");
    }
  }
  ~Connection() { close(fd_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void send_line(const std::string& line) {
    const std::string data = line + "\n";
    std::size_t at = 0;
    while (at < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + at, data.size() - at, MSG_NOSIGNAL);
      if (n < 0) fail("write");
      at += static_cast<std::size_t>(n);
    }
  }

  std::string read_line() {
    for (;;) {
      if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline_ - std::chrono::steady_clock::now());
      if (left.count() <= 0) throw std::runtime_error("BIRD at " + path_ + " did not answer in time");
      pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n == 0) throw std::runtime_error("BIRD at " + path_ + " closed the control socket");
      if (n < 0) fail("read");
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }

  Reply read_reply() {
    Reply r;
    while (!parse_reply_line(read_line(), r)) {
    }
    return r;
  }

private:
  [[noreturn]] void fail(const char* what) const {
    throw std::runtime_error("BIRD control socket " + path_ + ": " + what + ": " +
                             std::strerror(errno));
  }

  std::string path_;
  std::chrono::steady_clock::time_point deadline_;
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace

std::string Reply::text() const {
  std::string out;
  for (const auto& l : lines) {
    if (!out.empty()) out += "; ";
    out += l.text;
  }
  return out;
}

bool parse_reply_line(const std::string& line, Reply& reply) {
  if (!line.empty() && line[0] == ' ') {
    reply.lines.push_back({0, line.substr(1)});
    return false;
  }
  const bool digits = line.size() >= 5 && std::isdigit(static_cast<unsigned char>(line[0])) &&
                      std::isdigit(static_cast<unsigned char>(line[1])) &&
                      std::isdigit(static_cast<unsigned char>(line[2])) &&
                      std::isdigit(static_cast<unsigned char>(line[3]));
  if (!digits || (line[4] != ' ' && line[4] != '-'))
    throw std::runtime_error("not a BIRD control-socket reply line: \"" + line + "\"");
  const int code = std::stoi(line.substr(0, 4));
  reply.lines.push_back({code, line.substr(5)});
  if (line[4] == '-') return false;
  reply.final_code = code;
  return true;
}

BirdControl::BirdControl(std::string socket_path, std::chrono::milliseconds timeout)
    : path_(std::move(socket_path)), timeout_(timeout) {}

Reply BirdControl::command(const std::string& line) const {
  Connection c(path_, timeout_);
  const Reply hello = c.read_reply();  // "0001 BIRD 2.0.12 ready."
  if (hello.final_code != 1)
    throw std::runtime_error("unexpected greeting on " + path_ + ": " + hello.text());
  c.send_line(line);
  return c.read_reply();
}

}  // namespace xvsd::rhi
