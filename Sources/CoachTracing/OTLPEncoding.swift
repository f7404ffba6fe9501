import Tracing

/// Protobuf's wire format, enough of it for OTLP: fields are written in field-number order, as
/// protobuf's own encoders do, and a nested message is written once its length is known.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    init() {}

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func tag(_ field: Int, _ wireType: UInt64) { varint(UInt64(field) << 3 | wireType) }

    /// Bytes a varint of `value` takes.
    static func varintSize(_ value: UInt64) -> Int { value == 0 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7 }

    /// A bytes field of big-endian words (trace and span ids), without an intermediate array.
    mutating func idField(_ field: Int, _ words: UInt64...) {
        tag(field, 2)
        varint(UInt64(words.count * 8))
        for word in words { withUnsafeBytes(of: word.bigEndian) { bytes.append(contentsOf: $0) } }
    }

    /// Forgets the first `count` bytes written.
    mutating func removeFirst(_ count: Int) { bytes.removeFirst(count) }

    /// Appends bytes as they are (an already encoded, already tagged field).
    mutating func raw(_ value: some Collection<UInt8>) { bytes.append(contentsOf: value) }

    mutating func varintField(_ field: Int, _ value: UInt64) {
        tag(field, 0)
        varint(value)
    }

    mutating func fixed64Field(_ field: Int, _ value: UInt64) {
        tag(field, 1)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func bytesField(_ field: Int, _ value: some Collection<UInt8>) {
        tag(field, 2)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func stringField(_ field: Int, _ value: String) {
        var value = value
        value.withUTF8 { bytesField(field, $0) }
    }

    /// A nested message: `write` fills it, then it is appended with its length.
    mutating func messageField(_ field: Int, _ write: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        write(&inner)
        bytesField(field, inner.bytes)
    }
}

/// OTLP's trace messages (opentelemetry-proto `trace/v1`, `common/v1`, `resource/v1` and the
/// collector's `ExportTraceServiceRequest`), written by hand: field numbers are those of the
/// `.proto` files, which the end-to-end tests decode with the reference Python classes.
enum OTLPEncoding {
    /// One `Span` message.
    static func span(_ span: RecordingSpan, _ state: RecordingSpan.State, end: UInt64, into writer: inout ProtobufWriter) {
        writer.idField(1, span.identity.traceID.high, span.identity.traceID.low)
        writer.idField(2, span.identity.spanID.value)
        if !span.identity.traceState.isEmpty { writer.stringField(3, span.identity.traceState) }
        if let parent = span.parent { writer.idField(4, parent.value) }
        writer.stringField(5, state.name)
        writer.varintField(6, kind(span.kind))
        writer.fixed64Field(7, span.start)
        writer.fixed64Field(8, max(end, span.start))
        for (key, value) in state.described { keyValue(key, value, field: 9, into: &writer) }
        attributes(state.attributes, field: 9, into: &writer)
        for event in state.events {
            writer.messageField(11) { event_ in
                event_.fixed64Field(1, event.nanosecondsSinceEpoch)
                event_.stringField(2, event.name)
                attributes(event.attributes, field: 3, into: &event_)
            }
        }
        for link in state.links {
            guard let target = link.context.spanIdentity else { continue }
            writer.messageField(13) { link_ in
                link_.idField(1, target.traceID.high, target.traceID.low)
                link_.idField(2, target.spanID.value)
                if !target.traceState.isEmpty { link_.stringField(3, target.traceState) }
                attributes(link.attributes, field: 4, into: &link_)
            }
        }
        if let status = state.status {
            writer.messageField(15) { status_ in
                if let message = status.message, status.code == .error { status_.stringField(2, message) }
                status_.varintField(3, status.code == .ok ? 1 : 2)
            }
        }
    }

    /// An `ExportTraceServiceRequest` of one resource and one instrumentation scope around spans
    /// already encoded and framed as `ScopeSpans.spans` fields (`framedSpan`).
    static func request(resource: [UInt8], scope: [UInt8], framedSpans: ArraySlice<UInt8>) -> [UInt8] {
        let scopeField = 1 + ProtobufWriter.varintSize(UInt64(scope.count)) + scope.count
        let scopeSpans = scopeField + framedSpans.count
        let resourceField = 1 + ProtobufWriter.varintSize(UInt64(resource.count)) + resource.count
        let resourceSpans = resourceField + 1 + ProtobufWriter.varintSize(UInt64(scopeSpans)) + scopeSpans
        var writer = ProtobufWriter(capacity: resourceSpans + 8)
        writer.tag(1, 2)
        writer.varint(UInt64(resourceSpans))
        writer.bytesField(1, resource)
        writer.tag(2, 2)
        writer.varint(UInt64(scopeSpans))
        writer.bytesField(1, scope)
        writer.raw(framedSpans)
        return writer.bytes
    }

    /// An encoded `Span` as a `ScopeSpans.spans` field (number 2), ready to be concatenated.
    static func framedSpan(_ span: [UInt8], into writer: inout ProtobufWriter) {
        writer.bytesField(2, span)
    }

    /// A `Resource` message of string attributes, in the order given.
    static func resource(_ attributes: [(String, String)]) -> [UInt8] {
        var writer = ProtobufWriter()
        for (key, value) in attributes {
            writer.messageField(1) { pair in
                pair.stringField(1, key)
                pair.messageField(2) { $0.stringField(1, value) }
            }
        }
        return writer.bytes
    }

    /// An `InstrumentationScope` message.
    static func scope(name: String, version: String) -> [UInt8] {
        var writer = ProtobufWriter()
        writer.stringField(1, name)
        writer.stringField(2, version)
        return writer.bytes
    }

    /// `KeyValue` fields, sorted by key so the same span always encodes the same way (sorted in a
    /// stack buffer: no allocation).
    static func attributes(_ attributes: SpanAttributes, field: Int, into writer: inout ProtobufWriter) {
        let count = attributes.count
        guard count > 0 else { return }
        withUnsafeTemporaryAllocation(of: (String, SpanAttribute).self, capacity: count) { pairs in
            var filled = 0
            attributes.forEach { key, value in
                if filled < count {
                    (pairs.baseAddress! + filled).initialize(to: (key, value))
                    filled += 1
                }
            }
            var used = UnsafeMutableBufferPointer(rebasing: pairs[..<filled])
            used.sort { $0.0 < $1.0 }
            for (key, value) in used { keyValue(key, value, field: field, into: &writer) }
            _ = used.deinitialize()
        }
    }

    private static func keyValue(_ key: String, _ value: SpanAttribute, field: Int, into writer: inout ProtobufWriter) {
        if let scalar = AttributeValue(value) {
            keyValue(key, scalar, field: field, into: &writer)
        } else {
            writer.messageField(field) { pair in
                pair.stringField(1, key)
                pair.messageField(2) { anyValue(&$0, value) }
            }
        }
    }

    /// A `KeyValue` of a scalar, written in place: the sizes are known without a scratch buffer.
    private static func keyValue(_ key: String, _ value: AttributeValue, field: Int, into writer: inout ProtobufWriter) {
        let keySize = key.utf8.count
        let valueSize = value.size
        let pairSize = 1 + ProtobufWriter.varintSize(UInt64(keySize)) + keySize + 1 + ProtobufWriter.varintSize(UInt64(valueSize)) + valueSize
        writer.tag(field, 2)
        writer.varint(UInt64(pairSize))
        writer.stringField(1, key)
        writer.tag(2, 2)
        writer.varint(UInt64(valueSize))
        value.write(into: &writer)
    }

    private static func anyValue(_ writer: inout ProtobufWriter, _ value: SpanAttribute) {
        if let scalar = AttributeValue(value) {
            scalar.write(into: &writer)
            return
        }
        switch value {
        case .stringArray(let values): array(&writer, values.map(SpanAttribute.string))
        case .int32Array(let values): array(&writer, values.map(SpanAttribute.int32))
        case .int64Array(let values): array(&writer, values.map(SpanAttribute.int64))
        case .doubleArray(let values): array(&writer, values.map(SpanAttribute.double))
        case .boolArray(let values): array(&writer, values.map(SpanAttribute.bool))
        case .stringConvertibleArray(let values): array(&writer, values.map { .string($0.description) })
        default: break
        }
    }

    private static func array(_ writer: inout ProtobufWriter, _ values: [SpanAttribute]) {
        writer.messageField(5) { list in
            for value in values { list.messageField(1) { anyValue(&$0, value) } }
        }
    }

    private static func kind(_ kind: SpanKind) -> UInt64 {
        switch kind {
        case .internal: 1
        case .server: 2
        case .client: 3
        case .producer: 4
        case .consumer: 5
        }
    }
}

/// An attribute's value that is not an array (OTLP's scalar `AnyValue`s), for
/// `RecordingSpan.describe(_:)`.
public enum AttributeValue: Sendable, Hashable {
    case string(String)
    case bool(Bool)
    case int(Int64)
    case double(Double)

    init?(_ value: SpanAttribute) {
        switch value {
        case .string(let text): self = .string(text)
        case .stringConvertible(let value): self = .string(value.description)
        case .bool(let flag): self = .bool(flag)
        case .int32(let number): self = .int(Int64(number))
        case .int64(let number): self = .int(number)
        case .double(let number): self = .double(number)
        default: return nil
        }
    }

    var spanAttribute: SpanAttribute {
        switch self {
        case .string(let text): .string(text)
        case .bool(let flag): .bool(flag)
        case .int(let number): .int64(number)
        case .double(let number): .double(number)
        }
    }

    /// The `AnyValue` message's size.
    var size: Int {
        switch self {
        case .string(let text): 1 + ProtobufWriter.varintSize(UInt64(text.utf8.count)) + text.utf8.count
        case .bool: 2
        case .int(let number): 1 + ProtobufWriter.varintSize(UInt64(bitPattern: number))
        case .double: 9
        }
    }

    /// The `AnyValue` message's fields.
    func write(into writer: inout ProtobufWriter) {
        switch self {
        case .string(let text): writer.stringField(1, text)
        case .bool(let flag): writer.varintField(2, flag ? 1 : 0)
        case .int(let number): writer.varintField(3, UInt64(bitPattern: number))
        case .double(let number): writer.fixed64Field(4, number.bitPattern)
        }
    }
}
