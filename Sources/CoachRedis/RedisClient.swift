import Logging
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A Redis client over hiredis: a small pool of connections for short commands and a
/// connection of its own for each blocking read, every blocking C call on a dedicated
/// `NIOThreadPool` (never Swift's cooperative pool).
///
/// Connections are opened lazily and dropped when they fail; the next command opens a new one,
/// so the client rides out a server restart. Creating a client makes the process ignore
/// `SIGPIPE` (a write to a connection the server closed must fail, not kill the process).
public final class RedisClient: Sendable {
    /// Where the server is.
    public let configuration: RedisConfiguration
    private let commandThreads: NIOThreadPool
    private let blockingThreads: NIOThreadPool
    private let idle: Mutex<[RedisConnection]>
    private let maxIdle: Int
    private let logger: Logger

    /// - Parameters:
    ///   - commandThreads: threads for short commands (and the most connections kept idle for them).
    ///   - blockingThreads: threads for blocking reads; each waiting reader holds one for up to
    ///     its block time, so more waiters than threads take turns.
    public init(
        configuration: RedisConfiguration, commandThreads: Int = 2, blockingThreads: Int = 16,
        logger: Logger = Logger(label: "coach.redis")
    ) {
        _ = Self.ignoreBrokenPipe
        self.configuration = configuration
        self.commandThreads = NIOThreadPool(numberOfThreads: max(1, commandThreads))
        self.blockingThreads = NIOThreadPool(numberOfThreads: max(1, blockingThreads))
        self.idle = Mutex([])
        self.maxIdle = max(1, commandThreads) + max(1, blockingThreads)
        self.logger = logger
        self.commandThreads.start()
        self.blockingThreads.start()
    }

    /// A client for `url` (`redis://[[user]:password@]host[:port][/db]`); throws
    /// `RedisError.invalidURL`. Nothing is connected until the first command.
    public convenience init(url: String, logger: Logger = Logger(label: "coach.redis")) throws {
        self.init(configuration: try RedisConfiguration(url: url), logger: logger)
    }

    deinit {
        commandThreads.shutdownGracefully { _ in }
        blockingThreads.shutdownGracefully { _ in }
    }

    private static let ignoreBrokenPipe: Void = {
        _ = signal(SIGPIPE, SIG_IGN)
    }()

    /// Sends one command and returns its reply (an error reply is returned, not thrown).
    /// Throws `RedisError.connection` when the server cannot be reached.
    public func send(_ arguments: [String]) async throws -> RedisReply {
        try await pipeline([arguments])[0]
    }

    /// Sends commands in one round trip, returning one reply per command. A command that finds
    /// its pooled connection dead is sent once more on a new connection (so after a server
    /// restart a command may rarely run twice: make such commands harmless to repeat).
    /// Not cancellable: a short command runs to completion (bounded by the command timeout).
    public func pipeline(_ commands: [[String]]) async throws -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        return try await run(on: commandThreads) { () throws(RedisError) -> [RedisReply] in
            if let pooled = self.takeIdle() {
                do {
                    let replies = try pooled.execute(commands, timeout: self.configuration.commandTimeout)
                    self.putIdle(pooled)
                    return replies
                } catch {
                    // The server probably went away: the other idle connections are dead too.
                    self.logger.debug("pooled Redis connection failed, reconnecting", metadata: ["error": "\(error)"])
                    self.dropIdle()
                }
            }
            let fresh = try RedisConnection(configuration: self.configuration)
            let replies = try fresh.execute(commands, timeout: self.configuration.commandTimeout)
            self.putIdle(fresh)
            return replies
        }
    }

    /// `PING`: throws when the server cannot be reached or does not answer `PONG`.
    public func ping() async throws {
        let reply = try await send(["PING"])
        guard reply.text == "PONG" else { throw RedisError.unexpectedReply("PING answered \(reply)") }
    }

    /// Runs a command that waits in the server (`XREAD … BLOCK`, `XREADGROUP … BLOCK`) on a
    /// connection of its own, on a thread of the blocking pool; the socket timeout is `block`
    /// plus the command timeout. Cancelling the calling task interrupts the wait at once
    /// (`CancellationError`; that connection is dropped). A reply that arrived is returned
    /// even if the task was cancelled meanwhile, so nothing read is lost.
    public func blockingSend(_ arguments: [String], block: Duration) async throws -> RedisReply {
        let timeout = block + configuration.commandTimeout
        var attempt = 0
        while true {
            try Task.checkCancellation()
            let pooled = attempt == 0 ? takeIdle() : nil
            let connection: RedisConnection
            if let pooled {
                connection = pooled
            } else {
                let configuration = self.configuration
                connection = try await run(on: blockingThreads) { () throws(RedisError) -> RedisConnection in
                    try RedisConnection(configuration: configuration)
                }
            }
            let result = await withTaskCancellationHandler {
                await self.result(on: self.blockingThreads) { () throws(RedisError) -> RedisReply in
                    try connection.execute([arguments], timeout: timeout)[0]
                }
            } onCancel: {
                connection.interrupt()
            }
            switch result {
            case .success(let reply):
                // Once cancelled the connection may have been interrupted: never pool it then.
                if Task.isCancelled { connection.interrupt() } else { putIdle(connection) }
                return reply
            case .failure(let error):
                if Task.isCancelled { throw CancellationError() }
                if pooled != nil, case .connection = error {
                    // A pooled connection from before a server restart: one retry on a new one.
                    dropIdle()
                    attempt += 1
                    continue
                }
                throw error
            }
        }
    }

    /// Runs `body` on a thread of `pool` and resumes with its result. Not cancellable: the body
    /// owns a connection for its duration.
    private func run<T: Sendable>(
        on pool: NIOThreadPool, _ body: @escaping @Sendable () throws(RedisError) -> T
    ) async throws(RedisError) -> T {
        try await result(on: pool, body).get()
    }

    private func result<T: Sendable>(
        on pool: NIOThreadPool, _ body: @escaping @Sendable () throws(RedisError) -> T
    ) async -> Result<T, RedisError> {
        await withCheckedContinuation { continuation in
            pool.submit { state in
                guard case .active = state else {
                    continuation.resume(returning: .failure(.connection("the Redis client is shut down")))
                    return
                }
                continuation.resume(returning: Result { () throws(RedisError) -> T in try body() })
            }
        }
    }

    private func takeIdle() -> RedisConnection? {
        idle.withLock { $0.popLast() }
    }

    private func putIdle(_ connection: RedisConnection) {
        guard !connection.isBroken else { return }
        idle.withLock { connections in
            if connections.count < maxIdle { connections.append(connection) }
        }
    }

    private func dropIdle() {
        idle.withLock { $0.removeAll() }
    }
}
