import CHiredis
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One blocking connection to Redis: owns a hiredis `redisContext`, freed in `deinit`.
///
/// Every call blocks the calling thread, so callers run it on a `NIOThreadPool` thread. A
/// hiredis context is single-threaded; the mutex makes that hold even if a connection were shared
/// by mistake. Once a call fails at the connection level (server gone, socket timeout,
/// `interrupt()`), the connection is broken for good and must be dropped.
final class RedisConnection: Sendable {
    private let context: Mutex<UnsafeMutablePointer<redisContext>>
    /// The socket, for `interrupt()` while another thread is blocked in a read. It stays open
    /// until `deinit` (hiredis closes it only in `redisFree`), and `interrupt()` callers hold a
    /// reference, so it is never a recycled descriptor.
    private let socket: Int32
    private let broken = Atomic<Bool>(false)
    /// The socket timeout currently set, in microseconds, to skip redundant `setsockopt` calls.
    private let currentTimeout = Atomic<Int64>(0)

    /// Opens a connection and authenticates and selects the database as configured. Blocks.
    init(configuration: RedisConfiguration) throws(RedisError) {
        guard let context = redisConnectWithTimeout(configuration.host, Int32(configuration.port), timeval(configuration.connectTimeout))
        else { throw .connection("cannot allocate a hiredis context") }
        if context.pointee.err != 0 {
            let message = Self.errorMessage(context)
            redisFree(context)
            throw .connection("\(configuration.host):\(configuration.port): \(message)")
        }
        _ = redisEnableKeepAlive(context)
        do {
            try Self.setUp(context, configuration)
        } catch {
            redisFree(context)
            throw error
        }
        self.socket = context.pointee.fd
        self.context = Mutex(context)
    }

    deinit {
        context.withLock { redisFree($0) }
    }

    /// Whether a call failed at the connection level or the connection was interrupted.
    var isBroken: Bool { broken.load(ordering: .acquiring) }

    /// Sends `commands` in one pipeline and reads one reply per command. Error replies are
    /// values; a connection failure throws `RedisError.connection` and breaks the connection.
    func execute(_ commands: [[String]], timeout: Duration) throws(RedisError) -> [RedisReply] {
        if isBroken { throw .connection("connection already closed") }
        do {
            return try context.withLock { (context) throws(RedisError) -> [RedisReply] in
                try self.setTimeout(context, timeout)
                for command in commands {
                    guard Self.append(context, command) == REDIS_OK else { throw .connection(Self.errorMessage(context)) }
                }
                var replies: [RedisReply] = []
                replies.reserveCapacity(commands.count)
                for _ in commands {
                    var raw: UnsafeMutableRawPointer?
                    guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
                        throw .connection(Self.errorMessage(context))
                    }
                    defer { freeReplyObject(raw) }
                    replies.append(RedisReply(raw.assumingMemoryBound(to: redisReply.self)))
                }
                return replies
            }
        } catch {
            broken.store(true, ordering: .releasing)
            throw error
        }
    }

    /// Makes a call blocked in this connection (on another thread) fail at once, and any later
    /// call too: the socket is shut down, not closed, so the descriptor stays ours until `deinit`.
    func interrupt() {
        broken.store(true, ordering: .releasing)
        _ = shutdown(socket, Int32(SHUT_RDWR))
    }

    private func setTimeout(_ context: UnsafeMutablePointer<redisContext>, _ timeout: Duration) throws(RedisError) {
        let micros = Int64(timeout.components.seconds) * 1_000_000 + timeout.components.attoseconds / 1_000_000_000_000
        guard currentTimeout.load(ordering: .relaxed) != micros else { return }
        guard redisSetTimeout(context, timeval(timeout)) == REDIS_OK else { throw .connection(Self.errorMessage(context)) }
        currentTimeout.store(micros, ordering: .relaxed)
    }

    private static func setUp(_ context: UnsafeMutablePointer<redisContext>, _ configuration: RedisConfiguration) throws(RedisError) {
        var commands: [[String]] = []
        if let password = configuration.password {
            commands.append(["AUTH"] + (configuration.username.map { [$0] } ?? []) + [password])
        }
        if configuration.database != 0 { commands.append(["SELECT", String(configuration.database)]) }
        guard !commands.isEmpty else { return }
        guard redisSetTimeout(context, timeval(configuration.commandTimeout)) == REDIS_OK else {
            throw .connection(errorMessage(context))
        }
        for command in commands where append(context, command) != REDIS_OK {
            throw .connection(errorMessage(context))
        }
        for command in commands {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(context, &raw) == REDIS_OK, let raw else { throw .connection(errorMessage(context)) }
            let reply = RedisReply(raw.assumingMemoryBound(to: redisReply.self))
            freeReplyObject(raw)
            // The password never appears in the message: only the command name and the reply.
            if case .error(let message) = reply { throw .connection("\(command[0]) failed: \(message)") }
        }
    }

    /// Appends one command with `redisAppendCommandArgv`: arguments go with explicit lengths,
    /// so any bytes (including NUL) are sent as they are.
    private static func append(_ context: UnsafeMutablePointer<redisContext>, _ arguments: [String]) -> Int32 {
        var storage: [UInt8] = []
        var offsets: [Int] = []
        var lengths: [Int] = []
        offsets.reserveCapacity(arguments.count)
        lengths.reserveCapacity(arguments.count)
        for argument in arguments {
            offsets.append(storage.count)
            storage.append(contentsOf: argument.utf8)
            lengths.append(storage.count - offsets[offsets.count - 1])
        }
        storage.append(0)  // never empty, so there is always a base address
        return storage.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            var argv: [UnsafePointer<CChar>?] = offsets.map { base + $0 }
            return redisAppendCommandArgv(context, Int32(arguments.count), &argv, lengths)
        }
    }

    private static func errorMessage(_ context: UnsafeMutablePointer<redisContext>) -> String {
        var text = context.pointee.errstr
        let message = withUnsafeBytes(of: &text) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        return message.isEmpty ? "connection error \(context.pointee.err)" : message
    }
}

extension timeval {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.init(tv_sec: .init(seconds), tv_usec: .init(attoseconds / 1_000_000_000_000))
    }
}
