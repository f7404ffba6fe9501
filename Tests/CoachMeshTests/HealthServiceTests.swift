import CoachMesh
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
