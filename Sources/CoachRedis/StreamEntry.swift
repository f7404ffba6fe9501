/// One entry of a Redis stream as `XRANGE`, `XREAD`, `XREADGROUP` and `XAUTOCLAIM` return it.
struct StreamEntry: Sendable, Hashable {
    /// `<milliseconds>-<sequence>`.
    var id: String
    var fields: [String: String]

    /// `[id, [field, value, …]]`; `nil` for a deleted entry (`[id, nil]`) or another shape.
    init?(_ reply: RedisReply) {
        guard let parts = reply.elements, parts.count == 2, let id = parts[0].text, let flat = parts[1].elements else { return nil }
        var fields: [String: String] = [:]
        var index = 0
        while index + 1 < flat.count {
            if let name = flat[index].text, let value = flat[index + 1].text { fields[name] = value }
            index += 2
        }
        self.id = id
        self.fields = fields
    }

    /// The entries of an `XRANGE` reply (or of one stream of an `XREAD` reply).
    static func list(_ reply: RedisReply) -> [StreamEntry] {
        (reply.elements ?? []).compactMap(StreamEntry.init)
    }

    /// The streams of an `XREAD`/`XREADGROUP` reply: `[[key, [entry, …]], …]`, or null on timeout.
    static func streams(_ reply: RedisReply) -> [(key: String, entries: [StreamEntry])] {
        (reply.elements ?? []).compactMap { stream in
            guard let parts = stream.elements, parts.count == 2, let key = parts[0].text else { return nil }
            return (key, list(parts[1]))
        }
    }

    /// Orders entry IDs of streams of one server: by time, then sequence.
    static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        let (a, b) = (parse(lhs), parse(rhs))
        return a.milliseconds != b.milliseconds ? a.milliseconds < b.milliseconds : a.sequence < b.sequence
    }

    private static func parse(_ id: String) -> (milliseconds: UInt64, sequence: UInt64) {
        let parts = id.split(separator: "-", maxSplits: 1)
        return (UInt64(parts.first ?? "") ?? 0, parts.count > 1 ? UInt64(parts[1]) ?? 0 : 0)
    }
}

extension Duration {
    /// Whole milliseconds (at least `minimum`), as Redis takes them.
    func milliseconds(minimum: Int64 = 1) -> Int64 {
        let (seconds, attoseconds) = components
        return max(minimum, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    /// Whole seconds, rounded up (at least 1), as `EXPIRE` takes them.
    var wholeSecondsRoundedUp: Int64 {
        let (seconds, attoseconds) = components
        return max(1, seconds + (attoseconds > 0 ? 1 : 0))
    }
}
