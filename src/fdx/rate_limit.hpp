// ConnectionRateLimiter: at most `limit` FDX requests per connection in each fixed window of
// `window_seconds` (reference §9.2's 1207), counted per instance. A fixed window lets a client
// send up to twice the limit across a window's edge; what it bounds is the sustained rate. At
// most `max_keys` connections are counted at once; past that all counts restart (which only makes
// the limit more lenient). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace obauth::fdx {

class ConnectionRateLimiter {
 public:
  // `limit` 0: no limit.
  ConnectionRateLimiter(std::int64_t limit, std::int64_t window_seconds,
                        std::size_t max_keys = 100000)
      : limit_(limit), window_(window_seconds), max_keys_(max_keys) {}

  // Counts a request of `connection_id` at `now` (Unix seconds): 0 when it may proceed, else the
  // seconds until its window ends (it is not counted).
  std::int64_t Admit(std::string_view connection_id, std::int64_t now);

 private:
  struct Window {
    std::int64_t start = 0;
    std::int64_t count = 0;
  };
  const std::int64_t limit_;
  const std::int64_t window_;
  const std::size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, Window> windows_;
};

}  // namespace obauth::fdx
