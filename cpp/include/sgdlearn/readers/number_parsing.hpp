// SPDX-License-Identifier: BSD-3-Clause
// Token-level number parsing shared by the text parsers: exact (correctly rounded)
// decimal floats through std::from_chars, plain decimal integers, and the whitespace
// set that Python's bytes.split() uses, so tokens split as scikit-learn splits them.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "sgdlearn/readers/parse_error.hpp"

namespace sgdlearn::readers {

// ASCII whitespace as bytes.split() sees it: space, \t, \n, \v, \f, \r.
inline bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

inline const char* skip_spaces(const char* p, const char* end) {
  while (p < end && is_space(*p)) ++p;
  return p;
}

inline const char* token_end(const char* p, const char* end) {
  while (p < end && !is_space(*p)) ++p;
  return p;
}

inline std::string quoted(const char* begin, const char* end) {
  constexpr std::ptrdiff_t kMaxShown = 40;
  std::string text(begin, std::min(end, begin + kMaxShown));
  if (end - begin > kMaxShown) text += "...";
  return "'" + text + "'";
}

// -- Digit runs a word at a time ---------------------------------------------------
// Eight bytes read as one little-endian word (the first byte lowest): the length of a
// run of digits and its value come without a branch per digit. A loop's exit, taken
// at another length for every number (an index, a fraction), was mispredicted more
// often than not. Runs whose length is predictable (a value's whole part, mostly one
// digit) stay byte by byte: each word read waits for the one before it.

constexpr bool kWordDigits = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
constexpr std::uint64_t kAsciiZeros = 0x3030303030303030u;

inline std::uint64_t load_word(const char* p) {
  std::uint64_t word;
  std::memcpy(&word, p, sizeof word);
  return word;
}

// How many of the first bytes of a word less kAsciiZeros were ASCII digits (0..8): a
// digit leaves 0..9, anything else a byte with its top bit set here or after adding
// 0x76. Borrows and carries move only upwards, from the first non-digit on.
inline int leading_digits(std::uint64_t less_zeros) {
  const std::uint64_t non_digit =
      (less_zeros | (less_zeros + 0x7676767676767676u)) & 0x8080808080808080u;
  return non_digit ? __builtin_ctzll(non_digit) >> 3 : 8;
}

// The value of the first n (0..8) digits of a word less kAsciiZeros: the bytes after
// them shifted out (in two steps, so that n = 0 leaves 0), then the eight-digit
// multiply of simdjson and fast_float.
inline std::uint64_t digits_value(std::uint64_t less_zeros, int n) {
  const int half_shift = 4 * (8 - n);
  std::uint64_t v = (less_zeros << half_shift) << half_shift;
  v = v * 10 + (v >> 8);
  constexpr std::uint64_t kMask = 0x000000FF000000FFu;
  return ((v & kMask) * 0x000F424000000064u + ((v >> 16) & kMask) * 0x0000271000000001u) >> 32;
}

// Powers of ten that decimal parsing multiplies and divides by, exact in their types.
constexpr std::uint64_t kDigitScales[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
constexpr double kPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// parse_decimal's result for the commonest form of feature values, one digit, a '.'
// and 1 to 7 more ("0.097124"), without its general steps; nullptr for anything else
// (a sign, more digits, an exponent, no room to read 10 bytes before readable_end), for
// parse_decimal to take. The byte at the number's end must be no digit. Callers try it
// first themselves: behind parse_decimal's or parse_double's call it measured slower.
inline const char* parse_unit_decimal(const char* p, const char* readable_end, double& value) {
  if (!kWordDigits || readable_end - p < 10) return nullptr;
  const auto whole = static_cast<unsigned>(p[0] - '0');
  if (whole >= 10u || p[1] != '.') return nullptr;
  const std::uint64_t word = load_word(p + 2) - kAsciiZeros;
  const int run = leading_digits(word);
  const char* const stop = p + 2 + run;
  if (run == 0 || run == 8 || *stop == 'e' || *stop == 'E') return nullptr;
  // As below: the mantissa over a power of ten, both exact, one correctly rounded division.
  value = double(whole * kDigitScales[run] + digits_value(word, run)) / kPowersOfTen[run];
  return stop;
}

// from_chars for what parse_decimal's fast path does not take.
inline const char* slow_decimal(const char* p, const char* end, double& value) {
  const auto [stop, ec] = std::from_chars(p, end, value);
  if (ec == std::errc::invalid_argument) return nullptr;
  if (ec == std::errc::result_out_of_range) {
    // Overflow to inf, underflow to zero, as strtod and Python's float() round them.
    value = std::strtod(std::string(p, stop).c_str(), nullptr);
  }
  return stop;
}

// Past one leading '+', which Python's float() and int() accept; "+-1" stays invalid.
inline const char* skip_plus(const char* begin, const char* end) {
  if (begin < end && *begin == '+' && !(begin + 1 < end && begin[1] == '-')) return begin + 1;
  return begin;
}

// Parses a decimal float at p (no leading '+'), stopping at the first character that
// cannot continue it; returns that position, or nullptr if there is no number there.
// Short decimals take Clinger's exact fast path: a mantissa below 2^53 times or over a
// power of ten up to 1e22 is one correctly rounded IEEE operation on exact operands,
// so the result equals the correctly rounded from_chars (and Python's float()) bit for
// bit; everything else (long mantissas, large exponents, inf, nan) goes to from_chars.
// *finite (when given) is set when the fast path was taken: its values are finite, and
// below 2^53 * 1e22, finite in float32 too, so callers may skip those checks. When
// readable_end is given, the bytes up to it may be read past the number (never used),
// and the fraction is read a word at a time; the byte at end, if before readable_end,
// must then be no digit (a digit run must stop by end).
inline const char* parse_decimal(const char* p, const char* end, double& value,
                                 bool* finite = nullptr, const char* readable_end = nullptr) {
  const char* q = p;
  const bool negative = q < end && *q == '-';
  if (negative) ++q;
  std::uint64_t mantissa = 0;
  int digits = 0, exponent = 0;
  const char* first_digit = q;
  while (q < end && static_cast<unsigned>(*q - '0') < 10u) {
    mantissa = mantissa * 10 + unsigned(*q - '0');
    ++q;
  }
  digits = int(q - first_digit);
  if (q < end && *q == '.') {
    ++q;
    const char* fraction = q;
    int run = 8;  // the fraction's digits in the word at q, 8: more, or no word read
    if (kWordDigits && readable_end && readable_end - q >= 8) {
      const std::uint64_t word = load_word(q) - kAsciiZeros;
      run = leading_digits(word);
      if (run < 8) {  // it stopped at a non-digit: at end at the latest
        mantissa = mantissa * kDigitScales[run] + digits_value(word, run);
        q += run;
      }
    }
    while (run == 8 && q < end && static_cast<unsigned>(*q - '0') < 10u) {
      mantissa = mantissa * 10 + unsigned(*q - '0');
      ++q;
    }
    exponent = -int(q - fraction);
    digits += int(q - fraction);
  }
  if (digits == 0 || digits > 19) return slow_decimal(p, end, value);
  if (q < end && (*q == 'e' || *q == 'E')) {
    const char* e = q + 1;
    const bool e_negative = e < end && *e == '-';
    if (e < end && (*e == '-' || *e == '+')) ++e;
    int e_value = 0;
    const char* e_digits = e;
    while (e < end && static_cast<unsigned>(*e - '0') < 10u && e - e_digits < 4) {
      e_value = e_value * 10 + (*e - '0');
      ++e;
    }
    if (e == e_digits || (e < end && static_cast<unsigned>(*e - '0') < 10u)) {
      return slow_decimal(p, end, value);
    }
    exponent += e_negative ? -e_value : e_value;
    q = e;
  }
  if (mantissa > (std::uint64_t(1) << 53) || exponent < -22 || exponent > 22) {
    return slow_decimal(p, end, value);
  }
  const double m = double(mantissa);
  const double magnitude = exponent < 0 ? m / kPowersOfTen[-exponent] : m * kPowersOfTen[exponent];
  value = negative ? -magnitude : magnitude;
  if (finite) *finite = true;
  return q;
}

// The whole token [begin, end) as a finite double (an optional leading '+' allowed, as
// Python's float() allows it), else a LineError naming `what`.
inline double parse_double(const char* begin, const char* end, const char* what) {
  const char* p = skip_plus(begin, end);
  double value = 0.0;
  const char* stop = parse_decimal(p, end, value);
  if (stop != end || p == end) throw LineError{std::string("bad ") + what + " " + quoted(begin, end)};
  if (!std::isfinite(value)) {
    throw LineError{std::string("non-finite ") + what + " " + quoted(begin, end)};
  }
  return value;
}

// The whole token [begin, end) as a decimal integer (optional sign), else a LineError.
inline std::int64_t parse_integer(const char* begin, const char* end, const char* what) {
  const char* p = skip_plus(begin, end);
  std::int64_t value = 0;
  const auto [stop, ec] = std::from_chars(p, end, value);
  if (ec != std::errc() || stop != end || p == end) {
    throw LineError{std::string("bad ") + what + " " + quoted(begin, end)};
  }
  return value;
}

// A parsed value as stored: float32 data is the double rounded once more, and one too
// large for float32 (which would round to inf) is an error, not a silent inf.
template <class T>
T stored_value(double value) {
  const T stored = static_cast<T>(value);
  if (!std::isfinite(stored)) {
    throw LineError{"value " + std::to_string(value) + " out of the float32 range"};
  }
  return stored;
}

}  // namespace sgdlearn::readers
