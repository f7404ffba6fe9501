import CoachCore
import CoachJobsTesting
import CoachJobs
import Foundation
import Testing

/// What every `ProgressBus` does, run against each backend of `JobsBackend.all`.
@Suite struct ProgressBusContractTests {
    @Test(arguments: JobsBackend.all)
    func replaysHeldEventsThenDeliversLiveOnesUntilTheTerminalEvent(_ backend: JobsBackend) async throws {
        try await backend.run { set in
            try await set.bus.publish(event(1))
            try await set.bus.publish(event(2))
            let stream = try await set.bus.events(taskID: "t1", after: 1)
            let reader = Task {
                var sequences: [Int64] = []
                for try await received in stream { sequences.append(received.sequence) }
                return sequences
            }
            try await Task.sleep(for: .milliseconds(200))  // the reader is live by now
            try await set.bus.publish(event(3))
            try await set.bus.publish(event(4, .completed))
            try await set.bus.publish(event(5))  // after the end: never delivered to this subscriber
            #expect(try await within(.seconds(10)) { try await reader.value } == [2, 3, 4])
        }
    }

    @Test(arguments: JobsBackend.all)
    func aFinishedTaskReplaysAndEndsAtOnce(_ backend: JobsBackend) async throws {
        try await backend.run { set in
            for sequence in 1...3 { try await set.bus.publish(event(Int64(sequence))) }
            try await set.bus.publish(event(4, .error))
            let sequences = try await within(.seconds(10)) {
                var sequences: [Int64] = []
                for try await received in try await set.bus.events(taskID: "t1", after: 2) { sequences.append(received.sequence) }
                return sequences
            }
            #expect(sequences == [3, 4])
        }
    }

    @Test(arguments: JobsBackend.all)
    func aWatcherOfAnUnknownTaskWaitsForItsFirstEvent(_ backend: JobsBackend) async throws {
        try await backend.run { set in
            let stream = try await set.bus.events(taskID: "fresh", after: 0)
            let reader = Task {
                var sequences: [Int64] = []
                for try await received in stream { sequences.append(received.sequence) }
                return sequences
            }
            try await Task.sleep(for: .milliseconds(200))
            try await set.bus.publish(event(1, task: "fresh"))
            try await set.bus.publish(event(2, .completed, task: "fresh"))
            #expect(try await within(.seconds(10)) { try await reader.value } == [1, 2])
        }
    }

    @Test(arguments: JobsBackend.all)
    func keepsTasksApart(_ backend: JobsBackend) async throws {
        try await backend.run { set in
            try await set.bus.publish(event(1, task: "a"))
            try await set.bus.publish(event(2, .completed, task: "a"))
            try await set.bus.publish(event(1, .completed, task: "b"))
            let ids = try await within(.seconds(10)) {
                var ids: [String] = []
                for try await received in try await set.bus.events(taskID: "b", after: 0) { ids.append(received.task.taskID) }
                return ids
            }
            #expect(ids == ["b"])
        }
    }

    @Test(arguments: JobsBackend.all)
    func deliversTheEventAsPublishedWithItsResult(_ backend: JobsBackend) async throws {
        try await backend.run { set in
            let published = event(2, .completed, result: .questionSet(sampleQuestionSet()))
            try await set.bus.publish(event(1))
            try await set.bus.publish(published)
            let received = try await within(.seconds(10)) {
                var received: [TaskEvent] = []
                for try await event in try await set.bus.events(taskID: "t1", after: 1) { received.append(event) }
                return received
            }
            #expect(received == [published])
        }
    }

    @Test(arguments: JobsBackend.all)
    func cancellingTheConsumerStopsTheReader(_ backend: JobsBackend) async throws {
        try await backend.run { set in
            try await set.bus.publish(event(1))
            let stream = try await set.bus.events(taskID: "t1", after: 0)
            let reader = Task {
                var count = 0
                for try await _ in stream { count += 1 }
                return count
            }
            try await Task.sleep(for: .milliseconds(300))
            let cancelled = ContinuousClock.now
            reader.cancel()
            _ = try? await within(.seconds(10)) { try await reader.value }
            // Before the Redis read's 5 s block ends: cancellation interrupted it.
            #expect(ContinuousClock.now - cancelled < .seconds(4))
            // Publishing after the watcher left is fine.
            try await set.bus.publish(event(2, .completed))
        }
    }
}
