import CoachTracing
import GRPCCore
import Metrics
import Tracing

/// Measures and traces every call a server handles (either may be off; a process that does
/// neither installs none). Metrics: `grpc_server_handled_total` and `grpc_server_handling_seconds`
/// by service, method and status code. Traces: a server span named `<service>/<method>` with the
/// OpenTelemetry RPC attributes, continuing the caller's trace (W3C `traceparent` in the
/// metadata); the handler's own spans are its children. A streaming response's producer runs
/// after `intercept` returns, so the call is observed until its producer ends: a watch counts and
/// spans once, as long as it lasts. One interceptor does both so the response is wrapped once.
public struct ServerObservingInterceptor: ServerInterceptor {
    let metrics: Bool
    /// The process's tracer, read once and held as itself (its calls are not generic, which on
    /// every call is worth it); nil when the process does not trace.
    let tracer: OTLPTracer?

    /// `tracing`: the process exports traces (its tracer is bootstrapped before this is made).
    public init(metrics: Bool, tracing: Bool) {
        self.metrics = metrics
        self.tracer = tracing ? OTLPTracer.installed : nil
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let started = ContinuousClock.now
        let method = context.descriptor
        let metrics = self.metrics
        var span: TracedSpan?
        if let tracer {
            let caller = OTLPTracer.remoteParent(
                traceParent: request.metadata.firstString("traceparent"), traceState: request.metadata.firstString("tracestate"))
            span = tracer.startSpan(method.fullyQualifiedMethod, kind: .server, context: ServiceContext.current ?? .topLevel, remoteParent: caller)
        }
        let end: @Sendable ((any Error)?) -> Void = { [span] error in
            if metrics { RPCMetrics.record(side: "server", method: method, code: error.map(RPCMetrics.name(of:)) ?? "OK", since: started) }
            if let span { RPCTracing.end(span, method, error: error) }
        }
        do {
            guard let spanContext = span?.context else { return try await next(request, context).endingWith(end) }
            return try await ServiceContext.$current.withValue(spanContext) { try await next(request, context) }
                .endingWith(end, around: { produce in try await ServiceContext.$current.withValue(spanContext, operation: produce) })
        } catch {
            end(error)
            throw error
        }
    }
}

/// The client's side of the same: `grpc_client_handled_total` and `grpc_client_handling_seconds`,
/// and a client span whose context goes in the metadata so the server's span is its child. A call
/// ends when its response ends, with the status it ended with.
public struct ClientObservingInterceptor: ClientInterceptor {
    let metrics: Bool
    /// As the server's: read once, nil when the process does not trace.
    let tracer: OTLPTracer?

    public init(metrics: Bool, tracing: Bool) {
        self.metrics = metrics
        self.tracer = tracing ? OTLPTracer.installed : nil
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingClientRequest<Input>, context: ClientContext,
        next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
    ) async throws -> StreamingClientResponse<Output> {
        let started = ContinuousClock.now
        let method = context.descriptor
        let metrics = self.metrics
        var request = request
        var span: TracedSpan?
        if let tracer {
            let opened = tracer.startSpan(method.fullyQualifiedMethod, kind: .client, context: ServiceContext.current ?? .topLevel)
            opened.identity?.writeTraceContext { name, value in request.metadata.replaceOrAddString(value, forKey: name) }
            span = opened
        }
        let end: @Sendable ((any Error)?) -> Void = { [span] error in
            if metrics { RPCMetrics.record(side: "client", method: method, code: error.map(RPCMetrics.name(of:)) ?? "OK", since: started) }
            if let span { RPCTracing.end(span, method, error: error) }
        }
        do {
            return try await next(request, context).endingWith(end)
        } catch {
            end(error)
            throw error
        }
    }
}

extension StreamingServerResponse {
    /// The response, calling `onEnd` once when the call ends: now for a refused call, when the
    /// producer returns or throws otherwise (a streaming response's producer runs after the
    /// interceptors return). `around` runs the producer, e.g. with a task-local set for it.
    func endingWith(
        _ onEnd: @escaping @Sendable ((any Error)?) -> Void,
        around: @escaping @Sendable (_ produce: () async throws -> Metadata) async throws -> Metadata = { try await $0() }
    ) -> Self {
        var response = self
        switch response.accepted {
        case .success(var contents):
            let producer = contents.producer
            contents.producer = { writer in
                do {
                    let trailers = try await around { try await producer(writer) }
                    onEnd(nil)
                    return trailers
                } catch {
                    onEnd(error)
                    throw error
                }
            }
            response.accepted = .success(contents)
        case .failure(let error):
            onEnd(error)
        }
        return response
    }
}

extension StreamingClientResponse {
    /// The response, calling `onEnd` once when the call ends: now for a refused call, when its
    /// messages end or fail otherwise.
    func endingWith(_ onEnd: @escaping @Sendable ((any Error)?) -> Void) -> Self {
        var response = self
        switch response.accepted {
        case .success(var contents):
            contents.bodyParts = RPCAsyncSequence(wrapping: ObservedSequence(base: contents.bodyParts, onEnd: onEnd))
            response.accepted = .success(contents)
        case .failure(let error):
            onEnd(error)
        }
        return response
    }
}

/// `base`, calling `onEnd` once when it finishes (`nil`) or throws.
struct ObservedSequence<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element: Sendable {
    typealias Element = Base.Element
    let base: Base
    let onEnd: @Sendable ((any Error)?) -> Void

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let onEnd: @Sendable ((any Error)?) -> Void
        var ended = false

        mutating func next() async throws -> Element? {
            guard !ended else { return nil }
            do {
                let element = try await base.next()
                if element == nil {
                    ended = true
                    onEnd(nil)
                }
                return element
            } catch {
                ended = true
                onEnd(error)
                throw error
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), onEnd: onEnd) }
}
