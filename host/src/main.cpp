#include "daemon/daemon.hpp"

#include "auth/password_hash.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

namespace {

constexpr const char* usage =
    "usage: linetestd [--check-config | --list-plugins | --dead-letters] --config FILE\n"
    "       linetestd --resend-dead ROW_ID --config FILE\n"
    "       linetestd --hash-password < password-file\n"
    "\n"
    "Supplier-side service-test daemon for the Fibre Cafe gateway.\n"
    "\n"
    "  --config FILE    JSON config file (see conf/linetestd.example.json)\n"
    "  --check-config   validate FILE, the inventory and plugins it names, then exit\n"
    "  --list-plugins   load the plugins FILE names and print each instance's plugin,\n"
    "                   version, ABI and routed specifications, then exit\n"
    "  --dead-letters   list the KCIs the gateway rejected (400/422), then exit\n"
    "  --resend-dead ROW_ID\n"
    "                   put dead KCI ROW_ID (from --dead-letters) back in the outbox\n"
    "  --hash-password  read a password from the first line of stdin and print its\n"
    "                   pbkdf2-sha256 hash for auth.basic.users[].password_hash\n"
    "  --version        print the version and exit\n";

}  // namespace

int main(int argc, char** argv) {
    const char* config = nullptr;
    bool check_only = false;
    bool list_only = false;
    bool dead_letters = false;
    const char* resend_row = nullptr;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config = argv[++i];
        } else if (std::strcmp(argv[i], "--check-config") == 0) {
            check_only = true;
        } else if (std::strcmp(argv[i], "--list-plugins") == 0) {
            list_only = true;
        } else if (std::strcmp(argv[i], "--dead-letters") == 0) {
            dead_letters = true;
        } else if (std::strcmp(argv[i], "--resend-dead") == 0 && i + 1 < argc) {
            resend_row = argv[++i];
        } else if (std::strcmp(argv[i], "--hash-password") == 0) {
            // From stdin, not argv, so that the password stays out of shell history and ps.
            std::string password;
            std::getline(std::cin, password);
            if (!password.empty() && password.back() == '\r') {
                password.pop_back();
            }
            if (password.empty()) {
                std::cerr << "linetestd: --hash-password read an empty password from stdin\n";
                return 2;
            }
            std::cout << linetest::auth::hash_password(password) << '\n';
            return 0;
        } else if (std::strcmp(argv[i], "--version") == 0) {
            std::cout << "linetestd " << LINETEST_VERSION << '\n';
            return 0;
        } else if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
            std::cout << usage;
            return 0;
        } else {
            std::cerr << "linetestd: unknown argument '" << argv[i] << "'\n" << usage;
            return 2;
        }
    }
    if (config == nullptr) {
        std::cerr << "linetestd: --config FILE is required\n" << usage;
        return 2;
    }
    if (list_only) {
        return linetest::daemon::list_plugins(config);
    }
    if (dead_letters) {
        return linetest::daemon::list_dead_letters(config);
    }
    if (resend_row != nullptr) {
        char* end = nullptr;
        errno = 0;
        const long long row_id = std::strtoll(resend_row, &end, 10);
        if (errno != 0 || end == resend_row || *end != '\0' || row_id < 1) {
            std::cerr << "linetestd: --resend-dead needs a row id from --dead-letters, got '"
                      << resend_row << "'\n";
            return 2;
        }
        return linetest::daemon::resend_dead_letter(config, row_id);
    }
    return check_only ? linetest::daemon::check_config(config) : linetest::daemon::run(config);
}
