#include "testing/response_recorder.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>

namespace obauth::testing {
namespace {

// The media type of a Content-Type value, lowercased, without parameters.
std::string MediaType(std::string_view content_type) {
  std::string media(content_type.substr(0, content_type.find(';')));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  for (char& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return media;
}

bool IsJson(std::string_view media) {
  return media == "application/json" || media.ends_with("+json");
}

}  // namespace

void RecordExchange(const HttpRequest& request, const HttpResponse& response) {
  static const char* const directory = std::getenv(kRecordResponsesVariable);
  if (directory == nullptr || *directory == '\0') return;

  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string content_type = response.Header("Content-Type").value_or("");
  boost::json::object line{
      {"test", test == nullptr ? std::string("(outside a test)")
                               : std::string(test->test_suite_name()) + "." + test->name()},
      {"method", request.method},
      {"target", request.target},
      {"status", response.status},
      {"content_type", content_type},
      {"request_id", response.Header("X-Request-Id").value_or("")},
      {"body_bytes", response.body.size()},
  };
  if (IsJson(MediaType(content_type))) line["body"] = response.body;

  static std::mutex mu;
  const std::lock_guard lock(mu);
  const std::filesystem::path dir(directory);
  std::filesystem::create_directories(dir);
  const auto path = dir / (std::to_string(::getpid()) + ".jsonl");
  std::ofstream out(path, std::ios::app);
  out << boost::json::serialize(line) << '\n';
  if (!out) throw std::runtime_error("cannot record the response in " + path.string());
}

}  // namespace obauth::testing
