import CoachCore
import CoachJobsTesting
import CoachJobs
import Foundation
import Synchronization
import Testing

/// What every `JobQueue` does, run against each backend of `JobsBackend.all`.
@Suite struct JobQueueContractTests {
    @Test(arguments: JobsBackend.all)
    func deliversJobsInOrderAndCountsDeliveries(_ backend: JobsBackend) async throws {
        try await backend.run { set in
            let kinds: [TaskKind] = [.interview, .learning, .interview, .interview, .learning, .learning, .interview]
            for (number, kind) in kinds.enumerated() {
                try await set.queue.enqueue(Job(taskID: "\(number)", kind: kind))
                // Redis orders jobs of different kinds by enqueue time to the millisecond (each
                // kind is its own stream); jobs of one kind are in order whatever the timing.
                if number + 1 < kinds.count, kinds[number + 1] != kind { try await Task.sleep(for: .milliseconds(3)) }
            }
            var jobs: [Job] = []
            for _ in kinds { jobs.append(try await within(.seconds(10)) { try await set.queue.next() }) }
            #expect(jobs.map(\.taskID) == kinds.indices.map { "\($0)" })
            #expect(jobs.map(\.kind) == kinds)
            #expect(jobs.allSatisfy { $0.deliveries == 1 })
        }
    }

    @Test(arguments: JobsBackend.all)
    func aJobCarriesTheTraceContextOfTheRequestThatEnqueuedIt(_ backend: JobsBackend) async throws {
        try await backend.run { set in
            let trace = [
                "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "tracestate": "vendor=opaque",
            ]
            try await set.queue.enqueue(Job(taskID: "traced", kind: .interview, trace: trace))
            try await set.queue.enqueue(Job(taskID: "untraced", kind: .interview))
            let traced = try await within(.seconds(10)) { try await set.queue.next() }
            let untraced = try await within(.seconds(10)) { try await set.queue.next() }
            #expect(traced.taskID == "traced" && traced.trace == trace)
            #expect(untraced.taskID == "untraced" && untraced.trace.isEmpty)
        }
    }

    @Test(arguments: JobsBackend.all)
    func deliversManyJobsOfAKindInOrder(_ backend: JobsBackend) async throws {
        try await backend.run { set in
            for number in 0..<50 { try await set.queue.enqueue(Job(taskID: "\(number)", kind: .learning)) }
            var received: [String] = []
            for _ in 0..<50 {
                let job = try await within(.seconds(10)) { try await set.queue.next() }
                received.append(job.taskID)
                try await set.queue.acknowledge(job)
            }
            #expect(received == (0..<50).map { "\($0)" })
        }
    }

    @Test(arguments: JobsBackend.all)
    func aWaitingConsumerGetsTheNextJob(_ backend: JobsBackend) async throws {
        try await backend.run { set in
            let queue = set.queue
            let waiter = Task { try await queue.next() }
            try await Task.sleep(for: .milliseconds(200))
            try await queue.enqueue(Job(taskID: "late", kind: .learning))
            let job = try await within(.seconds(10)) { try await waiter.value }
            #expect(job.taskID == "late")
            #expect(job.kind == .learning)
        }
    }

    @Test(arguments: JobsBackend.all)
    func cancellingAWaitEndsItPromptly(_ backend: JobsBackend) async throws {
        try await backend.run { set in
            let queue = set.queue
            let waiter = Task { try await queue.next() }
            try await Task.sleep(for: .milliseconds(300))
            let cancelled = ContinuousClock.now
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            // A Redis wait blocks in the server for 5 s at a time; cancellation interrupts it.
            // (Under 4 s, not less: on a loaded 2-core machine the waiter can wait a second for a
            // thread to resume on.)
            #expect(ContinuousClock.now - cancelled < .seconds(4))
            // The queue still works afterwards.
            try await queue.enqueue(Job(taskID: "after", kind: .interview))
            #expect(try await within(.seconds(10)) { try await queue.next() }.taskID == "after")
        }
    }

    @Test(arguments: JobsBackend.all)
    func anAcknowledgedJobIsNotDeliveredAgain(_ backend: JobsBackend) async throws {
        try await backend.run(lease: .milliseconds(500)) { set in
            try await set.queue.enqueue(Job(taskID: "done", kind: .interview))
            let job = try await within(.seconds(10)) { try await set.queue.next() }
            try await set.queue.acknowledge(job)
            let other = try await set.otherConsumer(.milliseconds(500))
            // Well past the lease: nothing comes back, to this consumer or another.
            #expect(try await nextJob(other, within: .seconds(2)) == nil)
            #expect(try await nextJob(set.queue, within: .milliseconds(500)) == nil)
        }
    }

