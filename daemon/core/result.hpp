#pragma once
// Result<T>: a value or an Error, for every likely failure (C++20 has no
// std::expected). Accessing the wrong alternative is a broken invariant and
// aborts.

#include <cstdlib>
#include <utility>
#include <variant>

#include "core/error.hpp"

namespace cardd {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value)
      : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error)
      : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    check(true);
    return std::get<0>(v_);
  }
  const T& value() const& {
    check(true);
    return std::get<0>(v_);
  }
  T&& value() && {
    check(true);
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& {
    check(false);
    return std::get<1>(v_);
  }
  Error&& error() && {
    check(false);
    return std::get<1>(std::move(v_));
  }

 private:
  void check(bool want_value) const {
    if (ok() != want_value) std::abort();
  }
  std::variant<T, Error> v_;
};

// Result<void>.
struct Ok {};
using Status = Result<Ok>;

}  // namespace cardd
