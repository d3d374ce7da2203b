#pragma once
// Byte streams for formats that must not be built whole in memory (a snapshot of a million keys).
// A ByteSink takes bytes in order; a ByteSource gives them back. Files implement them in
// util/file.h; strings implement them here, for tests and small payloads.
//
// Thread-compatible.

#include <cstddef>
#include <string>
#include <string_view>

#include "util/status.h"

namespace arbor::util {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Appends `data`. An error is final: the writer stops and reports it.
  [[nodiscard]] virtual Status append(std::string_view data) = 0;
};

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `n` bytes into `buf` and sets `*got`; fewer than `n` only at the end of input.
  [[nodiscard]] virtual Status read(char* buf, size_t n, size_t* got) = 0;
};

class StringSink final : public ByteSink {
 public:
  explicit StringSink(std::string* out) : out_(out) {}
  Status append(std::string_view data) override {
    out_->append(data);
    return Status();
  }

 private:
  std::string* out_;  // Not owned; outlives this sink.
};

class StringSource final : public ByteSource {
 public:
  explicit StringSource(std::string_view in) : in_(in) {}
  Status read(char* buf, size_t n, size_t* got) override {
    *got = in_.copy(buf, n);
    in_.remove_prefix(*got);
    return Status();
  }
  size_t remaining() const { return in_.size(); }

 private:
  std::string_view in_;  // Not owned; what is left to read.
};

}  // namespace arbor::util
