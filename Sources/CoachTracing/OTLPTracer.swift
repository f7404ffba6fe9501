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
        start(operationName, kind: kind, context: context(), remoteParent: nil) { instant().nanosecondsSinceEpoch }
    }

    /// Starts a span now, carrying `context` on with the new span in it. Its parent is
    /// `remoteParent` (the caller's span, read from a `traceparent` with `remoteParent(…)`) when
    /// there is one, else the span `context` is in; with neither it starts a trace, sampled here.
    /// The same as `startSpan(_:context:ofKind:…)` without its generic parameters, for the spans
    /// of every request (the edge's and the gRPC interceptors'): a generic call from another
    /// module is not specialized, and pays for that on each request.
    public func startSpan(_ name: String, kind: SpanKind, context: ServiceContext, remoteParent: SpanIdentity? = nil) -> TracedSpan {
        start(name, kind: kind, context: context, remoteParent: remoteParent) { DefaultTracerClock.now.nanosecondsSinceEpoch }
    }

    private func start(
        _ name: String, kind: SpanKind, context: ServiceContext, remoteParent: SpanIdentity?, now: () -> UInt64
    ) -> TracedSpan {
        var context = context
        let parent = remoteParent ?? context.spanIdentity
        if let parent, !parent.sampled {
            // An unrecorded trace passes its caller's span on: into the context when it came from outside.
            if remoteParent != nil { context.spanIdentity = parent }
            return .unrecorded(context)
        }
        let traceID = parent?.traceID ?? ids.traceID()
        if parent == nil, !sampling.samples(traceID) {
            context.spanIdentity = SpanIdentity(traceID: traceID, spanID: ids.spanID(), sampled: false)
            return .unrecorded(context)
        }
        let identity = SpanIdentity(traceID: traceID, spanID: ids.spanID(), sampled: true, traceState: parent?.traceState ?? "")
        context.spanIdentity = identity
        return .recording(
            RecordingSpan(name, kind: kind, context: context, identity: identity, parent: parent?.spanID, start: now(), exporter: exporter))
    }

    /// Spans leave in batches on the exporter's schedule and at shutdown; nothing asks for more.
    public func forceFlush() {}

    public func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {
        context.spanIdentity?.writeTraceContext { name, value in injector.inject(value, forKey: name, into: &carrier) }
    }

    /// Continues a caller's trace from a well-formed `traceparent`; anything else starts a new one.
    public func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract.Carrier == Carrier {
        if let parent = Self.remoteParent(
            traceParent: extractor.extract(key: "traceparent", from: carrier), traceState: extractor.extract(key: "tracestate", from: carrier))
        {
            context.spanIdentity = parent
        }
    }

    /// The caller's span, from the values of its W3C Trace Context fields; nil unless
    /// `traceParent` is well formed (`traceState` is read only then, and dropped when unusable).
    public static func remoteParent(traceParent: String?, traceState: @autoclosure () -> String?) -> SpanIdentity? {
        guard let traceParent, let parent = TraceParent(traceParent) else { return nil }
        let state = traceState() ?? ""
        return SpanIdentity(
            traceID: parent.traceID, spanID: parent.spanID, sampled: parent.sampled, traceState: isUsableTraceState(state) ? state : "")
    }

    /// The process's tracer when it is this one (`TraceExport` installs it); nil otherwise. The
    /// read takes a lock and a dynamic cast: components read it once, not per request.
    public static var installed: OTLPTracer? { InstrumentationSystem.tracer as? OTLPTracer }

    /// A `tracestate` is passed on only when it is short printable ASCII (W3C allows 512 bytes of
    /// list members); a malformed one is dropped rather than forwarded.
    static func isUsableTraceState(_ state: String) -> Bool {
        state.utf8.count <= 512 && state.utf8.allSatisfy { (0x20...0x7e).contains($0) }
    }
}

/// A recorded span, or the stand-in of a trace that is not recorded: its context (which holds
/// the span it continues, flags `00`) and nothing else.
public enum TracedSpan: Tracing.Span {
    case recording(RecordingSpan)
    case unrecorded(ServiceContext)

    public var context: ServiceContext {
        switch self {
        case .recording(let span): span.context
        case .unrecorded(let context): context
        }
    }

    /// The span to name as the parent downstream (`SpanIdentity.writeTraceContext`): this one
    /// when recorded, the one an unrecorded trace continues otherwise.
    public var identity: SpanIdentity? {
        switch self {
        case .recording(let span): span.identity
        case .unrecorded(let context): context.spanIdentity
        }
    }

    public var operationName: String {
        get {
            switch self {
            case .recording(let span): span.operationName
            case .unrecorded: ""
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

    /// Ends the span now (not generic, unlike `Span.end()`; see `OTLPTracer.startSpan(_:kind:context:remoteParent:)`).
    public func end() {
        if case .recording(let span) = self { span.end() }
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
