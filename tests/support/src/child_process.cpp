#include "linetest/test_support/child_process.hpp"

#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace linetest::test_support {

namespace {

constexpr auto poll_interval = std::chrono::milliseconds(10);

// Builds "NAME=value" strings from this process's environment with `additions` applied.
std::vector<std::string> merged_environment(const std::map<std::string, std::string>& additions) {
    std::vector<std::string> result;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        std::string_view text(*entry);
        auto name = text.substr(0, text.find('='));
        if (additions.find(std::string(name)) == additions.end()) {
            result.emplace_back(text);
        }
    }
    for (const auto& [name, value] : additions) {
        result.push_back(name + "=" + value);
    }
    return result;
}

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
    std::vector<char*> result;
    result.reserve(strings.size() + 1);
    for (auto& text : strings) {
        result.push_back(text.data());
    }
    result.push_back(nullptr);
    return result;
}

// Owns the posix_spawn attribute and file-action objects, which must be destroyed on every path.
class spawn_setup {
public:
    spawn_setup() {
        check(posix_spawnattr_init(&attr_), "posix_spawnattr_init");
        if (int rc = posix_spawn_file_actions_init(&actions_); rc != 0) {
            posix_spawnattr_destroy(&attr_);
            throw std::system_error(rc, std::generic_category(), "posix_spawn_file_actions_init");
        }
    }
    ~spawn_setup() {
        posix_spawn_file_actions_destroy(&actions_);
        posix_spawnattr_destroy(&attr_);
    }
    spawn_setup(const spawn_setup&) = delete;
    spawn_setup& operator=(const spawn_setup&) = delete;

    static void check(int rc, const char* call) {
        if (rc != 0) {
            throw std::system_error(rc, std::generic_category(), call);
        }
    }

    posix_spawnattr_t attr_;
    posix_spawn_file_actions_t actions_;
};

}  // namespace

std::string exit_status::describe() const {
    if (exited) {
        return "exit code " + std::to_string(code);
    }
    const char* name = sigabbrev_np(signal);
    return "signal " + std::to_string(signal) + " (SIG" + (name != nullptr ? name : "?") + ")";
}

child_process::child_process(child_process_options options)
    : options_(std::move(options)) {
    if (options_.program.empty()) {
        throw std::invalid_argument("child_process: program is empty; name the program to run");
    }
    if (options_.log_file.empty()) {
        throw std::invalid_argument(
            "child_process: log_file is empty; give a file under the "
            "test's temp_dir for the child's stdout and stderr");
    }
    // Open the log here first, so that a bad path fails with its name instead of a spawn error.
    int log_fd = ::open(options_.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) {
        throw std::system_error(
            errno, std::generic_category(),
            "child_process: cannot open log file " + options_.log_file.string());
    }
    ::close(log_fd);

    spawn_setup setup;
    // Own process group, so signals reach the program's children too. Default dispositions and
    // an empty mask, because the test process may block or ignore signals (SIGPIPE, for one).
    sigset_t defaults;
    sigfillset(&defaults);
    sigdelset(&defaults, SIGKILL);
    sigdelset(&defaults, SIGSTOP);
    sigset_t empty_mask;
    sigemptyset(&empty_mask);
    spawn_setup::check(posix_spawnattr_setpgroup(&setup.attr_, 0), "posix_spawnattr_setpgroup");
    spawn_setup::check(posix_spawnattr_setsigdefault(&setup.attr_, &defaults),
                       "posix_spawnattr_setsigdefault");
    spawn_setup::check(posix_spawnattr_setsigmask(&setup.attr_, &empty_mask),
                       "posix_spawnattr_setsigmask");
    spawn_setup::check(
        posix_spawnattr_setflags(
            &setup.attr_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK),
        "posix_spawnattr_setflags");

    spawn_setup::check(
        posix_spawn_file_actions_addopen(&setup.actions_, STDIN_FILENO, "/dev/null", O_RDONLY, 0),
        "posix_spawn_file_actions_addopen(stdin)");
    spawn_setup::check(
        posix_spawn_file_actions_addopen(&setup.actions_, STDOUT_FILENO, options_.log_file.c_str(),
                                         O_WRONLY | O_CREAT | O_APPEND, 0644),
        "posix_spawn_file_actions_addopen(stdout)");
    spawn_setup::check(
        posix_spawn_file_actions_adddup2(&setup.actions_, STDOUT_FILENO, STDERR_FILENO),
        "posix_spawn_file_actions_adddup2(stderr)");
    if (!options_.working_dir.empty()) {
        spawn_setup::check(
            posix_spawn_file_actions_addchdir_np(&setup.actions_, options_.working_dir.c_str()),
            "posix_spawn_file_actions_addchdir_np");
    }

    std::vector<std::string> argv_strings;
    argv_strings.push_back(options_.program.string());
    argv_strings.insert(argv_strings.end(), options_.args.begin(), options_.args.end());
    std::vector<std::string> env_strings = merged_environment(options_.env);
    std::vector<char*> argv = pointers_to(argv_strings);
    std::vector<char*> envp = pointers_to(env_strings);

    pid_t pid = -1;
    // posix_spawnp searches PATH only for a bare name, and takes a path with a slash as is.
    int rc = posix_spawnp(&pid, argv_strings.front().c_str(), &setup.actions_, &setup.attr_,
                          argv.data(), envp.data());
    if (rc != 0) {
        throw std::system_error(rc, std::generic_category(),
                                "child_process: cannot start " + command_line());
    }
    pid_ = pid;
}

