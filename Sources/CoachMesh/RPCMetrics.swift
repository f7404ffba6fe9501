import GRPCCore
import Metrics

/// Counts every call a server handles and times it, by service, method and status code
/// (`grpc_server_handled_total`, `grpc_server_handling_seconds`). A streaming response is timed
/// until its producer ends, so a watch counts once, when it closes.
public struct ServerMetricsInterceptor: ServerInterceptor {
    public init() {}

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let started = ContinuousClock.now
        let method = context.descriptor
        let record: @Sendable ((any Error)?) -> Void = { error in
            RPCMetrics.record(side: "server", method: method, code: error.map(RPCMetrics.name(of:)) ?? "OK", since: started)
        }
        do {
            return try await next(request, context).endingWith(record)
        } catch {
            record(error)
            throw error
        }
    }
}

/// The client's side of the same (`grpc_client_handled_total`, `grpc_client_handling_seconds`):
/// a call counts when its response ends, with the status it ended with.
public struct ClientMetricsInterceptor: ClientInterceptor {
    public init() {}

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingClientRequest<Input>, context: ClientContext,
        next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
    ) async throws -> StreamingClientResponse<Output> {
        let started = ContinuousClock.now
        let method = context.descriptor
        let record: @Sendable ((any Error)?) -> Void = { error in
            RPCMetrics.record(side: "client", method: method, code: error.map(RPCMetrics.name(of:)) ?? "OK", since: started)
        }
        do {
            return try await next(request, context).endingWith(record)
        } catch {
            record(error)
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

enum RPCMetrics {
    static func record(side: String, method: MethodDescriptor, code: String, since started: ContinuousClock.Instant) {
        let labels = [("grpc_service", method.service.fullyQualifiedService), ("grpc_method", method.method)]
        Counter(label: "grpc_\(side)_handled_total", dimensions: labels + [("grpc_code", code)]).increment()
        Timer(label: "grpc_\(side)_handling_seconds", dimensions: labels, preferredDisplayUnit: .seconds)
            .recordNanoseconds(Int64((ContinuousClock.now - started) / .nanoseconds(1)))
    }

    /// The status name a failed call ends with.
    static func name(of error: any Error) -> String {
        if let error = error as? RPCError { return name(error.code) }
        if let convertible = error as? any RPCErrorConvertible { return name(convertible.rpcErrorCode) }
        return error is CancellationError ? "CANCELLED" : "UNKNOWN"
    }

    /// `NOT_FOUND`, `DEADLINE_EXCEEDED`, … as gRPC names them.
    static func name(_ code: RPCError.Code) -> String {
        var name = ""
        for character in String(describing: code) {
            if character.isUppercase { name += "_" }
            name += character.uppercased()
        }
        return name
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
