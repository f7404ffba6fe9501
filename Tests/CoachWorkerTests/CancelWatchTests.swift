import CoachJobs
import Testing

@testable import CoachWorker

/// `CancelWatch`: every running job learns of its operator's cancel request from one shared look
/// at the queue.
@Suite struct CancelWatchTests {
    @Test func aWaitingJobLearnsWhoAskedToCancelIt() async throws {
        let queue = InProcessJobQueue()
        let watch = CancelWatch(queue: queue, poll: .milliseconds(20))
        let waiter = Task { try await watch.request(for: "t1") }
        await queue.requestCancel(taskID: "t1", by: "admin")
        #expect(try await waiter.value == "admin")
        #expect(watch.watchedCount == 0)
    }

    @Test func manyJobsAreWatchedTogetherAndEachGetsItsOwnAnswer() async throws {
        let queue = InProcessJobQueue()
        let watch = CancelWatch(queue: queue, poll: .milliseconds(20))
        let waiters = (0..<20).map { index in Task { try await watch.request(for: "t\(index)") } }
        while watch.watchedCount < 20 { try await Task.sleep(for: .milliseconds(5)) }
        for index in stride(from: 0, to: 20, by: 2) { await queue.requestCancel(taskID: "t\(index)", by: "op-\(index)") }
        for index in stride(from: 0, to: 20, by: 2) { #expect(try await waiters[index].value == "op-\(index)") }
        // The others are still watched, then end when their jobs end (their waits are cancelled).
        #expect(watch.watchedCount == 10)
        for index in stride(from: 1, to: 20, by: 2) {
            waiters[index].cancel()
            await #expect(throws: CancellationError.self) { try await waiters[index].value }
        }
        #expect(watch.watchedCount == 0)
        while watch.isTicking { try await Task.sleep(for: .milliseconds(5)) }
        // A job that starts later is watched again.
        let later = Task { try await watch.request(for: "t-later") }
        await queue.requestCancel(taskID: "t-later", by: "admin")
        #expect(try await later.value == "admin")
    }

    @Test func aWaitCancelledBeforeItBeginsEndsAtOnce() async throws {
        let watch = CancelWatch(queue: InProcessJobQueue(), poll: .seconds(600))
        let waiter = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await watch.request(for: "t1")
        }
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(watch.watchedCount == 0)
    }
}
