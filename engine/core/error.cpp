#include "kinoglaz/core/error.hpp"

#include "kinoglaz/core/text.hpp"

namespace kinoglaz {

Error::Error(ErrorKind kind, const std::string& message)
    : std::runtime_error(terminal_safe(message)), kind_(kind) {}

void throw_bad_input(const std::string& where, const std::string& reason) {
    throw Error(ErrorKind::bad_input, where + ": " + reason);
}
void throw_bad_usage(const std::string& where, const std::string& reason) {
    throw Error(ErrorKind::bad_usage, where + ": " + reason);
}
void throw_io(const std::string& where, const std::string& reason) {
    throw Error(ErrorKind::io, where + ": " + reason);
}

}  // namespace kinoglaz
