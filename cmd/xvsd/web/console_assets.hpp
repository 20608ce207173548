// SPDX-License-Identifier: Apache-2.0
// The console's static files (console/*), compiled into the program by embed_console.cmake
// so that the daemon serves them whatever its install prefix or working directory.
#pragma once

#include <span>
#include <string_view>

namespace xvsd::web {

struct ConsoleAsset {
  std::string_view path;     // URL path, "/index.html"
  std::string_view content;
};

std::span<const ConsoleAsset> console_assets();

}  // namespace xvsd::web
