import CoachJobs
import Foundation
import Tracing

/// The head-sampling rule of `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`, decided in front of
/// swift-otel's tracer (`HeadSampledTracer`).
public struct HeadSampling: Sendable, Hashable {
    /// The chance that a trace starting here is recorded (0...1).
    public var ratio: Double

    public init(ratio: Double) { self.ratio = ratio }

    /// The rule the standard variables ask for: `always_on`, `always_off`, `traceidratio` and their
    /// `parentbased_*` forms (the default is `parentbased_always_on`). Spans with a parent always
    /// follow its decision, whichever form is named.
    public init(environment: [String: String]) throws(ConfigurationError) {
        let name = environment["OTEL_TRACES_SAMPLER"]?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        let argument = environment["OTEL_TRACES_SAMPLER_ARG"]?.trimmingCharacters(in: .whitespaces) ?? ""
        switch name {
        case "", "always_on", "parentbased_always_on": ratio = 1
        case "always_off", "parentbased_always_off": ratio = 0
        case "traceidratio", "parentbased_traceidratio":
            if argument.isEmpty {
                ratio = 1
            } else {
                guard let value = Double(argument), (0...1).contains(value) else {
                    throw ConfigurationError("OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1")
                }
                ratio = value
            }
        default:
            throw ConfigurationError(
                "OTEL_TRACES_SAMPLER \(name) is not supported: always_on, always_off, traceidratio or their parentbased_ forms")
        }
    }

    /// Whether a trace starting now is recorded.
    func samplesNewTrace() -> Bool {
        if ratio >= 1 { return true }
        if ratio <= 0 { return false }
        var random = SystemRandomNumberGenerator()
        return Double(random.next() >> 11) * 0x1p-53 < ratio
    }
}

/// swift-otel's tracer behind a head-sampling decision of our own, so that a trace that is not
/// recorded costs nearly nothing: its spans are no-ops that only carry the W3C context onwards
/// (flags `00`, so other processes do not record it either), and swift-otel — whose ID generator
/// takes a lock around a system call for every span — never sees them. Recorded traces are
/// swift-otel's own (configured `parentbased_always_on`: the decision is made here).
struct HeadSampledTracer<Base: Tracer>: Tracer {
    let base: Base
    let sampling: HeadSampling

    func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> ServiceContext, ofKind kind: SpanKind, at instant: @autoclosure () -> Instant,
        function: String, file fileID: String, line: UInt
    ) -> HeadSampledSpan<Base.Span> {
        let parent = context()
        if parent[UnrecordedTrace.self] != nil { return .unrecorded(NoOpTracer.NoOpSpan(context: parent)) }
        if parent[RecordedTrace.self] == nil, !sampling.samplesNewTrace() {
            var unrecorded = parent
            unrecorded[UnrecordedTrace.self] = Self.newTraceParent()
            return .unrecorded(NoOpTracer.NoOpSpan(context: unrecorded))
        }
        return .recorded(
            base.startSpan(operationName, context: parent, ofKind: kind, at: instant(), function: function, file: fileID, line: line))
    }

    /// Nothing in the process asks for a flush (the deprecated protocol still requires this):
    /// swift-otel's service, first in the service group, flushes on graceful shutdown.
    func forceFlush() {}

    func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {
        if let traceParent = context[UnrecordedTrace.self] {
            injector.inject(traceParent, forKey: "traceparent", into: &carrier)
        } else {
            base.inject(context, into: &carrier, using: injector)
        }
    }

    func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract.Carrier == Carrier {
        guard let traceParent = extractor.extract(key: "traceparent", from: carrier), let sampled = Self.sampledFlag(traceParent) else {
            return
        }
        if sampled {
            base.extract(carrier, into: &context, using: extractor)
            context[RecordedTrace.self] = true
        } else {
            context[UnrecordedTrace.self] = traceParent
        }
    }

    /// The sampled flag of a well-formed `traceparent` (version 00); nil for anything else.
    static func sampledFlag(_ traceParent: String) -> Bool? { TraceParent(traceParent)?.sampled }

    /// A `traceparent` for a trace that is not recorded: fresh ids, flags `00`.
    static func newTraceParent() -> String {
        var random = SystemRandomNumberGenerator()
        func hex(_ value: UInt64) -> String {
            let digits = String(max(value, 1), radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return "00-\(hex(random.next()))\(hex(random.next()))-\(hex(random.next()))-00"
    }
}

/// A recorded span, or the no-op stand-in of a trace that is not recorded.
enum HeadSampledSpan<Recorded: Span>: Span {
    case recorded(Recorded)
    case unrecorded(NoOpTracer.NoOpSpan)

    var context: ServiceContext {
        switch self {
        case .recorded(let span):
            // Its children are recorded too (swift-otel samples them by their parent).
            var context = span.context
            context[RecordedTrace.self] = true
            return context
        case .unrecorded(let span): return span.context
        }
    }

    var operationName: String {
        get {
            switch self {
            case .recorded(let span): span.operationName
            case .unrecorded(let span): span.operationName
            }
        }
        nonmutating set {
            if case .recorded(let span) = self { span.operationName = newValue }
        }
    }

    var attributes: SpanAttributes {
        get {
            switch self {
            case .recorded(let span): span.attributes
            case .unrecorded: [:]
            }
        }
        nonmutating set {
            if case .recorded(let span) = self { span.attributes = newValue }
        }
    }

    var isRecording: Bool {
        if case .recorded(let span) = self { return span.isRecording }
        return false
    }

    func setStatus(_ status: SpanStatus) {
        if case .recorded(let span) = self { span.setStatus(status) }
    }

    func addEvent(_ event: SpanEvent) {
        if case .recorded(let span) = self { span.addEvent(event) }
    }

    func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
        if case .recorded(let span) = self { span.recordError(error, attributes: attributes, at: instant()) }
    }

    func addLink(_ link: SpanLink) {
        if case .recorded(let span) = self { span.addLink(link) }
    }

    func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        if case .recorded(let span) = self { span.end(at: instant()) }
    }
}

/// The `traceparent` (flags `00`) of a trace this process does not record.
private enum UnrecordedTrace: ServiceContextKey {
    typealias Value = String
}

/// The current trace is recorded (a recorded span is its parent).
private enum RecordedTrace: ServiceContextKey {
    typealias Value = Bool
}
