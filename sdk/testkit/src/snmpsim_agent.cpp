#include <linetest/testkit/snmpsim_agent.hpp>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace linetest::testkit {
namespace {

namespace fs = std::filesystem;

constexpr int max_start_attempts = 3;
constexpr auto poll_interval = std::chrono::milliseconds(100);
constexpr auto poll_timeout = std::chrono::milliseconds(200);
constexpr auto stop_grace = std::chrono::seconds(3);

void init_netsnmp_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        // Tests must not read or write the persistent state under /var/lib/snmp.
        netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
        netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
        init_snmp("linetest-testkit");
    });
}

// The port is free when this returns but not reserved: another process may
// take it before snmpsimd binds, which the caller handles by retrying.
std::uint16_t find_free_udp_port() {
    int socket_fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (socket_fd < 0) {
        throw std::runtime_error(std::string("cannot create a UDP socket: ") +
                                 std::strerror(errno));
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    if (::bind(socket_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::getsockname(socket_fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        int error = errno;
        ::close(socket_fd);
        throw std::runtime_error(std::string("cannot bind a UDP socket on 127.0.0.1: ") +
                                 std::strerror(error));
    }
    ::close(socket_fd);
    return ntohs(address.sin_port);
}

fs::path make_temp_dir() {
    std::string pattern = (fs::temp_directory_path() / "linetest-snmpsim-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("cannot create a temporary directory from " + pattern + ": " +
                                 std::strerror(errno));
    }
    return pattern;
}

// snmpsimd drops to `nobody` when started as root, so the data must be readable
// by others whatever the umask was.
void make_world_readable(const fs::path& root) {
    constexpr auto dir_mode = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec;
    constexpr auto file_mode = fs::perms::owner_read | fs::perms::owner_write |
                               fs::perms::group_read | fs::perms::others_read;
    fs::permissions(root, dir_mode);
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        fs::permissions(entry.path(), entry.is_directory() ? dir_mode : file_mode);
    }
}

void hand_to_user(const fs::path& dir, uid_t user, gid_t group) {
    if (::chown(dir.c_str(), user, group) != 0) {
        throw std::runtime_error("cannot chown " + dir.string() +
                                 " to the snmpsimd user: " + std::strerror(errno));
    }
}

std::deque<std::string> last_lines(const fs::path& file, std::size_t count) {
    std::deque<std::string> lines;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        lines.push_back(std::move(line));
        if (lines.size() > count) {
            lines.pop_front();
        }
    }
    return lines;
}

}  // namespace

snmpsim_agent::snmpsim_agent(snmpsim_options options)
    : options_(std::move(options)) {
    if (!fs::is_directory(options_.data_dir)) {
        throw std::invalid_argument("snmpsim data directory not found: " +
                                    options_.data_dir.string());
    }
    if (options_.ready_community.empty()) {
        throw std::invalid_argument(
            "snmpsim_options.ready_community is empty; set it to a community with a data file");
    }
    init_netsnmp_once();

    work_dir_ = make_temp_dir();
    try {
        fs::copy(options_.data_dir, work_dir_ / "data", fs::copy_options::recursive);
        fs::create_directory(work_dir_ / "cache");
        fs::create_directory(work_dir_ / "log");
        fs::create_directory(work_dir_ / "home");
        make_world_readable(work_dir_);
        if (::geteuid() == 0) {
            const passwd* user = ::getpwnam("nobody");
            const group* grp = ::getgrnam("nogroup");
            if (user == nullptr || grp == nullptr) {
                throw std::runtime_error(
                    "running as root needs user 'nobody' and group 'nogroup' for snmpsimd");
            }
            hand_to_user(work_dir_ / "cache", user->pw_uid, grp->gr_gid);
            hand_to_user(work_dir_ / "log", user->pw_uid, grp->gr_gid);
        }

        for (int attempt = 1;; ++attempt) {
            port_ = find_free_udp_port();
            start_process();
            if (wait_until_ready()) {
                return;
            }
            bool exited = pid_ < 0;
            std::string tail = log_tail();
            stop_process();
            if (!exited) {
                throw std::runtime_error(
                    "snmpsimd did not respond to a GET of sysDescr.0 for community '" +
                    options_.ready_community + "' on " + endpoint() + " within " +
                    std::to_string(options_.start_timeout.count()) +
                    " ms; check that the community names a data file. Log tail:\n" + tail);
            }
            if (attempt == max_start_attempts) {
                throw std::runtime_error("snmpsimd exited during start-up " +
                                         std::to_string(attempt) + " times; last log tail:\n" +
                                         tail);
            }
        }
    } catch (...) {
        stop_process();
        std::error_code ignored;
        fs::remove_all(work_dir_, ignored);
        throw;
    }
}

snmpsim_agent::~snmpsim_agent() {
    stop_process();
    std::error_code ignored;
    fs::remove_all(work_dir_, ignored);
}

std::map<std::string, std::string> usm_credentials(const snmpv3_user& user) {
    std::map<std::string, std::string> credentials = {{"user", user.name},
                                                      {"auth_protocol", user.auth_protocol},
                                                      {"auth_key", user.auth_key}};
    if (!user.priv_protocol.empty()) {
        credentials["priv_protocol"] = user.priv_protocol;
        credentials["priv_key"] = user.priv_key;
    }
    return credentials;
}

std::string snmpsim_agent::endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

