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
// below 2^53 * 1e22, finite in float32 too, so callers may skip those checks.
inline const char* parse_decimal(const char* p, const char* end, double& value,
                                 bool* finite = nullptr) {
  static constexpr double kPowers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
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
    while (q < end && static_cast<unsigned>(*q - '0') < 10u) {
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
  const double magnitude = exponent < 0 ? m / kPowers[-exponent] : m * kPowers[exponent];
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
