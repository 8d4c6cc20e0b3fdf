// SPDX-License-Identifier: BSD-3-Clause
// A driver for fuzz_parsers.cpp where libFuzzer is not at hand (g++): runs each file of
// the given folders, then -runs=N random mutations of them (byte flips, insertions of
// bytes the parsers care about, deletions, splices), seeded by -seed=N. Build it with
// -fsanitize=address,undefined so that memory errors abort.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size);

int main(int argc, char** argv) {
  long runs = 0;
  unsigned long seed = 12345;
  std::vector<std::string> corpus;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("-runs=", 0) == 0) {
      runs = std::stol(arg.substr(6));
      continue;
    }
    if (arg.rfind("-seed=", 0) == 0) {
      seed = std::stoul(arg.substr(6));
      continue;
    }
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(arg)) {
      for (const auto& entry : std::filesystem::directory_iterator(arg)) files.push_back(entry.path());
    } else {
      files.push_back(arg);
    }
    for (const auto& path : files) {
      std::ifstream in(path, std::ios::binary);
      corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  for (const auto& input : corpus) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  }
  if (corpus.empty()) corpus.emplace_back("\x00" "1 1:1\n", 7);
  static const char kInteresting[] = " \t\n\r:|#,;.-+eE0123456789qidnaf'";
  std::mt19937_64 rng(seed);
  for (long run = 0; run < runs; ++run) {
    std::string input = corpus[rng() % corpus.size()];
    const int edits = 1 + int(rng() % 8);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = input.empty() ? 0 : rng() % input.size();
      switch (rng() % 5) {
        case 0: if (!input.empty()) input[at] = char(rng()); break;
        case 1: input.insert(at, 1, kInteresting[rng() % (sizeof(kInteresting) - 1)]); break;
        case 2: if (!input.empty()) input.erase(at, 1 + rng() % 4); break;
        case 3: {
          const std::string& other = corpus[rng() % corpus.size()];
          if (!other.empty()) input.insert(at, other.substr(rng() % other.size(), 1 + rng() % 20));
          break;
        }
        default: if (!input.empty()) input[0] = char(rng()); break;
      }
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  }
  std::printf("ran %zu corpus inputs and %ld mutations: no crash, no broken invariant\n",
              corpus.size(), runs);
  return 0;
}
