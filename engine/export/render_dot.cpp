// Runs Graphviz's `dot` as a child process (no shell, so no quoting issues), with a deadline.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>

#include "kinoglaz/export/export.hpp"

extern char** environ;

namespace kinoglaz {

std::string render_dot_svg(const std::string& dot_text, double timeout_s,
                           const std::filesystem::path& working_dir) {
    // stdin is a socket so that a dot that exits early cannot kill us with SIGPIPE
    // (send() with MSG_NOSIGNAL); stdout is a plain pipe.
    int in[2];
    int out[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0) return {};
    if (pipe2(out, O_CLOEXEC) != 0) {
        close(in[0]);
        close(in[1]);
        return {};
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[1], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    if (!working_dir.empty()) posix_spawn_file_actions_addchdir_np(&actions, working_dir.c_str());
    char arg0[] = "dot";
    char arg1[] = "-Tsvg";
    char* argv[] = {arg0, arg1, nullptr};
    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, "dot", &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in[1]);
    close(out[1]);
    if (rc != 0) {
        close(in[0]);
        close(out[0]);
        return {};
    }
    fcntl(in[0], F_SETFL, O_NONBLOCK);
    fcntl(out[0], F_SETFL, O_NONBLOCK);

    std::string svg;
    std::size_t sent = 0;
    int to_child = in[0];
    if (dot_text.empty()) {
        shutdown(to_child, SHUT_WR);
    }
    bool timed_out = false;
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(long(timeout_s * 1000));
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now())
                              .count();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        pollfd fds[2] = {{out[0], POLLIN, 0}, {to_child, POLLOUT, 0}};
        const nfds_t n = sent < dot_text.size() ? 2 : 1;
        if (poll(fds, n, int(std::min<long>(left, 1000))) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (n == 2 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
            const ssize_t w =
                send(to_child, dot_text.data() + sent, dot_text.size() - sent, MSG_NOSIGNAL);
            if (w > 0) sent += std::size_t(w);
            if (w < 0 && errno != EAGAIN && errno != EINTR) sent = dot_text.size();
            if (sent >= dot_text.size()) shutdown(to_child, SHUT_WR);
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            char buf[65536];
            const ssize_t r = read(out[0], buf, sizeof buf);
            if (r > 0) {
                svg.append(buf, std::size_t(r));
            } else if (r == 0) {
                break;
            } else if (errno != EAGAIN && errno != EINTR) {
                break;
            }
        }
    }
    close(in[0]);
    close(out[0]);
    if (timed_out) kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return {};
    const auto start = svg.find("<svg");
    if (start == std::string::npos) return {};
    return svg.substr(start);
}

}  // namespace kinoglaz
