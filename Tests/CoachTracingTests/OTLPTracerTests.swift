@testable import CoachTracing
import Logging
import Testing
import Tracing

/// The tracer: head sampling where a trace starts, parent-based everywhere else, W3C Trace
/// Context in and out, and recorded spans queued for export when they end.
@Suite struct OTLPTracerTests {
    struct Fields: Injector, Extractor {
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
        func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
    }

    static func exporter(_ extra: [String: String] = [:]) throws -> SpanExporter {
        let environment = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"].merging(extra) { $1 }
        let settings = try TraceSettings(environment: environment, defaultServiceName: "test")
        return try SpanExporter(settings: settings, version: "test", logger: .init(label: "test"))
    }

    static func start(_ tracer: OTLPTracer, _ name: String, _ context: ServiceContext = .topLevel, _ kind: SpanKind = .internal) -> TracedSpan {
        tracer.startSpan(name, context: context, ofKind: kind, at: DefaultTracerClock.now, function: #function, file: #fileID, line: #line)
    }

    @Test func aRecordedSpansChildrenShareItsTraceAndNameItAsParentAndEndedSpansAreQueuedOnce() throws {
        let exporter = try Self.exporter()
        let tracer = OTLPTracer(sampling: HeadSampling(ratio: 1), exporter: exporter)
        let root = Self.start(tracer, "edge", .topLevel, .server)
        let child = Self.start(tracer, "call", root.context, .client)
        guard case .recording(let rootSpan) = root, case .recording(let childSpan) = child else {
            Issue.record("a trace at ratio 1 is recorded")
            return
        }
        #expect(rootSpan.parent == nil && childSpan.parent == rootSpan.identity.spanID)
        #expect(childSpan.identity.traceID == rootSpan.identity.traceID && childSpan.identity.spanID != rootSpan.identity.spanID)
        child.end()
        child.end()
        #expect(exporter.queued.count == 1 && !child.isRecording && root.isRecording)
        child.attributes["late"] = "ignored"
        #expect(child.attributes["late"] == nil)
        root.end()
        #expect(exporter.queued.count == 2)
    }

    @Test func aTraceThatIsNotRecordedQueuesNothingAndTravelsOnUnsampled() throws {
        let exporter = try Self.exporter()
        let tracer = OTLPTracer(sampling: HeadSampling(ratio: 0), exporter: exporter)
        let root = Self.start(tracer, "edge", .topLevel, .server)
        let child = Self.start(tracer, "call", root.context, .client)
        var fields: [String: String] = [:]
        tracer.inject(child.context, into: &fields, using: Fields())
        child.end()
        root.end()
        #expect(!root.isRecording && exporter.queued.count == 0)
        let traceParent = try #require(fields["traceparent"].flatMap(TraceParent.init))
        #expect(!traceParent.sampled && traceParent.traceID == root.context.spanIdentity?.traceID)

        // Another process continues it unrecorded, whatever its own ratio, and passes it on unchanged.
        let downstream = OTLPTracer(sampling: HeadSampling(ratio: 1), exporter: exporter)
        var context = ServiceContext.topLevel
        downstream.extract(fields, into: &context, using: Fields())
        let server = Self.start(downstream, "server", context, .server)
        var onwards: [String: String] = [:]
        downstream.inject(server.context, into: &onwards, using: Fields())
        server.end()
        #expect(exporter.queued.count == 0 && onwards["traceparent"] == fields["traceparent"])
    }

    @Test func aCallersRecordedTraceIsContinuedWhateverTheRatioWithItsTraceState() throws {
        let exporter = try Self.exporter()
        let tracer = OTLPTracer(sampling: HeadSampling(ratio: 0), exporter: exporter)
        var context = ServiceContext.topLevel
        let caller = ["traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "tracestate": "congo=t61rcWkgMzE"]
        tracer.extract(caller, into: &context, using: Fields())
        let server = Self.start(tracer, "server", context, .server)
        guard case .recording(let span) = server else {
            Issue.record("a caller's recorded trace is recorded")
            return
        }
        #expect(span.identity.traceID.hex == "4bf92f3577b34da6a3ce929d0e0e4736" && span.parent?.hex == "00f067aa0ba902b7")
        var onwards: [String: String] = [:]
        tracer.inject(server.context, into: &onwards, using: Fields())
        #expect(onwards["traceparent"] == "00-4bf92f3577b34da6a3ce929d0e0e4736-\(span.identity.spanID.hex)-01")
        #expect(onwards["tracestate"] == "congo=t61rcWkgMzE")
        server.end()
        #expect(exporter.queued.count == 1)
    }

    /// The entry point of the edge and the gRPC interceptors: the caller's span given as a parent,
    /// not through a `ServiceContext`, with the same outcome as `extract` then `startSpan`.
    @Test func aSpanStartedUnderAnExplicitParentFollowsItsDecisionAndPassesItOn() throws {
        let exporter = try Self.exporter()
        let tracer = OTLPTracer(sampling: HeadSampling(ratio: 0), exporter: exporter)
        let recordedCaller = OTLPTracer.remoteParent(
            traceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", traceState: "congo=t61rcWkgMzE")
        let server = tracer.startSpan("server", kind: .server, context: .topLevel, remoteParent: recordedCaller)
        guard case .recording(let span) = server else {
            Issue.record("a caller's recorded trace is recorded, whatever the ratio")
            return
        }
        #expect(span.identity.traceID.hex == "4bf92f3577b34da6a3ce929d0e0e4736" && span.parent?.hex == "00f067aa0ba902b7")
        #expect(server.context.spanIdentity == span.identity && server.identity == span.identity)
        var fields: [String: String] = [:]
        server.identity?.writeTraceContext { fields[$0] = $1 }
        #expect(fields == ["traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-\(span.identity.spanID.hex)-01", "tracestate": "congo=t61rcWkgMzE"])
        server.end()
        #expect(exporter.queued.count == 1)

        // A caller's unrecorded trace: nothing kept, and the caller's own span passed on unchanged.
        let quietHeader = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"
        let quiet = OTLPTracer(sampling: HeadSampling(ratio: 1), exporter: exporter)
            .startSpan("server", kind: .server, context: .topLevel, remoteParent: OTLPTracer.remoteParent(traceParent: quietHeader, traceState: nil))
        var onwards: [String: String] = [:]
        quiet.identity?.writeTraceContext { onwards[$0] = $1 }
        quiet.end()
        #expect(!quiet.isRecording && onwards == ["traceparent": quietHeader] && quiet.context.spanIdentity?.sampled == false)
        #expect(exporter.queued.count == 1)
        #expect(OTLPTracer.remoteParent(traceParent: "garbage", traceState: "congo=t61rcWkgMzE") == nil)
        #expect(OTLPTracer.remoteParent(traceParent: nil, traceState: nil) == nil)
    }

    @Test(arguments: [
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", "garbage", "",
    ])
    func aMalformedTraceParentStartsANewTrace(header: String) throws {
        let tracer = OTLPTracer(sampling: HeadSampling(ratio: 1), exporter: try Self.exporter())
        var context = ServiceContext.topLevel
        tracer.extract(["traceparent": header], into: &context, using: Fields())
        #expect(context.spanIdentity == nil)
        #expect(TraceParent(header) == nil)
    }

    @Test func aMalformedTraceStateIsDroppedNotForwarded() throws {
        let tracer = OTLPTracer(sampling: HeadSampling(ratio: 1), exporter: try Self.exporter())
        for state in [String(repeating: "a=b,", count: 200), "a=b\ninjected: header"] {
            var context = ServiceContext.topLevel
            tracer.extract(
                ["traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "tracestate": state], into: &context, using: Fields())
            #expect(context.spanIdentity?.traceState == "")
        }
    }

    @Test func traceParentsRoundTripAndIdsAreDistinctAndNonZero() {
        let ids = IDGenerator(seed: 0)
        let spans = (0..<10_000).map { _ in ids.spanID() }
        #expect(Set(spans).count == spans.count && !spans.contains(SpanID(0)))
        let parent = TraceParent(traceID: ids.traceID(), spanID: ids.spanID(), sampled: true)
        #expect(TraceParent(parent.header) == parent && parent.header.count == 55)
    }

    @Test func aFullQueueDropsNewSpansInsteadOfGrowing() throws {
        let exporter = try Self.exporter(["OTEL_BSP_MAX_QUEUE_SIZE": "3", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "2"])
        let tracer = OTLPTracer(sampling: HeadSampling(ratio: 1), exporter: exporter)
        for index in 0..<5 { Self.start(tracer, "span \(index)").end() }
        #expect(exporter.queued.count == 3)
    }

    @Test func logLinesInARecordedSpanCarryItsIds() throws {
        let recorded = OTLPTracer(sampling: HeadSampling(ratio: 1), exporter: try Self.exporter())
        let span = Self.start(recorded, "work")
        let metadata = ServiceContext.$current.withValue(span.context) { Logger.MetadataProvider.traceIdentity.get() }
        #expect(metadata["trace_id"] == "\(span.context.spanIdentity!.traceID.hex)")
        #expect(metadata["span_id"] == "\(span.context.spanIdentity!.spanID.hex)")
        let unrecorded = OTLPTracer(sampling: HeadSampling(ratio: 0), exporter: try Self.exporter())
        let quiet = Self.start(unrecorded, "work")
        #expect(ServiceContext.$current.withValue(quiet.context) { Logger.MetadataProvider.traceIdentity.get() }.isEmpty)
    }
}
