import CoachMesh
import CoachProtos
import GRPCCore
import GRPCInProcessTransport
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@Suite struct HealthServiceTests {
    /// A service that, when asked to shut down, records the health a balancer would see then.
    final class DrainingService: Service, Sendable {
        let statuses: HealthStatuses
        let seen = Mutex<[String: HealthStatuses.Status]>([:])

        init(statuses: HealthStatuses) { self.statuses = statuses }

        func run() async throws {
            try? await gracefulShutdown()
            let now = statuses.all
            seen.withLock { $0 = now }
        }
    }

    @Test func gracefulShutdownTurnsEveryServiceNotServingBeforeTheOthersDrain() async throws {
        let statuses = HealthStatuses(serving: ["interviewcoach.v1.ResumeService"])
        #expect(statuses.status(of: "") == .serving)
        let draining = DrainingService(statuses: statuses)
        let group = ServiceGroup(
            services: [draining, HealthDrainService(statuses: statuses)], gracefulShutdownSignals: [],
            logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // Let the services start before shutting down (shutdown of a group that is not
            // running yet is also graceful, but this is the case that matters).
            try await Task.sleep(for: .milliseconds(100))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(draining.seen.withLock { $0 } == ["": .notServing, "interviewcoach.v1.ResumeService": .notServing])
    }

    @Test func cancellationIsNotADrain() async throws {
        let statuses = HealthStatuses(serving: [])
        let task = Task { try await HealthDrainService(statuses: statuses).run() }
        task.cancel()
        try await task.value
        #expect(statuses.status(of: "") == .serving)
    }
}

/// Health is open to anyone: many checks share one probe of the database.
@Suite struct HealthProbeCacheTests {
    @Test func checksWithinTheIntervalShareOneProbe() async throws {
        let probes = Mutex(0)
        let healthy = Mutex(true)
        // A clock the test moves, so a slow machine cannot age the probe between the checks.
        let start = ContinuousClock.now
        let elapsed = Mutex(Duration.zero)
        let service = HealthGRPCService(
            statuses: HealthStatuses(serving: ["svc"]), probeInterval: .seconds(1),
            probe: {
                probes.withLock { $0 += 1 }
                return healthy.withLock { $0 }
            },
            now: { start + elapsed.withLock { $0 } })
        let transport = InProcessTransport()
        let server = GRPCServer(transport: transport.server, services: [service])
        let client = GRPCClient(transport: transport.client)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            group.addTask { try await client.runConnections() }
            defer {
                client.beginGracefulShutdown()
                server.beginGracefulShutdown()
            }
            let health = Grpc_Health_V1_Health.Client(wrapping: client)
            _ = try await health.check(Grpc_Health_V1_HealthCheckRequest())
            try await withThrowingTaskGroup(of: Grpc_Health_V1_HealthCheckResponse.ServingStatus.self) { checks in
                for _ in 0..<50 { checks.addTask { try await health.check(Grpc_Health_V1_HealthCheckRequest()).status } }
                for try await status in checks { #expect(status == .serving) }
            }
            #expect(probes.withLock { $0 } == 1)
            // Within the interval the shared answer holds; past it the probe runs again and a failing
            // dependency shows.
            healthy.withLock { $0 = false }
            elapsed.withLock { $0 = .milliseconds(999) }
            #expect(try await health.check(Grpc_Health_V1_HealthCheckRequest()).status == .serving)
            elapsed.withLock { $0 = .seconds(1) }
            #expect(try await health.check(Grpc_Health_V1_HealthCheckRequest()).status == .notServing)
            #expect(probes.withLock { $0 } == 2)
        }
    }
}
