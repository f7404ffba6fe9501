import CoachProtos
import GRPCCore
import ServiceLifecycle
import Synchronization

/// Serving status per service name ("" is the whole server), shared by the health service and
/// whatever decides readiness.
public final class HealthStatuses: Sendable {
    public enum Status: Sendable {
        case serving, notServing
    }

    private let statuses: Mutex<[String: Status]>

    public init(serving services: [String]) {
        var initial: [String: Status] = ["": .serving]
        for service in services { initial[service] = .serving }
        statuses = Mutex(initial)
    }

    public func set(_ status: Status, for service: String) {
        statuses.withLock { $0[service] = status }
    }

    /// Marks every service not serving (on shutdown, so balancers drain this process).
    public func setAllNotServing() {
        statuses.withLock { statuses in
            for key in statuses.keys { statuses[key] = .notServing }
        }
    }

    public func status(of service: String) -> Status? {
        statuses.withLock { $0[service] }
    }

    public var all: [String: Status] { statuses.withLock { $0 } }
}

/// The standard `grpc.health.v1.Health` service over `HealthStatuses`; an optional probe (e.g. a
/// store ping) turns the answer to NOT_SERVING while a dependency is down. The probe's answer is
/// shared for `probeInterval`: health is open to anyone, and a thousand watchers or a flood of
/// checks must not each ping the database.
public struct HealthGRPCService: Grpc_Health_V1_Health.SimpleServiceProtocol {
    public typealias Probe = @Sendable () async -> Bool

    private let statuses: HealthStatuses
    private let probe: Probe?
    private let cache: ProbeCache

    /// - Parameter now: the clock the probe's age is read from; tests pass one they move.
    public init(
        statuses: HealthStatuses, probeInterval: Duration = .seconds(1), probe: Probe? = nil,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        self.statuses = statuses
        self.probe = probe
        self.cache = ProbeCache(interval: probeInterval, now: now)
    }

    public func check(
        request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext
    ) async throws -> Grpc_Health_V1_HealthCheckResponse {
        guard let status = statuses.status(of: request.service) else {
            throw RPCError(code: .notFound, message: "unknown service: \(request.service)")
        }
        let healthy = await probeHealthy()
        return Self.response(status == .serving && healthy ? .serving : .notServing)
    }

    public func list(
        request: Grpc_Health_V1_HealthListRequest, context: ServerContext
    ) async throws -> Grpc_Health_V1_HealthListResponse {
        let healthy = await probeHealthy()
        var response = Grpc_Health_V1_HealthListResponse()
        for (service, status) in statuses.all {
            response.statuses[service] = Self.response(status == .serving && healthy ? .serving : .notServing)
        }
        return response
    }

    public func watch(
        request: Grpc_Health_V1_HealthCheckRequest,
        response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
        context: ServerContext
    ) async throws {
        var last: Grpc_Health_V1_HealthCheckResponse.ServingStatus?
        // gRPC signals a client's cancellation through the context, not by cancelling this task.
        while !Task.isCancelled && !context.cancellation.isCancelled {
            let current: Grpc_Health_V1_HealthCheckResponse.ServingStatus
            if let status = statuses.status(of: request.service) {
                let healthy = await probeHealthy()
                current = status == .serving && healthy ? .serving : .notServing
            } else {
                current = .serviceUnknown
            }
            if current != last {
                try await response.write(Self.response(current))
                last = current
            }
            try await Task.sleep(for: .seconds(1))
        }
    }

    private func probeHealthy() async -> Bool {
        guard let probe else { return true }
        if let fresh = cache.fresh() { return fresh }
        let healthy = await probe()
        cache.store(healthy)
        return healthy
    }

    private static func response(
        _ status: Grpc_Health_V1_HealthCheckResponse.ServingStatus
    ) -> Grpc_Health_V1_HealthCheckResponse {
        var response = Grpc_Health_V1_HealthCheckResponse()
        response.status = status
        return response
    }
}

/// Marks every service NOT_SERVING as soon as a graceful shutdown begins, so balancers and
/// health watchers stop sending work while the process drains its in-flight calls. Put it last
/// in a `ServiceGroup`: services are shut down in reverse order, so this one goes first.
public struct HealthDrainService: Service {
    private let statuses: HealthStatuses

    public init(statuses: HealthStatuses) {
        self.statuses = statuses
    }

    public func run() async throws {
        do {
            try await gracefulShutdown()
        } catch is CancellationError {
            // The group was cancelled rather than shut down gracefully: nothing to drain.
            return
        }
        statuses.setAllNotServing()
    }
}

/// The last probe answer and when it was taken.
final class ProbeCache: Sendable {
    private let interval: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let last = Mutex<(healthy: Bool, at: ContinuousClock.Instant)?>(nil)

    init(interval: Duration, now: @escaping @Sendable () -> ContinuousClock.Instant) {
        self.interval = interval
        self.now = now
    }

    func fresh() -> Bool? {
        let now = now()
        return last.withLock { last in
            guard let last, now - last.at < interval else { return nil }
            return last.healthy
        }
    }

    func store(_ healthy: Bool) {
        let now = now()
        last.withLock { $0 = (healthy, now) }
    }
}
