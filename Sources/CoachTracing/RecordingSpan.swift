import Synchronization
import Tracing

/// A span of a recorded trace. Changes take a lock (spans are shared between tasks); ending it
/// encodes it once, in OTLP's protobuf, on the task that ends it, and hands the bytes to the
/// exporter's queue. A span ends once: later changes and ends are ignored.
public final class RecordingSpan: Sendable {
    public let context: ServiceContext
    let identity: SpanIdentity
    let parent: SpanID?
    let kind: SpanKind
    let start: UInt64
    private let exporter: SpanExporter
    private let state: Mutex<State>

    struct State {
        var name: String
        var attributes: SpanAttributes = [:]
        var described: KeyValuePairs<String, AttributeValue> = [:]
        var status: SpanStatus?
        var events: [SpanEvent] = []
        var links: [SpanLink] = []
        var ended = false
    }

    init(
        _ name: String, kind: SpanKind, context: ServiceContext, identity: SpanIdentity, parent: SpanID?, start: UInt64,
        exporter: SpanExporter
    ) {
        self.context = context
        self.identity = identity
        self.parent = parent
        self.kind = kind
        self.start = start
        self.exporter = exporter
        self.state = Mutex(State(name: name))
    }

    public var operationName: String {
        get { state.withLock { $0.name } }
        set { state.withLock { if !$0.ended { $0.name = newValue } } }
    }

    /// The attributes set through this property and by `describe(_:)`.
    public var attributes: SpanAttributes {
        get {
            state.withLock { state in
                var attributes = state.attributes
                for (key, value) in state.described { attributes[key] = value.spanAttribute }
                return attributes
            }
        }
        set { state.withLock { if !$0.ended { $0.attributes = newValue } } }
    }

    /// Sets the span's own description in one piece (replacing an earlier one), kept and encoded
    /// in this order: no hashing, no sorting and no existential copies, as `SpanAttributes`
    /// takes on every request's span. The keys are not to be set through `attributes` too.
    public func describe(_ attributes: KeyValuePairs<String, AttributeValue>) {
        state.withLock { if !$0.ended { $0.described = attributes } }
    }

    public var isRecording: Bool { state.withLock { !$0.ended } }

    public func setStatus(_ status: SpanStatus) {
        state.withLock { state in
            // OK is final; an error is kept over a later unset (OpenTelemetry's rule).
            guard !state.ended, state.status?.code != .ok else { return }
            state.status = status
        }
    }

    public func addEvent(_ event: SpanEvent) {
        state.withLock { if !$0.ended { $0.events.append(event) } }
    }

    /// An `exception` event with the error's type and description, as OpenTelemetry names them.
    public func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
        var eventAttributes: SpanAttributes = [
            "exception.type": .string(String(describing: type(of: error))),
            "exception.message": .string(String(describing: error)),
        ]
        eventAttributes.merge(attributes)
        addEvent(SpanEvent(name: "exception", at: instant(), attributes: eventAttributes))
    }

    public func addLink(_ link: SpanLink) {
        state.withLock { if !$0.ended { $0.links.append(link) } }
    }

    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        end(at: instant().nanosecondsSinceEpoch)
    }

    /// Ends the span now.
    public func end() { end(at: DefaultTracerClock.now.nanosecondsSinceEpoch) }

    private func end(at end: UInt64) {
        var writer = ProtobufWriter(capacity: 384)
        // Encoded under the span's own lock (nobody else waits for it once the span ends), so the
        // state is read in place rather than copied out.
        let ended: Bool = state.withLock { state in
            guard !state.ended else { return false }
            state.ended = true
            OTLPEncoding.span(self, state, end: end, into: &writer)
            return true
        }
        if ended { exporter.enqueue(writer.bytes) }
    }
}
