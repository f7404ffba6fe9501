import CHiredis

/// One RESP2 reply. An error reply (`-ERR …`, `-BUSYGROUP …`) is a value like any other; a
/// connection that fails to produce a reply throws `RedisError.connection` instead.
public enum RedisReply: Sendable, Hashable {
    /// A bulk string, as the bytes the server sent.
    case string([UInt8])
    /// A simple status such as `OK` or `QUEUED`.
    case status(String)
    case integer(Int64)
    case array([RedisReply])
    /// A nil bulk string or nil array (e.g. a `BLOCK` read that timed out).
    case null
    /// An error reply: the whole message, code first (`NOGROUP No such key …`).
    case error(String)

    /// The text of a bulk string or status (UTF-8, invalid bytes replaced); `nil` otherwise.
    public var text: String? {
        switch self {
        case .string(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let status): status
        default: nil
        }
    }

    /// An integer reply, or a bulk string holding a decimal integer.
    public var int: Int64? {
        switch self {
        case .integer(let value): value
        case .string: text.flatMap { Int64($0) }
        default: nil
        }
    }

    /// The elements of an array reply; `nil` for anything else.
    public var elements: [RedisReply]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    public var isNull: Bool { self == .null }

    /// The error's code (`BUSYGROUP`, `NOGROUP`, `ERR`), if this is an error reply.
    public var errorCode: String? {
        if case .error(let message) = self { return String(message.prefix { $0 != " " }) }
        return nil
    }

    /// The reply itself, or `RedisError.server` when it is an error reply.
    public func orThrow() throws(RedisError) -> RedisReply {
        if case .error(let message) = self { throw .server(message) }
        return self
    }

    /// Copies a hiredis reply tree (which the caller still frees).
    init(_ reply: UnsafePointer<redisReply>) {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING:
            self = .string(Self.bytes(r.str, r.len))
        case REDIS_REPLY_STATUS:
            self = .status(String(decoding: Self.bytes(r.str, r.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            self = .error(String(decoding: Self.bytes(r.str, r.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            self = .integer(Int64(r.integer))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(r.elements)
            for index in 0..<r.elements {
                if let element = r.element[index] {
                    elements.append(RedisReply(element))
                } else {
                    elements.append(.null)
                }
            }
            self = .array(elements)
        default:
            self = .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ count: Int) -> [UInt8] {
        guard let pointer, count > 0 else { return [] }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: count) { Array(UnsafeBufferPointer(start: $0, count: count)) }
    }
}