    @Test(arguments: JobsBackend.all)
    func aDeadLetteredJobIsKeptAsideWithItsReasonAndNotDeliveredAgain(_ backend: JobsBackend) async throws {
        try await backend.run(lease: .milliseconds(500)) { set in
            try await set.queue.enqueue(Job(taskID: "poison", kind: .learning))
            try await set.queue.enqueue(Job(taskID: "fine", kind: .learning))
            let job = try await within(.seconds(10)) { try await set.queue.next() }
            #expect(job.taskID == "poison")
            try await set.queue.deadLetter(job, reason: "delivered too many times")
            let letters = try await set.queue.deadLetters(kind: .learning, limit: 10)
            #expect(letters.map(\.taskID) == ["poison"] && letters.map(\.reason) == ["delivered too many times"])
            #expect(letters.map(\.deliveries) == [1])
            #expect(try await set.queue.deadLetters(kind: .interview, limit: 10).isEmpty)
            let other = try await set.otherConsumer(.milliseconds(500))
            let next = try await within(.seconds(10)) { try await other.next() }
            #expect(next.taskID == "fine")
            try await other.acknowledge(next)
            #expect(try await nextJob(other, within: .seconds(2)) == nil)
        }
    }

    /// An operator pauses a kind: no consumer is handed its jobs until it is resumed; other kinds flow.
    @Test(arguments: JobsBackend.all)
    func aPausedKindIsNotHandedOutUntilResumedWhileOtherKindsFlow(_ backend: JobsBackend) async throws {
        try await backend.run(lease: .seconds(2)) { set in
            try await set.queue.setPaused(true, kind: .interview)
            let other = try await set.otherConsumer(.seconds(2))
            #expect(try await other.isPaused(kind: .interview))
            #expect(try await !other.isPaused(kind: .learning))
            try await set.queue.enqueue(Job(taskID: "held", kind: .interview))
            try await set.queue.enqueue(Job(taskID: "flows", kind: .learning))
            let first = try await within(.seconds(10)) { try await set.queue.next() }
            #expect(first.taskID == "flows")
            try await set.queue.acknowledge(first)
            #expect(try await nextJob(set.queue, within: .milliseconds(1500)) == nil)
            try await other.setPaused(false, kind: .interview)
            let resumed = try await within(.seconds(10)) { try await set.queue.next() }
            #expect(resumed.taskID == "held")
            try await set.queue.acknowledge(resumed)

            // A consumer already waiting when the kind is paused does not hand out its jobs either.
            let handedOut = Mutex<Job?>(nil)
            let waiting = Task {
                let job = try await set.queue.next()
                handedOut.withLock { $0 = job }
                return job
            }
            try await Task.sleep(for: .milliseconds(300))
            try await other.setPaused(true, kind: .interview)
            try await other.enqueue(Job(taskID: "late", kind: .interview))
            try await Task.sleep(for: .milliseconds(1500))
            #expect(handedOut.withLock { $0 } == nil)
            try await other.setPaused(false, kind: .interview)
            let late = try await within(.seconds(10)) { try await waiting.value }
            #expect(late.taskID == "late")
        }
    }

    @Test(arguments: JobsBackend.all)
    func deadLettersAreListedNewestFirstAndCanBeTakenOutOnce(_ backend: JobsBackend) async throws {
        try await backend.run { set in
            for id in ["first", "second"] {
                try await set.queue.enqueue(Job(taskID: id, kind: .interview))
                let job = try await within(.seconds(10)) { try await set.queue.next() }
                try await set.queue.deadLetter(job, reason: "gave up on \(id)")
                try await Task.sleep(for: .milliseconds(3))  // Redis ids order by millisecond
            }
            let listed = try await set.queue.deadLetters(kind: .interview, limit: 10)
            #expect(listed.map(\.taskID) == ["second", "first"])
            #expect(listed.map(\.reason) == ["gave up on second", "gave up on first"])
            #expect(listed.allSatisfy { $0.kind == .interview && $0.deliveries == 1 })
            #expect(try await set.queue.deadLetters(kind: .learning, limit: 10).isEmpty)
            let taken = try await set.queue.removeDeadLetter(id: listed[1].id, kind: .interview)
            #expect(taken?.taskID == "first")
            #expect(try await set.queue.removeDeadLetter(id: listed[1].id, kind: .interview) == nil)
            #expect(try await set.queue.removeDeadLetter(id: listed[0].id, kind: .learning) == nil)
            #expect(try await set.queue.removeDeadLetter(id: "not-an-id", kind: .interview) == nil)
            #expect(try await set.queue.deadLetters(kind: .interview, limit: 10).map(\.taskID) == ["second"])
            #expect(try await set.queue.counts(kind: .interview).deadLettered == 1)
        }
    }

