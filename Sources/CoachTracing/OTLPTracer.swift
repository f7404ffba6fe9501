import Synchronization
import Tracing

/// The process's tracer when traces are exported: head sampling, W3C Trace Context propagation,
/// and spans recorded cheaply enough to follow every request of a hot path (a recorded span is one
/// object with its own lock, taken per change, and, when it ends, its OTLP encoding and one append to the
/// exporter's queue: no task hop, no table of live spans).
///
/// Sampling is decided where a trace starts (`HeadSampling`); a span with a parent follows the
/// parent's decision, whichever process made it. The spans of a trace that is not recorded are
/// no-ops that carry its context on (flags `00`), so other processes do not record it either.
public struct OTLPTracer: Tracer {
    public typealias Span = TracedSpan

    let sampling: HeadSampling
    let exporter: SpanExporter
    let ids: IDGenerator

    public init(sampling: HeadSampling, exporter: SpanExporter) {
        self.sampling = sampling
        self.exporter = exporter
        self.ids = IDGenerator()
    }

    public func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> ServiceContext, ofKind kind: SpanKind, at instant: @autoclosure () -> Instant,
        function: String, file fileID: String, line: UInt
    ) -> TracedSpan {
        var context = context()
        let parent = context.spanIdentity
        if let parent, !parent.sampled { return .unrecorded(NoOpTracer.NoOpSpan(context: context)) }
        let traceID = parent?.traceID ?? ids.traceID()
        if parent == nil, !sampling.samples(traceID) {
            context.spanIdentity = SpanIdentity(traceID: traceID, spanID: ids.spanID(), sampled: false)
            return .unrecorded(NoOpTracer.NoOpSpan(context: context))
        }
        let identity = SpanIdentity(traceID: traceID, spanID: ids.spanID(), sampled: true, traceState: parent?.traceState ?? "")
        context.spanIdentity = identity
        return .recording(
            RecordingSpan(
                operationName, kind: kind, context: context, identity: identity, parent: parent?.spanID,
                start: instant().nanosecondsSinceEpoch, exporter: exporter))
    }

    /// Spans leave in batches on the exporter's schedule and at shutdown; nothing asks for more.
    public func forceFlush() {}

    public func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {
        guard let identity = context.spanIdentity else { return }
        injector.inject(identity.traceParent.header, forKey: "traceparent", into: &carrier)
        if !identity.traceState.isEmpty { injector.inject(identity.traceState, forKey: "tracestate", into: &carrier) }
    }

    /// Continues a caller's trace from a well-formed `traceparent`; anything else starts a new one.
    public func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract.Carrier == Carrier {
        guard let header = extractor.extract(key: "traceparent", from: carrier), let parent = TraceParent(header) else { return }
        let state = extractor.extract(key: "tracestate", from: carrier) ?? ""
        context.spanIdentity = SpanIdentity(
            traceID: parent.traceID, spanID: parent.spanID, sampled: parent.sampled,
            traceState: Self.isUsableTraceState(state) ? state : "")
    }

    /// A `tracestate` is passed on only when it is short printable ASCII (W3C allows 512 bytes of
    /// list members); a malformed one is dropped rather than forwarded.
    static func isUsableTraceState(_ state: String) -> Bool {
        state.utf8.count <= 512 && state.utf8.allSatisfy { (0x20...0x7e).contains($0) }
    }
}

/// A recorded span, or the no-op stand-in of a trace that is not recorded.
public enum TracedSpan: Tracing.Span {
    case recording(RecordingSpan)
    case unrecorded(NoOpTracer.NoOpSpan)

    public var context: ServiceContext {
        switch self {
        case .recording(let span): span.context
        case .unrecorded(let span): span.context
        }
    }

    public var operationName: String {
        get {
            switch self {
            case .recording(let span): span.operationName
            case .unrecorded(let span): span.operationName
            }
        }
        nonmutating set {
            if case .recording(let span) = self { span.operationName = newValue }
        }
    }

    public var attributes: SpanAttributes {
        get {
            switch self {
            case .recording(let span): span.attributes
            case .unrecorded: [:]
            }
        }
        nonmutating set {
            if case .recording(let span) = self { span.attributes = newValue }
        }
    }

    public var isRecording: Bool {
        if case .recording(let span) = self { return span.isRecording }
        return false
    }

    public func setStatus(_ status: SpanStatus) {
        if case .recording(let span) = self { span.setStatus(status) }
    }

    public func addEvent(_ event: SpanEvent) {
        if case .recording(let span) = self { span.addEvent(event) }
    }

    public func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
        if case .recording(let span) = self { span.recordError(error, attributes: attributes, at: instant()) }
    }

    public func addLink(_ link: SpanLink) {
        if case .recording(let span) = self { span.addLink(link) }
    }

    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        if case .recording(let span) = self { span.end(at: instant()) }
    }
}

/// Trace and span ids: SplitMix64 over an atomic counter from a random seed — unique within the
/// process, unpredictable without the seed, and lock-free (a span id costs one atomic add).
final class IDGenerator: Sendable {
    private let seed: UInt64
    private let counter = Atomic<UInt64>(0)

    init(seed: UInt64 = UInt64.random(in: .min ... .max)) { self.seed = seed }

    func spanID() -> SpanID {
        var id = next()
        while id == 0 { id = next() }
        return SpanID(id)
    }

    func traceID() -> TraceID {
        var id = TraceID(high: next(), low: next())
        while id.high == 0 && id.low == 0 { id = TraceID(high: next(), low: next()) }
        return id
    }

    private func next() -> UInt64 {
        let step = counter.wrappingAdd(1, ordering: .relaxed).newValue
        var z = seed &+ step &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
