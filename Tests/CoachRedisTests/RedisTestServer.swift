// Built only with the Redis trait (`swift build --traits Redis`).
#if Redis
import CoachRedis
import CoachJobsTesting
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `redis-server` of a test's own (AOF on, in a temp dir), for what the shared one of
/// `REDIS_URL` must not suffer: being restarted.
actor RedisTestServer {
    let port: Int
    let directory: URL
    private var process: Process?

    nonisolated var url: String { "redis://127.0.0.1:\(port)" }

    /// Runs only where the Redis tests run (`REDIS_URL` set) and the binary is at hand.
    static var canStart: Bool { JobsBackend.redisURL != nil && binary != nil }

    static var binary: String? {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["REDIS_SERVER"], FileManager.default.isExecutableFile(atPath: path) { return path }
        for folder in (environment["PATH"] ?? "/usr/bin:/usr/local/bin").split(separator: ":") {
            let path = "\(folder)/redis-server"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static func start() async throws -> RedisTestServer {
        let server = RedisTestServer(port: try freePort())
        try await server.launch()
        return server
    }

    private init(port: Int) {
        self.port = port
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("coach-redis-test-\(UUID().uuidString)")
    }

    /// Stops the server gracefully (SIGTERM: the AOF is flushed) and starts it again on the same
    /// port and directory.
    func restart() async throws {
        await stop()
        try await launch()
    }

    /// Stops the server and removes its files.
    func destroy() async {
        await stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private func launch() async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary ?? "redis-server")
        process.arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
            "--dir", directory.path, "--logfile", directory.appendingPathComponent("redis.log").path,
        ]
        // Not the test process's pipes: `swift test` waits for them to close.
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let client = RedisClient(configuration: try RedisConfiguration(url: url), commandThreads: 1, blockingThreads: 1, logger: quietLogger)
        for _ in 0..<200 {
            if (try? await client.ping()) != nil { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw RedisError.connection("test redis-server did not start on port \(port)")
    }

    /// `SHUTDOWN` over the protocol, the graceful stop (the AOF is flushed): a child of the test
    /// process may inherit a signal mask that blocks SIGTERM. SIGKILL if it does not go.
    private func stop() async {
        guard let process else { return }
        self.process = nil
        if process.isRunning,
            let configuration = try? RedisConfiguration(url: url)
        {
            let client = RedisClient(configuration: configuration, commandThreads: 1, blockingThreads: 1, logger: quietLogger)
            _ = try? await client.send(["SHUTDOWN"])
        }
        for _ in 0..<200 where process.isRunning {
            try? await Task.sleep(for: .milliseconds(25))
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// A loopback port nothing listens on now, below the kernel's ephemeral range and never given
/// twice in a run (as `scripts/free-ports` picks them). Binding port 0 would return a port from
/// that range, which can be taken as the local port of an outgoing connection (these tests open
/// many) between being picked and being bound — or while a restarted server is down.
func freePort() throws -> Int {
    let high = min(ephemeralPortsStart, 65536) - 1
    let low = max(1024, high - 12000)
    for _ in 0..<2000 {
        let port = Int.random(in: low...high)
        guard canBind(port), givenPorts.withLock({ $0.insert(port).inserted }) else { continue }
        return port
    }
    throw RedisError.connection("no free loopback port in \(low)-\(high)")
}

private let givenPorts = Mutex<Set<Int>>([])

/// The first port of the kernel's ephemeral range (Linux's default when it cannot be read).
private let ephemeralPortsStart: Int = {
    let range = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)
    return range?.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 32768
}()

private func canBind(_ port: Int) -> Bool {
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}
#endif  // Redis
