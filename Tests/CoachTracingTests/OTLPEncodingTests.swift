@testable import CoachTracing
import Testing
import Tracing

/// Spans are written in OTLP's protobuf by hand; these bytes are what the reference encoder
/// (opentelemetry-proto's Python classes, `Span.SerializeToString()`) makes of the same span, so
/// any collector decodes ours. The end-to-end tests decode whole exports with the same classes.
@Suite struct OTLPEncodingTests {
    static let reference =
        "0a100af7651916cd43dd8448eb211c80319c1208b7ad6b71692033311a11636f6e676f3d7436317263576b674d7a45220800f067aa0ba902b72a20474554"
        + "202f6170692f76312f726573756d65732f7b756e697175655f6b65797d30023900002a36fe9c97174180b21045fe9c97174a1c0a13687474702e7265717565"
        + "73742e6d6574686f6412050a034745544a200a19687474702e726573706f6e73652e7374617475735f636f6465120318c8014a080a026f6b120210014a12"
        + "0a05726174696f120921000000000000e03f4a140a0474616773120c2a0a0a030a01610a030a01625a340900e11f3cfe9c97171209657863657074696f6e"
        + "1a1e0a0e657863657074696f6e2e74797065120c0a0a436f6163684572726f727a0c1208494e5445524e414c1802"

    @Test func aSpanEncodesToTheBytesOfTheReferenceEncoder() throws {
        let settings = try TraceSettings(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"], defaultServiceName: "test")
        let exporter = try SpanExporter(settings: settings, version: "test", logger: .init(label: "test"))
        let identity = SpanIdentity(
            traceID: TraceID(high: 0x0af7_6519_16cd_43dd, low: 0x8448_eb21_1c80_319c), spanID: SpanID(0xb7ad_6b71_6920_3331), sampled: true,
            traceState: "congo=t61rcWkgMzE")
        let span = RecordingSpan(
            "GET /api/v1/resumes/{unique_key}", kind: .server, context: .topLevel, identity: identity, parent: SpanID(0x00f0_67aa_0ba9_02b7),
            start: 1_700_000_000_000_000_000, exporter: exporter)
        span.attributes["http.response.status_code"] = 200
        span.attributes["http.request.method"] = "GET"
        span.attributes["ok"] = true
        span.attributes["ratio"] = 0.5
        span.attributes["tags"] = ["a", "b"]
        span.addEvent(
            SpanEvent(
                name: "exception", at: DefaultTracerClock.Instant(nanosecondsSinceEpoch: 1_700_000_000_100_000_000),
                attributes: ["exception.type": "CoachError"]))
        span.setStatus(SpanStatus(code: .error, message: "INTERNAL"))
        span.end(at: DefaultTracerClock.Instant(nanosecondsSinceEpoch: 1_700_000_000_250_000_000))
        let encoded = try #require(exporter.queued.first)
        #expect(encoded.map { byte in String(byte >> 4, radix: 16) + String(byte & 0xf, radix: 16) }.joined() == Self.reference)
    }

    /// `describe(_:)`, the hot spans' way to set attributes, writes the same `KeyValue`s as
    /// `attributes`, in the order given, and reads back through `attributes`.
    @Test func describedAttributesEncodeAsTheSameKeyValuesInTheirOrder() throws {
        let settings = try TraceSettings(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"], defaultServiceName: "test")
        let exporter = try SpanExporter(settings: settings, version: "test", logger: .init(label: "test"))
        let identity = SpanIdentity(traceID: TraceID(high: 1, low: 2), spanID: SpanID(3), sampled: true)
        func span() -> RecordingSpan {
            RecordingSpan("call", kind: .client, context: .topLevel, identity: identity, parent: nil, start: 10, exporter: exporter)
        }
        let described = span()
        described.describe(["a.count": .int(-7), "b.name": .string("grpc"), "c.ok": .bool(true), "d.ratio": .double(0.25)])
        #expect(described.attributes["b.name"]?.toSpanAttribute() == .string("grpc"))
        #expect(described.attributes["a.count"]?.toSpanAttribute() == .int64(-7))
        described.end(at: DefaultTracerClock.Instant(nanosecondsSinceEpoch: 20))
        let set = span()
        set.attributes = ["d.ratio": 0.25, "a.count": .int64(-7), "c.ok": true, "b.name": "grpc"]  // encoded sorted by key
        set.end(at: DefaultTracerClock.Instant(nanosecondsSinceEpoch: 20))
        let queued = exporter.queued
        #expect(queued.count == 2 && Array(queued[0]) == Array(queued[1]))
    }

    @Test func varintsAndNestedLengthsFollowTheWireFormat() {
        var writer = ProtobufWriter()
        writer.varint(300)
        writer.varint(0)
        writer.varint(UInt64.max)
        #expect(writer.bytes == [0xac, 0x02, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
        var spans = ProtobufWriter()
        OTLPEncoding.framedSpan([3], into: &spans)
        OTLPEncoding.framedSpan([4, 5], into: &spans)
        let request = OTLPEncoding.request(resource: [1], scope: [2], framedSpans: spans.bytes[...])
        #expect(request == [0x0a, 0x0f, 0x0a, 0x01, 0x01, 0x12, 0x0a, 0x0a, 0x01, 0x02, 0x12, 0x01, 0x03, 0x12, 0x02, 0x04, 0x05])
    }
}
