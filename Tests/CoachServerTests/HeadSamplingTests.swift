@testable import CoachServer
import InMemoryTracing
import Testing
import Tracing

/// The head-sampling decision made in front of swift-otel (`HeadSampledTracer`), over an
/// in-memory tracer standing in for swift-otel's.
@Suite struct HeadSamplingTests {
    struct Fields: Injector, Extractor {
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
        func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
    }

    @Test(arguments: [
        ([:], 1.0), (["OTEL_TRACES_SAMPLER": "always_off"], 0.0), (["OTEL_TRACES_SAMPLER": "parentbased_always_off"], 0.0),
        (["OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.01"], 0.01),
        (["OTEL_TRACES_SAMPLER": "TraceIdRatio", "OTEL_TRACES_SAMPLER_ARG": " 0.5 "], 0.5),
        (["OTEL_TRACES_SAMPLER": "traceidratio"], 1.0),
    ])
    func readsTheStandardVariables(environment: [String: String], ratio: Double) throws {
        #expect(try HeadSampling(environment: environment).ratio == ratio)
    }

    @Test(arguments: [
        ["OTEL_TRACES_SAMPLER": "jaeger_remote"], ["OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "1.5"],
        ["OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "half"],
    ])
    func refusesWhatItCannotDo(environment: [String: String]) {
        #expect(throws: ConfigurationError.self) { try HeadSampling(environment: environment) }
    }

    @Test func aTraceThatIsNotRecordedNeverReachesTheRecorderAndTravelsOnUnsampled() throws {
        let base = InMemoryTracer()
        let tracer = HeadSampledTracer(base: base, sampling: HeadSampling(ratio: 0))
        let root = tracer.startSpan("edge", context: .topLevel, ofKind: .server, at: DefaultTracerClock.now, function: #function, file: #fileID, line: #line)
        let child = tracer.startSpan("call", context: root.context, ofKind: .client, at: DefaultTracerClock.now, function: #function, file: #fileID, line: #line)
        var fields: [String: String] = [:]
        tracer.inject(child.context, into: &fields, using: Fields())
        child.end()
        root.end()
        #expect(!root.isRecording && base.finishedSpans.isEmpty && base.activeSpans.isEmpty)
        let traceParent = try #require(fields["traceparent"])
        #expect(HeadSampledTracer<InMemoryTracer>.sampledFlag(traceParent) == false)

        // Another process continues it unrecorded, whatever its own ratio, and passes it on unchanged.
        let downstream = HeadSampledTracer(base: base, sampling: HeadSampling(ratio: 1))
        var context = ServiceContext.topLevel
        downstream.extract(fields, into: &context, using: Fields())
        let server = downstream.startSpan("server", context: context, ofKind: .server, at: DefaultTracerClock.now, function: #function, file: #fileID, line: #line)
        var onwards: [String: String] = [:]
        downstream.inject(server.context, into: &onwards, using: Fields())
        server.end()
        #expect(base.finishedSpans.isEmpty && onwards["traceparent"] == traceParent)
    }

    @Test func aRecordedTraceIsRecordedWithEveryChildWhateverTheRatio() {
        let base = InMemoryTracer()
        let edge = HeadSampledTracer(base: base, sampling: HeadSampling(ratio: 1))
        let root = edge.startSpan("edge", context: .topLevel, ofKind: .server, at: DefaultTracerClock.now, function: #function, file: #fileID, line: #line)
        let later = HeadSampledTracer(base: base, sampling: HeadSampling(ratio: 0))
        let child = later.startSpan("stage", context: root.context, ofKind: .internal, at: DefaultTracerClock.now, function: #function, file: #fileID, line: #line)
        child.end()
        root.end()
        #expect(base.finishedSpans.map(\.operationName) == ["stage", "edge"])

        // A caller's recorded (flags 01) trace is continued by the recorder, even at ratio 0.
        var context = ServiceContext.topLevel
        later.extract(["traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"], into: &context, using: Fields())
        later.startSpan("server", context: context, ofKind: .server, at: DefaultTracerClock.now, function: #function, file: #fileID, line: #line).end()
        #expect(base.finishedSpans.map(\.operationName).last == "server")
    }

    @Test(arguments: [
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true), ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", false),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03", true), ("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", nil),
        ("00-00000000000000000000000000000000-00f067aa0ba902b7-01", nil), ("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", nil),
        ("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", nil), ("garbage", nil), ("00-xyz-abc-01", nil),
    ])
    func readsTheSampledFlagOfWellFormedTraceParentsOnly(traceParent: String, sampled: Bool?) {
        #expect(HeadSampledTracer<InMemoryTracer>.sampledFlag(traceParent) == sampled)
    }

    @Test func newTraceParentsAreWellFormedUnsampledAndDistinct() {
        let parents = (0..<100).map { _ in HeadSampledTracer<InMemoryTracer>.newTraceParent() }
        #expect(parents.allSatisfy { HeadSampledTracer<InMemoryTracer>.sampledFlag($0) == false && $0.count == 55 })
        #expect(Set(parents).count == 100)
    }
}
