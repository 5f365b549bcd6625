#include "linetest/test_support/child_process.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <optional>
#include <string_view>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
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

// Owns a file descriptor so that every error path closes it.
class unique_fd {
public:
    explicit unique_fd(int fd = -1)
        : fd_(fd) {}
    ~unique_fd() { reset(); }
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;

    int get() const { return fd_; }
    void reset() {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

private:
    int fd_;
};

// Returns `program` when it contains a slash, else its first executable match in PATH, where
// an empty entry means the current directory. The search runs before fork because the child
// may only make async-signal-safe calls.
std::optional<std::string> resolve_program(const std::filesystem::path& program) {
    std::string name = program.string();
    if (name.find('/') != std::string::npos) {
        return name;
    }
    const char* path = std::getenv("PATH");
    std::string_view folders = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
    while (!folders.empty()) {
        auto colon = folders.find(':');
        std::string_view folder = folders.substr(0, colon);
        folders = colon == std::string_view::npos ? std::string_view{} : folders.substr(colon + 1);
        std::string candidate =
            (folder.empty() ? std::string(".") : std::string(folder)) + "/" + name;
        if (::access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
    }
    return std::nullopt;
}

// Writes errno to `error_fd` for the parent and exits with 127, the shell's code for a command
// that cannot run. Only async-signal-safe calls, because it runs in the forked child.
[[noreturn]] void report_and_exit(int error_fd) {
    int error = errno;
    ssize_t ignored = ::write(error_fd, &error, sizeof(error));
    (void)ignored;
    ::_exit(127);
}

// Runs in the forked child, so it makes only async-signal-safe calls.
[[noreturn]] void exec_child(const char* path,
                             char* const* argv,
                             char* const* envp,
                             const char* working_dir,
                             int stdin_fd,
                             int log_fd,
                             int error_fd,
                             pid_t parent) {
    // Own process group, so that signals to the group reach the program's children too.
    ::setpgid(0, 0);
    // SIGKILL when the test process dies without running destructors (abort, a sanitizer
    // report, ctest's time-out kill), so no peer outlives its test and keeps a port.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) {
        report_and_exit(error_fd);
    }
    // Default dispositions and an empty mask, because the test process may block or ignore
    // signals (SIGPIPE, for one) and exec keeps both.
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) {
        if (sig != SIGKILL && sig != SIGSTOP) {
            ::sigaction(sig, &default_action, nullptr);
        }
    }
    sigset_t empty_mask;
    sigemptyset(&empty_mask);
    ::sigprocmask(SIG_SETMASK, &empty_mask, nullptr);

    if (::dup2(stdin_fd, STDIN_FILENO) < 0 || ::dup2(log_fd, STDOUT_FILENO) < 0 ||
        ::dup2(log_fd, STDERR_FILENO) < 0) {
        report_and_exit(error_fd);
    }
    if (working_dir != nullptr && ::chdir(working_dir) != 0) {
        report_and_exit(error_fd);
    }
    ::execve(path, argv, envp);
    report_and_exit(error_fd);
}

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
    unique_fd log_fd(
        ::open(options_.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (log_fd.get() < 0) {
        throw std::system_error(
            errno, std::generic_category(),
            "child_process: cannot open log file " + options_.log_file.string());
    }
    unique_fd stdin_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (stdin_fd.get() < 0) {
        throw std::system_error(errno, std::generic_category(), "child_process: open /dev/null");
    }
    auto path = resolve_program(options_.program);
    if (!path) {
        throw std::system_error(ENOENT, std::generic_category(),
                                "child_process: " + options_.program.string() +
                                    " not found in PATH; give its full path");
    }

    std::vector<std::string> argv_strings;
    argv_strings.push_back(options_.program.string());
    argv_strings.insert(argv_strings.end(), options_.args.begin(), options_.args.end());
    std::vector<std::string> env_strings = merged_environment(options_.env);
    std::vector<char*> argv = pointers_to(argv_strings);
    std::vector<char*> envp = pointers_to(env_strings);
    const char* working_dir = options_.working_dir.empty() ? nullptr : options_.working_dir.c_str();

    // The child reports a failed chdir or exec through this pipe. Exec closes it on success,
    // so the parent's read returns 0 bytes.
    int error_pipe[2];
    if (::pipe2(error_pipe, O_CLOEXEC) != 0) {
        throw std::system_error(errno, std::generic_category(), "child_process: pipe2");
    }
    unique_fd error_read(error_pipe[0]);
    unique_fd error_write(error_pipe[1]);

    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) {
        throw std::system_error(errno, std::generic_category(),
                                "child_process: fork failed for " + command_line());
    }
    if (pid == 0) {
        exec_child(path->c_str(), argv.data(), envp.data(), working_dir, stdin_fd.get(),
                   log_fd.get(), error_write.get(), parent);
    }
    // Also set the group here, so that a signal sent right after the constructor returns
    // reaches the group even if the child has not run setpgid yet.
    ::setpgid(pid, pid);
    pid_ = pid;
    error_write.reset();

    int child_error = 0;
    ssize_t count;
    do {
        count = ::read(error_read.get(), &child_error, sizeof(child_error));
    } while (count < 0 && errno == EINTR);
    if (count > 0) {
        reap();
        pid_ = -1;
        throw std::system_error(child_error, std::generic_category(),
                                "child_process: cannot start " + command_line());
    }
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
