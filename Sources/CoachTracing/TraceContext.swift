import Tracing

/// A W3C trace id: 16 bytes, never all zero.
public struct TraceID: Sendable, Hashable {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// 32 lowercase hex digits, as in `traceparent` and every trace backend.
    public var hex: String { Hex.string(high) + Hex.string(low) }
}

/// A W3C span id: 8 bytes, never all zero.
public struct SpanID: Sendable, Hashable {
    public var value: UInt64

    public init(_ value: UInt64) { self.value = value }

    /// 16 lowercase hex digits.
    public var hex: String { Hex.string(value) }
}

/// A W3C `traceparent` header of version `00`: `00-<trace id>-<parent span id>-<flags>`.
public struct TraceParent: Sendable, Hashable {
    public var traceID: TraceID
    public var spanID: SpanID
    /// The caller records the trace (flag bit 0).
    public var sampled: Bool

    public init(traceID: TraceID, spanID: SpanID, sampled: Bool) {
        self.traceID = traceID
        self.spanID = spanID
        self.sampled = sampled
    }

    /// Reads a header; nil unless it is well formed (lowercase hex, non-zero ids).
    public init?(_ text: String) {
        var text = text
        guard let parsed = text.withUTF8({ Self.parse($0) }) else { return nil }
        self = parsed
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> TraceParent? {
        guard bytes.count == 55, bytes[0] == UInt8(ascii: "0"), bytes[1] == UInt8(ascii: "0"),
            bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"), bytes[52] == UInt8(ascii: "-"),
            let high = Hex.value(bytes[3..<19]), let low = Hex.value(bytes[19..<35]),
            let span = Hex.value(bytes[36..<52]), let flags = Hex.value(bytes[53..<55]),
            high != 0 || low != 0, span != 0
        else { return nil }
        return TraceParent(traceID: TraceID(high: high, low: low), spanID: SpanID(span), sampled: flags & 1 == 1)
    }

    /// The header value.
    public var header: String {
        String(unsafeUninitializedCapacity: 55) { buffer in
            buffer[0] = UInt8(ascii: "0")
            buffer[1] = UInt8(ascii: "0")
            buffer[2] = UInt8(ascii: "-")
            Hex.write(traceID.high, into: buffer, at: 3)
            Hex.write(traceID.low, into: buffer, at: 19)
            buffer[35] = UInt8(ascii: "-")
            Hex.write(spanID.value, into: buffer, at: 36)
            buffer[52] = UInt8(ascii: "-")
            buffer[53] = UInt8(ascii: "0")
            buffer[54] = UInt8(ascii: sampled ? "1" : "0")
            return 55
        }
    }
}

/// The span a `ServiceContext` is in: its ids, whether its trace is recorded, and the caller's
/// `tracestate` (passed on unchanged). A context extracted from a caller holds the caller's span.
public struct SpanIdentity: Sendable, Hashable {
    public var traceID: TraceID
    public var spanID: SpanID
    public var sampled: Bool
    /// The W3C `tracestate` received with the trace ("" for none).
    public var traceState: String

    public init(traceID: TraceID, spanID: SpanID, sampled: Bool, traceState: String = "") {
        self.traceID = traceID
        self.spanID = spanID
        self.sampled = sampled
        self.traceState = traceState
    }

    var traceParent: TraceParent { TraceParent(traceID: traceID, spanID: spanID, sampled: sampled) }

    /// Passes this span on downstream: calls `set` with each W3C Trace Context field to send,
    /// `traceparent` and, when the trace came with one, `tracestate`.
    public func writeTraceContext(_ set: (_ name: String, _ value: String) -> Void) {
        set("traceparent", traceParent.header)
        if !traceState.isEmpty { set("tracestate", traceState) }
    }
}

private enum SpanIdentityKey: ServiceContextKey {
    typealias Value = SpanIdentity
}

extension ServiceContext {
    /// The span this context is in, when a trace is being followed.
    public var spanIdentity: SpanIdentity? {
        get { self[SpanIdentityKey.self] }
        set { self[SpanIdentityKey.self] = newValue }
    }
}

/// Lowercase hex of fixed width, without Foundation's formatting.
enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func string(_ value: UInt64) -> String {
        String(unsafeUninitializedCapacity: 16) { buffer in
            write(value, into: buffer, at: 0)
            return 16
        }
    }

    /// Writes the 16 digits of `value` at `offset`.
    static func write(_ value: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        for index in 0..<16 {
            buffer[offset + index] = digits[Int((value >> (60 - 4 * UInt64(index))) & 0xf)]
        }
    }

    /// The value of 1 to 16 lowercase hex digits; nil for anything else.
    static func value(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> UInt64? {
        var value: UInt64 = 0
        for byte in bytes {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }
}
