import CoachCore
import GRPCCore
import Metrics

/// What the gRPC interceptors report to swift-metrics (docs/OPERATIONS.md, "Metrics").
enum RPCMetrics {
    static func record(side: String, method: MethodDescriptor, code: String, since started: ContinuousClock.Instant) {
        let handles = cache[HandleKey(side: side, method: method, code: code)]
        handles.calls.increment()
        handles.duration.recordNanoseconds(Int64((ContinuousClock.now - started) / .nanoseconds(1)))
    }

    private struct HandleKey: Hashable, Sendable {
        var side: String
        var method: MethodDescriptor
        var code: String
    }

    private struct Handles: Sendable {
        let calls: Counter
        let duration: Timer
    }

    /// The handles of each label set, made once: making a handle looks its labels up in the
    /// backend's registry (a lock and a hash of every label), which every call paid before. The
    /// label sets are bounded: sides × methods × status codes.
    private static let cache = MadeOnce<HandleKey, Handles> { key in
        let labels = [("grpc_service", key.method.service.fullyQualifiedService), ("grpc_method", key.method.method)]
        return Handles(
            calls: Counter(label: "grpc_\(key.side)_handled_total", dimensions: labels + [("grpc_code", key.code)]),
            duration: Timer(label: "grpc_\(key.side)_handling_seconds", dimensions: labels, preferredDisplayUnit: .seconds))
    }

    /// The status code a failed call ends with (also the traces' `rpc.grpc.status_code`).
    static func code(of error: any Error) -> RPCError.Code {
        if let error = error as? RPCError { return error.code }
        if let convertible = error as? any RPCErrorConvertible { return convertible.rpcErrorCode }
        return error is CancellationError ? .cancelled : .unknown
    }

    /// The status name a failed call ends with.
    static func name(of error: any Error) -> String { name(code(of: error)) }

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
