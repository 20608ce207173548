// SPDX-License-Identifier: Apache-2.0
// A client of BIRD 2's control socket (the one birdc uses): it connects, reads BIRD's
// greeting, sends one command line and reads the reply. BIRD replies in lines of a four-digit
// code and text: "CODE-text" continues the reply, "CODE text" ends it, " text" continues the
// previous code's text. Codes 0xxx report success, 1xxx are tables, 8xxx and 9xxx errors.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace xvsd::rhi {

struct ReplyLine {
  int code = 0;          // 0 when the line continues the previous code
  std::string text;
};

struct Reply {
  std::vector<ReplyLine> lines;
  int final_code = 0;    // the code of the line that ended the reply
  bool ok() const { return final_code > 0 && final_code < 8000; }
  std::string text() const;  // all lines' text, joined with "; "
};

// Adds one received line to `reply`; true when it ended the reply. Throws
// std::runtime_error on a line that is not in BIRD's format.
bool parse_reply_line(const std::string& line, Reply& reply);

class BirdControl {
public:
  explicit BirdControl(std::string socket_path,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // One command ("configure", "show protocols"); throws std::runtime_error naming the socket
  // when BIRD cannot be reached or does not answer within the timeout.
  Reply command(const std::string& line) const;

  const std::string& path() const { return path_; }

private:
  std::string path_;
  std::chrono::milliseconds timeout_;
};

}  // namespace xvsd::rhi