    /// An operator's cancel request reaches the worker holding the task, whichever consumer it is.
    @Test(arguments: JobsBackend.all)
    func aCancelRequestIsSeenByEveryConsumerUntilCleared(_ backend: JobsBackend) async throws {
        try await backend.run { set in
            let other = try await set.otherConsumer(.seconds(30))
            try await set.queue.requestCancel(taskID: "stop-me", by: "0123456789abcdef")
            #expect(try await other.cancelRequest(taskID: "stop-me") == "0123456789abcdef")
            #expect(try await other.cancelRequest(taskID: "keep-going") == nil)
            // Many at once (a worker's every running job): only those asked for come back.
            try await set.queue.requestCancel(taskID: "stop-me-too", by: "admin")
            #expect(
                try await other.cancelRequests(taskIDs: ["keep-going", "stop-me", "stop-me-too"])
                    == ["stop-me": "0123456789abcdef", "stop-me-too": "admin"])
            #expect(try await other.cancelRequests(taskIDs: []) == [:])
            try await other.clearCancel(taskID: "stop-me")
            #expect(try await set.queue.cancelRequest(taskID: "stop-me") == nil)
        }
    }

    @Test(arguments: JobsBackend.all)
    func workersAreListedWithTheJobsTheyHoldAndHaveDone(_ backend: JobsBackend) async throws {
        try await backend.run { set in
            try await set.queue.enqueue(Job(taskID: "done", kind: .interview))
            try await set.queue.enqueue(Job(taskID: "held", kind: .learning))
            let done = try await within(.seconds(10)) { try await set.queue.next() }
            try await set.queue.acknowledge(done)
            _ = try await within(.seconds(10)) { try await set.queue.next() }
            let workers = try await set.queue.workers()
            #expect(workers.count == 1)
            let worker = try #require(workers.first)
            #expect(worker.jobsDone == 1 && worker.jobsInHand == 1)
            #expect(worker.lastSeen.map { abs($0.timeIntervalSinceNow) < 60 } == true)
        }
    }

    /// What an operator reads from `/metrics`: waiting, pending (in a worker's hands), dead-lettered,
    /// and how old the oldest unfinished job is — per kind.
    @Test(arguments: JobsBackend.all)
    func countsWaitingPendingAndDeadLetteredJobsPerKind(_ backend: JobsBackend) async throws {
        try await backend.run { set in
            #expect(try await set.queue.counts(kind: .interview) == QueueCounts())
            for number in 0..<3 { try await set.queue.enqueue(Job(taskID: "i\(number)", kind: .interview)) }
            let first = try await within(.seconds(10)) { try await set.queue.next() }
            let second = try await within(.seconds(10)) { try await set.queue.next() }
            #expect([first.taskID, second.taskID] == ["i0", "i1"])
            try await set.queue.deadLetter(second, reason: "poison")
            // A Redis consumer reads ahead: a job it holds for its worker is pending, not waiting.
            let interview = try await set.queue.counts(kind: .interview)
            #expect(interview.waiting + interview.pending == 2 && interview.pending >= 1 && interview.deadLettered == 1)
            #expect(interview.oldestAge != nil)
            #expect(try await set.queue.counts(kind: .learning) == QueueCounts())
            try await set.queue.enqueue(Job(taskID: "l0", kind: .learning))
            let learning = try await set.queue.counts(kind: .learning)
            #expect(learning.waiting + learning.pending == 1 && learning.deadLettered == 0)
            try await set.queue.acknowledge(first)
            for _ in 0..<2 {  // i2 and l0, in whichever order the backend hands them out
                let job = try await within(.seconds(10)) { try await set.queue.next() }
                try await set.queue.acknowledge(job)
            }
            let drained = try await set.queue.counts(kind: .interview)
            #expect(drained.waiting == 0 && drained.pending == 0 && drained.deadLettered == 1 && drained.oldestAge == nil)
            #expect(try await set.queue.counts(kind: .learning) == QueueCounts())
        }
    }

    @Test(arguments: JobsBackend.all)
    func manyConsumersShareTheJobsWithoutDuplicates(_ backend: JobsBackend) async throws {
        try await backend.run { set in
            let consumers = [set.queue, try await set.otherConsumer(.seconds(30))]
            let count = 40
            let received = try await withThrowingTaskGroup(of: [String].self) { group in
                for queue in consumers {
                    for _ in 0..<2 {
                        group.addTask {
                            var mine: [String] = []
                            while let job = try await nextJob(queue, within: .seconds(2)) {
                                mine.append(job.taskID)
                                try await queue.acknowledge(job)
                            }
                            return mine
                        }
                    }
                }
                for number in 0..<count {
                    try await set.queue.enqueue(Job(taskID: "\(number)", kind: number.isMultiple(of: 2) ? .interview : .learning))
                }
                var all: [String] = []
                for try await mine in group { all += mine }
                return all
            }
            #expect(received.sorted() == (0..<count).map(String.init).sorted())
        }
    }

    // Redelivery after a lease is Redis-only: the in-process queue has no leases, because the task
    // store is the truth there (a worker that dies takes the process with it, and the next start
    // re-enqueues every unfinished task; see `JobRunner.recoverUnfinished`).
}

extension JobsBackend: CustomTestStringConvertible {
    public var testDescription: String { name }
}
