// SPDX-License-Identifier: BSD-3-Clause
// Byte sources: the bytes of one file, plain or gzip. Gzip is recognised by its magic
// bytes (1f 8b), not by the file name, and may hold several concatenated members (as
// `cat a.gz b.gz` makes). A stream that ends before its last member does is a
// ParseError ("truncated gzip stream"), never a silently shorter file.
#pragma once

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "sgdlearn/readers/parse_error.hpp"

namespace sgdlearn::readers {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Up to n bytes into buf; 0 only at the end of the data.
  virtual std::size_t read(char* buf, std::size_t n) = 0;
};

// A file descriptor, read with read(2).
class FileSource : public ByteSource {
 public:
  explicit FileSource(const std::string& path) : path_(path), fd_(::open(path.c_str(), O_RDONLY)) {
    if (fd_ < 0) throw SourceError(path, errno);
  }
  ~FileSource() override { ::close(fd_); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  std::size_t read(char* buf, std::size_t n) override {
    for (;;) {
      const ssize_t got = ::read(fd_, buf, n);
      if (got >= 0) return std::size_t(got);
      if (errno != EINTR) throw SourceError(path_, errno);
    }
  }

 private:
  std::string path_;
  int fd_;
};

// Inflates gzip members from an underlying source, one after another.
class GzipSource : public ByteSource {
 public:
  GzipSource(const std::string& path, std::unique_ptr<ByteSource> raw)
      : path_(path), raw_(std::move(raw)), input_(kInputBytes) {
    if (inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK) {
      throw ParseError(path_, 0, "cannot start gzip decompression");
    }
  }
  ~GzipSource() override { inflateEnd(&stream_); }
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  std::size_t read(char* buf, std::size_t n) override {
    stream_.next_out = reinterpret_cast<Bytef*>(buf);
    stream_.avail_out = uInt(std::min<std::size_t>(n, kMaxChunk));
    const uInt wanted = stream_.avail_out;
    while (stream_.avail_out == wanted) {
      if (stream_.avail_in == 0) {
        const std::size_t got = raw_->read(input_.data(), input_.size());
        if (got == 0) {
          if (in_member_) throw ParseError(path_, 0, "truncated gzip stream (unexpected end of file)");
          return 0;
        }
        stream_.next_in = reinterpret_cast<Bytef*>(input_.data());
        stream_.avail_in = uInt(got);
      }
      if (!in_member_) {
        // Another member follows, or zero padding (which gzip and Python skip), or
        // trailing bytes that are refused.
        while (stream_.avail_in > 0 && stream_.next_in[0] == 0) {
          ++stream_.next_in;
          --stream_.avail_in;
        }
        if (stream_.avail_in == 0) continue;
        if (stream_.next_in[0] != 0x1f) {
          throw ParseError(path_, 0, "unexpected bytes after the end of the gzip stream");
        }
        inflateReset(&stream_);
        in_member_ = true;
      }
      const int status = inflate(&stream_, Z_NO_FLUSH);
      if (status == Z_STREAM_END) {
        in_member_ = false;
      } else if (status != Z_OK && status != Z_BUF_ERROR) {
        throw ParseError(path_, 0, std::string("corrupt gzip data (") +
                                       (stream_.msg ? stream_.msg : "inflate failed") + ")");
      }
    }
    return wanted - stream_.avail_out;
  }

 private:
  static constexpr std::size_t kInputBytes = 1 << 18;
  static constexpr std::size_t kMaxChunk = 1u << 30;
  std::string path_;
  std::unique_ptr<ByteSource> raw_;
  std::vector<char> input_;
  z_stream stream_{};
  bool in_member_ = true;
};

// Replays a few bytes already read (the magic-number sniff) before the rest.
class PrefixedSource : public ByteSource {
 public:
  PrefixedSource(std::string prefix, std::unique_ptr<ByteSource> rest)
      : prefix_(std::move(prefix)), rest_(std::move(rest)) {}
  std::size_t read(char* buf, std::size_t n) override {
    if (used_ < prefix_.size()) {
      const std::size_t take = std::min(n, prefix_.size() - used_);
      prefix_.copy(buf, take, used_);
      used_ += take;
      return take;
    }
    return rest_->read(buf, n);
  }

 private:
  std::string prefix_;
  std::size_t used_ = 0;
  std::unique_ptr<ByteSource> rest_;
};

// The file's bytes, inflated when it starts with the gzip magic bytes.
inline std::unique_ptr<ByteSource> open_source(const std::string& path) {
  auto file = std::make_unique<FileSource>(path);
  char magic[2];
  std::size_t got = 0;
  while (got < 2) {
    const std::size_t n = file->read(magic + got, 2 - got);
    if (n == 0) break;
    got += n;
  }
  std::unique_ptr<ByteSource> source =
      std::make_unique<PrefixedSource>(std::string(magic, got), std::move(file));
  if (got == 2 && static_cast<unsigned char>(magic[0]) == 0x1f &&
      static_cast<unsigned char>(magic[1]) == 0x8b) {
    source = std::make_unique<GzipSource>(path, std::move(source));
  }
  return source;
}

}  // namespace sgdlearn::readers
