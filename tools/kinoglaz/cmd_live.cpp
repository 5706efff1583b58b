// kinoglaz live: a camera or stream, magnified as it arrives, served to a browser.
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <kinoglaz/core.hpp>
#include <kinoglaz/live.hpp>
#include "args.hpp"
#include "commands.hpp"
#include "magnify_args.hpp"

namespace kinoglaz::cli {

namespace {

// "HOST:PORT", "[IPv6]:PORT" or ":PORT" (loopback).
std::pair<std::string, int> parse_listen(const std::string& text) {
    auto bad = [&] {
        throw_bad_usage("live",
                        "--listen must be HOST:PORT (e.g. 127.0.0.1:8090), got '" + text + "'");
    };
    auto colon = text.rfind(':');
    if (colon == std::string::npos) bad();
    std::string host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    if (host.empty()) host = "127.0.0.1";
    int port = -1;
    const char* first = text.data() + colon + 1;
    const char* last = text.data() + text.size();
    auto [p, ec] = std::from_chars(first, last, port);
    if (ec != std::errc() || p != last || port < 0 || port > 65535) bad();
    return {host, port};
}

// Bound to every address: the addresses other machines can use, one line each on stderr.
void print_lan_addresses(const std::string& url) {
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return;
    const auto after_host = url.find(':', 7);  // "http://0.0.0.0:PORT/..."
    for (ifaddrs* a = list; a; a = a->ifa_next) {
        if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || (a->ifa_flags & IFF_LOOPBACK))
            continue;
        char host[INET_ADDRSTRLEN] = {};
        inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, host,
                  sizeof host);
        std::fprintf(stderr, "kinoglaz live: from the room: http://%s%s\n", host,
                     terminal_safe(url.substr(after_host)).c_str());
    }
    freeifaddrs(list);
}

}  // namespace

int run_live(const Argv& argv) {
    Args args(
        argv, {"--realtime", "--force", "--no-events", "--quiet"},
        {"--listen", "--magnify", "--band", "--method", "--replay-s", "-o", "--output", "--size"});
    if (args.positional().size() != 1) throw_bad_usage("live", "needs exactly one INPUT");
    LiveOptions o;
    o.input = args.positional()[0];
    o.realtime = args.flag("--realtime");
    if (auto listen = args.value("--listen")) std::tie(o.host, o.port) = parse_listen(*listen);
    if (!is_loopback_host(o.host)) o.token = random_token();
    o.alpha = args.number("--magnify", 0, 100).value_or(10);
    o.band = band_option(args, "live");
    if (auto method = method_option(args, "live")) o.method = *method;
    o.replay_s = args.number("--replay-s", 1, 60).value_or(10);
    o.panel_px = args.integer("--size", 64, 1920).value_or(640);
    if (auto out = args.value("-o") ? args.value("-o") : args.value("--output")) o.outdir = *out;
    o.force = args.flag("--force");
    o.events = !args.flag("--no-events");

    LiveSession session(o);
    session.start();
    std::printf("kinoglaz live: %s\n", terminal_safe(session.url()).c_str());
    if (!o.token.empty() && !args.flag("--quiet")) {
        std::fprintf(stderr,
                     "kinoglaz live: listening beyond this machine; every request needs the "
                     "token in this address\n");
        if (o.host == "0.0.0.0") print_lan_addresses(session.url());
    }
    std::fflush(stdout);
    // Ctrl-C (SIGINT) or SIGTERM ends the session: cleanly, with the status of every
    // interrupted command.
    while (!cancel_flag().load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    session.stop();
    throw_if_cancelled();
    return 0;
}

}  // namespace kinoglaz::cli
