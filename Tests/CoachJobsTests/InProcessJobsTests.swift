import CoachCore
import CoachJobsTesting
import CoachJobs
import Foundation
import Testing

// The behaviour every queue and bus share (order, waiting, cancellation, acknowledgement, dead
// letters, replay then live, terminal events, tasks kept apart) is one contract suite run against
// both the in-process and the Redis implementations (JobQueueContractTests, ProgressBusContractTests
// here). What this file holds is particular to the in-process ones.

@Suite struct InProcessProgressBusTests {
    @Test func replaysOnlyTheNewestEventsItHolds() async throws {
        let bus = InProcessProgressBus(capacity: 3)
        for sequence in 1...5 { await bus.publish(event(Int64(sequence))) }
        await bus.publish(event(6, .completed))
        var sequences: [Int64] = []
        for try await received in await bus.events(taskID: "t1", after: 0) { sequences.append(received.sequence) }
        #expect(sequences == [4, 5, 6])
    }
}

@Suite struct InProcessJobQueueTests {
    @Test func keepsDeadLetteredJobsWithTheirReason() async throws {
        let queue = InProcessJobQueue()
        await queue.enqueue(Job(taskID: "1", kind: .interview))
        let job = try await queue.next()
        await queue.deadLetter(job, reason: "delivered 6 times")
        let deadLetters = await queue.deadLetters(kind: .interview, limit: 10)
        #expect(deadLetters.map(\.taskID) == [job.taskID])
        #expect(deadLetters.map(\.reason) == ["delivered 6 times"])
        #expect(await queue.depth == 0)
    }
}
