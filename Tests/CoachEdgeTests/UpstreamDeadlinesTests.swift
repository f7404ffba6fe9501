import CoachCore
import GRPCCore
import Synchronization
import Testing

@testable import CoachEdge

/// The edge's deadlines: kept by one ticking task, they end a route's upstream work as a call's
/// own timeout would, and leave everything else as it was.
@Suite struct UpstreamDeadlinesTests {
    @TaskLocal static var requestTag: String?

    @Test func anOperationWithinItsBudgetReturnsItsResultAndLeavesNothingPending() async throws {
        let deadlines = UpstreamDeadlines(resolution: .milliseconds(10))
        let value = try await deadlines.run(within: .seconds(10)) { 42 }
        #expect(value == 42)
        #expect(deadlines.pendingCount == 0)
    }

    @Test func anOperationPastItsDeadlineIsCancelledAndFailsWithDeadlineExceeded() async throws {
        let deadlines = UpstreamDeadlines(resolution: .milliseconds(10))
        let sawCancellation = Flag()
        let error = await #expect(throws: RPCError.self) {
            try await deadlines.run(within: .milliseconds(50)) {
                do {
                    try await Task.sleep(for: .seconds(600))
                } catch {
                    sawCancellation.set()
                    throw error
                }
            }
        }
        #expect(error?.code == .deadlineExceeded)
        #expect(sawCancellation.value)
        #expect(deadlines.pendingCount == 0)
    }

    @Test func anErrorOfTheOperationPassesThroughUnchanged() async throws {
        let deadlines = UpstreamDeadlines(resolution: .milliseconds(10))
        let error = await #expect(throws: CoachError.self) {
            try await deadlines.run(within: .seconds(10)) { () async throws -> Int in throw CoachError(.resumeNotFound, "no such resume") }
        }
        #expect(error?.code == .resumeNotFound)
    }

    @Test func anOperationThatFinishesDespiteTheDeadlineKeepsItsResult() async throws {
        let deadlines = UpstreamDeadlines(resolution: .milliseconds(10))
        // Ignores cancellation: what it returns is still the answer (nothing is thrown away).
        let value = try await deadlines.run(within: .milliseconds(20)) { () async -> String in
            let end = ContinuousClock.now + .milliseconds(200)
            while ContinuousClock.now < end { await Task.yield() }
            return "done"
        }
        #expect(value == "done")
    }

    @Test func cancellingTheCallerCancelsTheOperation() async throws {
        let deadlines = UpstreamDeadlines(resolution: .milliseconds(10))
        let started = AsyncStream<Void>.makeStream()
        let caller = Task {
            try await deadlines.run(within: .seconds(600)) {
                started.continuation.yield()
                try await Task.sleep(for: .seconds(600))
            }
        }
        for await _ in started.stream { break }
        caller.cancel()
        // The operation's own cancellation, not a deadline: the caller went away.
        await #expect(throws: CancellationError.self) { try await caller.value }
        #expect(deadlines.pendingCount == 0)
    }

    @Test func theOperationSeesTheCallersTaskLocals() async throws {
        let deadlines = UpstreamDeadlines(resolution: .milliseconds(10))
        let seen = try await Self.$requestTag.withValue("request-7") {
            try await deadlines.run(within: .seconds(10)) { Self.requestTag }
        }
        #expect(seen == "request-7")
    }

    @Test func theTickerStopsWhenNothingIsPendingAndStartsAgainForTheNextRequest() async throws {
        let deadlines = UpstreamDeadlines(resolution: .milliseconds(10))
        _ = try await deadlines.run(within: .seconds(10)) { 1 }
        while deadlines.isTicking { try await Task.sleep(for: .milliseconds(5)) }
        // A later request is still held to its deadline.
        let error = await #expect(throws: RPCError.self) {
            try await deadlines.run(within: .milliseconds(30)) { try await Task.sleep(for: .seconds(600)) }
        }
        #expect(error?.code == .deadlineExceeded)
    }

    @Test func manyRequestsAtOnceEachGetTheirOwnOutcome() async throws {
        let deadlines = UpstreamDeadlines(resolution: .milliseconds(10))
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<200 {
                group.addTask {
                    do {
                        // Odd ones outlive their deadline.
                        _ = try await deadlines.run(within: .milliseconds(index % 2 == 0 ? 10_000 : 30)) {
                            if index % 2 == 1 { try await Task.sleep(for: .seconds(600)) }
                            return index
                        }
                        return (index, true)
                    } catch {
                        return (index, false)
                    }
                }
            }
            var outcomes: [Int: Bool] = [:]
            for await (index, succeeded) in group { outcomes[index] = succeeded }
            return outcomes
        }
        #expect(outcomes.count == 200)
        #expect(outcomes.allSatisfy { $0.value == ($0.key % 2 == 0) })
        #expect(deadlines.pendingCount == 0)
    }
}

/// A flag set from another task.
private final class Flag: Sendable {
    private let state = Mutex(false)
    func set() { state.withLock { $0 = true } }
    var value: Bool { state.withLock { $0 } }
}
