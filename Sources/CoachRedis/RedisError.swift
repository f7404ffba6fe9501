/// What can go wrong talking to Redis.
public enum RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `REDIS_URL` could not be parsed.
    case invalidURL(String)
    /// The connection could not be opened or broke (the server is down, restarted, or a read
    /// timed out); the connection has been dropped and the next command opens a new one.
    case connection(String)
    /// The server answered with an error reply.
    case server(String)
    /// A reply did not have the shape the command promises.
    case unexpectedReply(String)

    public var description: String {
        switch self {
        case .invalidURL(let message): "invalid Redis URL: \(message)"
        case .connection(let message): "Redis connection failed: \(message)"
        case .server(let message): "Redis error: \(message)"
        case .unexpectedReply(let message): "unexpected Redis reply: \(message)"
        }
    }

    /// The error code of a server error (`NOGROUP`, `BUSYGROUP`, `WRONGTYPE`), if it is one.
    public var serverCode: String? {
        if case .server(let message) = self { return String(message.prefix { $0 != " " }) }
        return nil
    }
}
