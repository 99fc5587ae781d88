// Fatal: a failure of the command line or of start-up that ends the process with a one-line
// message (main() prints it as "obauth: error: ..." and exits 1).
#pragma once

#include <string>
#include <type_traits>
#include <utility>

#include "core/error.hpp"

namespace obauth::app {

struct Fatal {
  std::string message;
};

// The value of `result`, or throws Fatal with its error's internal message (the public one when
// there is none).
template <class T>
T OrDie(Result<T> result) {
  if (!result) {
    const auto& e = result.error();
    throw Fatal{e.internal.empty() ? e.public_message : e.internal};
  }
  if constexpr (!std::is_void_v<T>) return std::move(*result);
}

}  // namespace obauth::app