void snmpsim_agent::start_process() {
    std::vector<std::string> args = {"snmpsimd"};
    // snmpsimd applies the options that follow --v3-engine-id to that engine,
    // so it has to come before the data directory and endpoint.
    if (!options_.v3_engine_id.empty()) {
        args.push_back("--v3-engine-id=" + options_.v3_engine_id);
    }
    args.insert(args.end(),
                {
                    "--data-dir=" + (work_dir_ / "data").string(),
                    "--cache-dir=" + (work_dir_ / "cache").string(),
                    "--agent-udpv4-endpoint=" + endpoint(),
                    "--logging-method=file:" + (work_dir_ / "log" / "snmpsimd.log").string(),
                });
    if (::geteuid() == 0) {
        args.emplace_back("--process-user=nobody");
        args.emplace_back("--process-group=nogroup");
    }
    if (options_.v3_user) {
        const auto& user = *options_.v3_user;
        args.push_back("--v3-user=" + user.name);
        if (!user.auth_protocol.empty()) {
            args.push_back("--v3-auth-key=" + user.auth_key);
            args.push_back("--v3-auth-proto=" + user.auth_protocol);
        }
        if (!user.priv_protocol.empty()) {
            args.push_back("--v3-priv-key=" + user.priv_key);
            args.push_back("--v3-priv-proto=" + user.priv_protocol);
        }
    }

    // Everything the child needs is built before fork: only async-signal-safe
    // calls are allowed between fork and exec in a threaded process.
    std::vector<char*> argv;
    for (auto& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);

    std::string home = "HOME=" + (work_dir_ / "home").string();
    std::vector<char*> envp;
    for (char** variable = environ; *variable != nullptr; ++variable) {
        if (std::strncmp(*variable, "HOME=", 5) != 0) {
            envp.push_back(*variable);
        }
    }
    envp.push_back(home.data());
    envp.push_back(nullptr);

    std::string output = (work_dir_ / "output.log").string();
    int output_fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (output_fd < 0) {
        throw std::runtime_error("cannot create " + output + ": " + std::strerror(errno));
    }

    pid_t pid = ::fork();
    if (pid < 0) {
        int error = errno;
        ::close(output_fd);
        throw std::runtime_error(std::string("fork failed: ") + std::strerror(error));
    }
    if (pid == 0) {
        ::dup2(output_fd, STDOUT_FILENO);
        ::dup2(output_fd, STDERR_FILENO);
        int null_fd = ::open("/dev/null", O_RDONLY);
        if (null_fd >= 0) {
            ::dup2(null_fd, STDIN_FILENO);
        }
        if (::chdir(work_dir_.c_str()) != 0) {
            ::_exit(126);
        }
        ::execvpe("snmpsimd", argv.data(), envp.data());
        static constexpr char message[] =
            "exec snmpsimd failed; is the snmpsim package installed?\n";
        [[maybe_unused]] auto written = ::write(STDERR_FILENO, message, sizeof(message) - 1);
        ::_exit(127);
    }
    ::close(output_fd);
    pid_ = pid;
}

bool snmpsim_agent::wait_until_ready() {
    auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return false;
        }
        if (read_sys_descr(options_.ready_community, poll_timeout)) {
            return true;
        }
        std::this_thread::sleep_for(poll_interval);
    }
    return false;
}

void snmpsim_agent::stop_process() noexcept {
    if (pid_ <= 0) {
        return;
    }
    ::kill(pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + stop_grace;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        pid_t result = ::waitpid(pid_, &status, WNOHANG);
        if (result == pid_ || (result < 0 && errno == ECHILD)) {
            pid_ = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

std::optional<std::string> snmpsim_agent::read_sys_descr(const std::string& community,
                                                         std::chrono::milliseconds timeout) const {
    init_netsnmp_once();
    netsnmp_session settings;
    snmp_sess_init(&settings);
    std::string peer = "udp:" + endpoint();
    std::string community_copy = community;
    settings.peername = peer.data();
    settings.version = SNMP_VERSION_2c;
    settings.community = reinterpret_cast<u_char*>(community_copy.data());
    settings.community_len = community_copy.size();
    settings.timeout = static_cast<long>(timeout.count()) * 1000;
    settings.retries = 0;

    void* session = snmp_sess_open(&settings);
    if (session == nullptr) {
        return std::nullopt;
    }
    netsnmp_pdu* request = snmp_pdu_create(SNMP_MSG_GET);
    static constexpr std::array<oid, 9> sys_descr = {1, 3, 6, 1, 2, 1, 1, 1, 0};
    snmp_add_null_var(request, sys_descr.data(), sys_descr.size());

    netsnmp_pdu* response = nullptr;
    std::optional<std::string> value;
    if (snmp_sess_synch_response(session, request, &response) == STAT_SUCCESS &&
        response != nullptr && response->errstat == SNMP_ERR_NOERROR &&
        response->variables != nullptr && response->variables->type == ASN_OCTET_STR) {
        const auto* bytes = reinterpret_cast<const char*>(response->variables->val.string);
        value.emplace(bytes, response->variables->val_len);
    }
    if (response != nullptr) {
        snmp_free_pdu(response);
    }
    snmp_sess_close(session);
    return value;
}

std::string snmpsim_agent::log_tail(std::size_t count) const {
    std::string text;
    for (const auto& file : {work_dir_ / "log" / "snmpsimd.log", work_dir_ / "output.log"}) {
        text += "==> " + file.filename().string() + "\n";
        for (const auto& line : last_lines(file, count)) {
            text += line + "\n";
        }
    }
    return text;
}

}  // namespace linetest::testkit
