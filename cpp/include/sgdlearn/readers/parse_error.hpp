// SPDX-License-Identifier: BSD-3-Clause
// Errors of the readers. A ParseError names the file, the line (1-based; 0 when the
// problem is the file as a whole, such as a truncated gzip stream) and the reason, so
// that the user can open the file at that line. A SourceError is the operating
// system refusing to open or read a file; it keeps errno.
#pragma once

#include <stdexcept>
#include <string>

namespace sgdlearn::readers {

class ParseError : public std::runtime_error {
 public:
  ParseError(std::string path, long long line, std::string reason)
      : std::runtime_error(format(path, line, reason)),
        path_(std::move(path)),
        line_(line),
        reason_(std::move(reason)) {}

  const std::string& path() const { return path_; }
  long long line() const { return line_; }
  const std::string& reason() const { return reason_; }

 private:
  static std::string format(const std::string& path, long long line, const std::string& reason) {
    return line > 0 ? path + ":" + std::to_string(line) + ": " + reason : path + ": " + reason;
  }
  std::string path_;
  long long line_;
  std::string reason_;
};

class SourceError : public std::runtime_error {
 public:
  SourceError(std::string path, int error_number)
      : std::runtime_error(path), path_(std::move(path)), errno_(error_number) {}
  const std::string& path() const { return path_; }
  int error_number() const { return errno_; }

 private:
  std::string path_;
  int errno_;
};

// What a parser does with a malformed line: stop with a ParseError, or drop the line
// and count it (the first reason is kept for the report).
enum class OnError { kRaise, kSkip };

// A malformed line, thrown inside a parser and turned into a ParseError (with the
// file and line) or a skipped line by the block parser that called it.
struct LineError {
  std::string reason;
};

}  // namespace sgdlearn::readers