child_process::~child_process() { kill_hard(); }

child_process::child_process(child_process&& other) noexcept
    : options_(std::move(other.options_)),
      pid_(std::exchange(other.pid_, -1)),
      status_(std::exchange(other.status_, std::nullopt)) {}

child_process& child_process::operator=(child_process&& other) noexcept {
    if (this != &other) {
        kill_hard();
        options_ = std::move(other.options_);
        pid_ = std::exchange(other.pid_, -1);
        status_ = std::exchange(other.status_, std::nullopt);
    }
    return *this;
}

bool child_process::exited_without_reaping() const {
    siginfo_t info{};
    int rc;
    do {
        rc = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        throw std::system_error(errno, std::generic_category(),
                                "child_process: waitid failed for pid " + std::to_string(pid_));
    }
    // With WNOHANG, waitid leaves si_pid at 0 while the child is still running.
    return info.si_pid != 0;
}

exit_status child_process::reap() {
    // The exited leader is still a zombie here, so the group id is not yet free for reuse.
    ::kill(-pid_, SIGKILL);
    int raw = 0;
    pid_t rc;
    do {
        rc = ::waitpid(pid_, &raw, 0);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) {
        throw std::system_error(errno, std::generic_category(),
                                "child_process: waitpid failed for pid " + std::to_string(pid_));
    }
    exit_status status;
    if (WIFEXITED(raw)) {
        status.exited = true;
        status.code = WEXITSTATUS(raw);
    } else if (WIFSIGNALED(raw)) {
        status.signal = WTERMSIG(raw);
    }
    status_ = status;
    return status;
}

bool child_process::running() {
    if (pid_ < 0 || status_) {
        return false;
    }
    if (exited_without_reaping()) {
        reap();
        return false;
    }
    return true;
}

std::optional<exit_status> child_process::wait_exit(std::chrono::milliseconds timeout) {
    if (status_ || pid_ < 0) {
        return status_;
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!exited_without_reaping()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(poll_interval);
    }
    return reap();
}

exit_status child_process::terminate(std::chrono::milliseconds grace) {
    if (status_ || pid_ < 0) {
        return status_.value_or(exit_status{});
    }
    ::kill(-pid_, SIGTERM);
    if (auto status = wait_exit(grace)) {
        return *status;
    }
    ::kill(-pid_, SIGKILL);
    return reap();
}

void child_process::kill_hard() {
    if (status_ || pid_ < 0) {
        return;
    }
    ::kill(-pid_, SIGKILL);
    try {
        reap();
    } catch (const std::system_error&) {
        // Called from the destructor: a child that cannot be reaped was already reaped elsewhere.
        status_ = exit_status{};
    }
}

std::string child_process::log_tail(std::size_t lines) const {
    std::ifstream in(options_.log_file);
    if (!in) {
        return "(log file " + options_.log_file.string() + " cannot be read)";
    }
    std::deque<std::string> tail;
    std::string line;
    while (std::getline(in, line)) {
        tail.push_back(std::move(line));
        if (tail.size() > lines) {
            tail.pop_front();
        }
    }
    std::ostringstream out;
    for (const auto& kept : tail) {
        out << kept << '\n';
    }
    return out.str();
}

std::string child_process::command_line() const {
    std::string result = options_.program.string();
    for (const auto& arg : options_.args) {
        result += ' ';
        result += arg;
    }
    return result;
}

}  // namespace linetest::test_support
