#pragma once
/// The one exception type kinoglaz throws for fatal errors (GCC 12 has no std::expected).

#include <stdexcept>
#include <string>

namespace kinoglaz {

/// What kind of fault an Error reports; the CLI maps it to an exit status.
enum class ErrorKind {
    bad_input,  ///< unreadable, not a video, corrupt beyond recovery: exit 1
    bad_usage,  ///< invalid options or arguments: exit 2
    io,         ///< cannot write output: exit 1
    internal,   ///< a bug: exit 1
    cancelled,  ///< interrupted by a signal or a caller: exit 130
};

/// A fatal error. The message has the form "<file or component>: <reason>" and is a single
/// line safe for a terminal, so the CLI can print it as is: the constructor passes it through
/// terminal_safe() (kinoglaz/text.hpp), since file names may hold newlines, escape sequences
/// or bytes that are not UTF-8.
class Error : public std::runtime_error {
  public:
    Error(ErrorKind kind, const std::string& message);
    ErrorKind kind() const noexcept { return kind_; }

  private:
    ErrorKind kind_;
};

/// Shorthands that build an Error of each kind.
[[noreturn]] void throw_bad_input(const std::string& where, const std::string& reason);
[[noreturn]] void throw_bad_usage(const std::string& where, const std::string& reason);
[[noreturn]] void throw_io(const std::string& where, const std::string& reason);

}  // namespace kinoglaz
