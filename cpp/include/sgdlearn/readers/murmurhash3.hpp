// SPDX-License-Identifier: BSD-3-Clause
// MurmurHash3, x86 32-bit variant (Austin Appleby, public domain), and the way Vowpal
// Wabbit turns a feature name into an index (hashstring in vw/core/hash.h): a name made
// only of digits hashes to its value plus the namespace's hash, any other name to
// murmurhash3_x86_32(name, seed = namespace hash). A namespace's hash is its name hashed
// the same way with seed 0; the default namespace (a '|' followed by a space) has 0.
#pragma once

#include <cstdint>
#include <cstring>

namespace sgdlearn::readers {

inline std::uint32_t murmurhash3_x86_32(const char* key, std::size_t len, std::uint32_t seed) {
  auto rotl = [](std::uint32_t x, int r) { return (x << r) | (x >> (32 - r)); };
  const std::size_t n_blocks = len / 4;
  std::uint32_t h = seed;
  constexpr std::uint32_t c1 = 0xcc9e2d51, c2 = 0x1b873593;
  for (std::size_t i = 0; i < n_blocks; ++i) {
    std::uint32_t k;
    std::memcpy(&k, key + 4 * i, 4);  // little-endian, as VW on x86
    k *= c1;
    k = rotl(k, 15);
    k *= c2;
    h ^= k;
    h = rotl(h, 13);
    h = h * 5 + 0xe6546b64;
  }
  const auto* tail = reinterpret_cast<const unsigned char*>(key + 4 * n_blocks);
  std::uint32_t k = 0;
  switch (len & 3) {
    case 3: k ^= std::uint32_t(tail[2]) << 16; [[fallthrough]];
    case 2: k ^= std::uint32_t(tail[1]) << 8; [[fallthrough]];
    case 1:
      k ^= tail[0];
      k *= c1;
      k = rotl(k, 15);
      k *= c2;
      h ^= k;
  }
  h ^= std::uint32_t(len);
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

// VW's hashstring: digits-only names hash to value + seed, others to murmur3(name, seed).
// Callers pass names without surrounding whitespace (the parser's tokens never have any).
inline std::uint64_t vw_hash(const char* name, std::size_t len, std::uint64_t seed) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < len; ++i) {
    const unsigned digit = static_cast<unsigned char>(name[i]) - unsigned('0');
    if (digit > 9u) return murmurhash3_x86_32(name, len, std::uint32_t(seed));
    value = 10 * value + digit;
  }
  return value + seed;
}

}  // namespace sgdlearn::readers
