#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace linetest::test_support {

/// How a child process ended: a normal exit with a code, or death by a signal.
struct exit_status {
    bool exited = false;  ///< true for exit(), false when a signal ended the process
    int code = 0;         ///< exit code when `exited`
    int signal = 0;       ///< signal number when not `exited`

    /// Returns "exit code N" or "signal N (NAME)" for failure messages.
    std::string describe() const;
};

/// Settings for `child_process`.
struct child_process_options {
    /// Program to run: a path, or a bare name looked up in this process's PATH.
    std::filesystem::path program;
    /// Arguments after argv[0]; argv[0] is `program`.
    std::vector<std::string> args;
    /// Variables added to, or replacing those of, this process's environment.
    std::map<std::string, std::string> env;
    /// Working directory of the child; empty keeps the current one.
    std::filesystem::path working_dir;
    /// File that receives the child's stdout and stderr (opened for append, created if
    /// missing). Required, so that `log_tail` can explain a failure.
    std::filesystem::path log_file;
};

/// A program started with fork and exec in its own process group, with stdin from /dev/null
/// and stdout and stderr appended to a log file.
///
/// Signals go to the whole process group, so a wrapper script's children are stopped along
/// with it. When the child is reaped, whatever is left in its group gets SIGKILL. The
/// destructor calls `kill_hard()`. The child also gets SIGKILL when the thread that started it
/// exits (PR_SET_PDEATHSIG), so a test process that aborts leaves no peer running. Start
/// children from a thread that outlives them, such as the test's own thread. Not thread-safe:
/// use one object from one thread.
class child_process {
public:
    /// Starts the program.
    /// @throws std::invalid_argument when `program` or `log_file` is empty.
    /// @throws std::system_error when the log file cannot be opened, the program is not found
    ///         or not executable, or `working_dir` does not exist.
    explicit child_process(child_process_options options);
    ~child_process();

    child_process(child_process&& other) noexcept;
    child_process& operator=(child_process&& other) noexcept;
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    /// Returns the process id, which is also the process group id; -1 after a move.
    pid_t pid() const { return pid_; }

    /// Returns true while the process has not exited; reaps it if it has.
    bool running();

    /// Waits up to `timeout` for the process to exit by itself and returns how it ended, or
    /// std::nullopt on time-out (the process keeps running). Returns the stored status when the
    /// process was already reaped.
    std::optional<exit_status> wait_exit(std::chrono::milliseconds timeout);

    /// Sends SIGTERM to the process group, waits up to `grace` for the process to exit, then
    /// sends SIGKILL. Returns how the process ended.
    exit_status terminate(std::chrono::milliseconds grace = std::chrono::seconds(5));

    /// Sends SIGKILL to the process group and reaps the process. No-op once reaped.
    void kill_hard();

    /// Returns the last `lines` lines of the log file (all of it when shorter).
    std::string log_tail(std::size_t lines = 40) const;

    /// Returns the log file that receives stdout and stderr.
    const std::filesystem::path& log_file() const { return options_.log_file; }

    /// Returns the program and arguments as one line, for messages.
    std::string command_line() const;

private:
    // Returns true once the process has exited, without reaping it, so that the group id
    // cannot be reused before the sweep of its remaining members.
    bool exited_without_reaping() const;
    exit_status reap();

    child_process_options options_;
    pid_t pid_ = -1;
    std::optional<exit_status> status_;
};

}  // namespace linetest::test_support
