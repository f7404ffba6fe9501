import CoachBuiltin
import CoachCore
import CoachGeneration
import CoachJobs
import CoachLLM
import CoachStore
import CoachStoreTesting
import CoachWorker
import Foundation
import Synchronization
import Testing

/// A provider that breaks the output rules while `broken`, and answers like the builtin one after.
final class SwitchableProvider: LLMProvider {
    let name = "switchable"
    let model = "switch-1"
    let settings = ProviderSettings(maxRetries: 0)
    let broken = Mutex(true)
    private let builtin = BuiltinProvider()

    func complete(_ request: GenerationRequest) async throws -> ProviderReply {
        if broken.withLock({ $0 }) {
            return ProviderReply(text: #"{"questions": []}"#, model: model, usage: Usage(inputTokens: 120, outputTokens: 7))
        }
        return try await builtin.complete(request)
    }
}

/// What operators do to tasks (`TaskAdministration`), with the worker that runs them.
@Suite struct TaskAdministrationTests {
    let admin = Caller(identity: .adminKey, tenant: .default, scopes: Set(AccessScope.allCases))

    func administration(_ kinds: Kinds) -> TaskAdministration {
        TaskAdministration(
            tasks: kinds.tasks, queue: kinds.queue, bus: kinds.bus, registry: kinds.registry, kinds: [.interview, .learning], audit: kinds.keys)
    }

    @Test func aFailedTaskKeepsEveryAttemptWithTheRulesItBrokeAndSucceedsWhenRetried() async throws {
        let provider = SwitchableProvider()
        let kinds = try await Kinds(providers: [provider])
        let operations = administration(kinds)
        let started = try await kinds.interview.start(tenant: .default, uniqueKey: kinds.resume.uniqueKey, options: QuestionOptions(), idempotencyKey: nil)
        await kinds.runner.process(try await kinds.queue.next())

        let failed = try await operations.task(id: started.taskID, kind: .interview)
        #expect(failed.state == .failure)
        // The answer and its corrective retry, both invalid, with the rules they broke.
        #expect(failed.attempts.map(\.attempt.outcome) == [.invalidOutput, .invalidOutput])
        #expect(failed.attempts.allSatisfy { $0.run == 1 && !($0.attempt.rules ?? []).isEmpty && $0.attempt.usage.inputTokens == 120 })
        #expect(failed.timeline.map(\.event) == [.queued, .started, .stage, .stage, .stage, .failed])
        #expect(failed.providers == ["switchable"])

        // Only a finished, unsuccessful task can be retried, and only with a provider of the chain.
        await #expect(throws: CoachError.self) { _ = try await operations.retry(id: started.taskID, kind: .interview, provider: "nope", by: admin) }
        provider.broken.withLock { $0 = false }
        let retried = try await operations.retry(id: started.taskID, kind: .interview, provider: "switchable", by: admin)
        #expect(retried.state == .pending && retried.error == nil && retried.timeline.last?.event == .retried)
        await kinds.runner.process(try await kinds.queue.next())

        let succeeded = try await operations.task(id: started.taskID, kind: .interview)
        #expect(succeeded.state == .success && succeeded.runs == 2 && succeeded.resultID != nil)
        #expect(succeeded.attempts.map(\.run) == [1, 1, 2])
        #expect(succeeded.attempts.last?.attempt.outcome == .success)
        let error = await #expect(throws: CoachError.self) { _ = try await operations.retry(id: started.taskID, kind: .interview, provider: nil, by: admin) }
        #expect(error?.code == .taskNotRetryable)
        #expect(try await kinds.keys.auditLog(limit: 10, after: nil).items.map(\.action) == ["task.retry"])

        let overview = try await operations.overview(window: .seconds(3600))
        #expect(overview.tasksByState[.success] == 1 && overview.sampledTasks == 1)
        let switchable = try #require(overview.providers.first { $0.name == "switchable" })
        #expect(switchable.calls == 3 && switchable.errors == 2 && switchable.inputTokens >= 240)
        #expect(overview.stages.map(\.stage) == [.loadingResume, .generatingPrompt, .callingLLM, .processingResponse])
    }

    @Test func cancellingARunningTaskStopsItsWorkerWithinAPollAndEndsItCancelled() async throws {
        let kinds = try await Kinds(providers: [BuiltinProvider(latency: .seconds(60))])
        let operations = administration(kinds)
        let started = try await kinds.interview.start(tenant: .default, uniqueKey: kinds.resume.uniqueKey, options: QuestionOptions(), idempotencyKey: nil)
        let runner = JobRunner(
            queue: kinds.queue, kinds: [kinds.interview], configuration: WorkerConfiguration(cancelPoll: .milliseconds(50)))
        let job = try await kinds.queue.next()
        let worker = Task { await runner.process(job) }
        try await waitUntil { try await operations.task(id: started.taskID, kind: .interview).stage == .callingLLM }

        let requested = try await operations.cancel(id: started.taskID, kind: .interview, by: admin)
        #expect(requested.state == .progress && requested.timeline.last?.event == .stage)
        #expect(await operations.cancelRequested(requested))
        // The worker gives up the provider call (60 s long) as soon as it sees the request.
        await worker.value
        let cancelled = try await operations.task(id: started.taskID, kind: .interview)
        #expect(cancelled.state == .cancelled && cancelled.error?.code == ErrorCode.taskCancelled.rawValue)
        #expect(Array(cancelled.timeline.map(\.event).suffix(2)) == [.cancelRequested, .cancelled])
        #expect(cancelled.timeline.last { $0.event == .cancelRequested }?.detail == "admin")
        #expect(try await kinds.queue.cancelRequest(taskID: started.taskID) == nil)
        #expect(try await kinds.interview.results.count(taskID: started.taskID) == 0)
    }

    @Test func cancellingAQueuedTaskEndsItAtOnceAndItsJobRunsNothing() async throws {
        let kinds = try await Kinds()
        let operations = administration(kinds)
        let started = try await kinds.interview.start(tenant: .default, uniqueKey: kinds.resume.uniqueKey, options: QuestionOptions(), idempotencyKey: nil)
        let cancelled = try await operations.cancel(id: started.taskID, kind: .interview, by: admin)
        #expect(cancelled.state == .cancelled && cancelled.stage == .cancelled)
        #expect(try await kinds.queue.cancelRequest(taskID: started.taskID) == "admin")
        await kinds.runner.process(try await kinds.queue.next())
        #expect(try await operations.task(id: started.taskID, kind: .interview).state == .cancelled)
        // Its job ran nothing and spent the request.
        #expect(try await kinds.queue.cancelRequest(taskID: started.taskID) == nil)
        #expect(try await kinds.interview.results.count(taskID: started.taskID) == 0)
        let error = await #expect(throws: CoachError.self) { _ = try await operations.cancel(id: started.taskID, kind: .interview, by: admin) }
        #expect(error?.code == .taskNotCancellable)
        #expect(try await kinds.keys.auditLog(limit: 10, after: nil).items.map(\.action) == ["task.cancel"])
    }

    @Test func aDeadLetteredJobIsRetriedThroughItsTask() async throws {
        let kinds = try await Kinds()
        let operations = administration(kinds)
        let started = try await kinds.interview.start(tenant: .default, uniqueKey: kinds.resume.uniqueKey, options: QuestionOptions(), idempotencyKey: nil)
        var job = try await kinds.queue.next()
        job.deliveries = WorkerConfiguration().maxDeliveries + 1
        await kinds.runner.process(job)
        let letter = try #require(try await operations.deadLetters(kind: .interview, limit: 10).first)
        #expect(letter.taskID == started.taskID)

        let retried = try await operations.retryDeadLetter(id: letter.id, kind: .interview, by: admin)
        #expect(retried.state == .pending)
        #expect(try await operations.deadLetters(kind: .interview, limit: 10).isEmpty)
        await kinds.runner.process(try await kinds.queue.next())
        #expect(try await operations.task(id: started.taskID, kind: .interview).state == .success)
    }
}

/// Polls `condition` every 20 ms for up to 10 s.
func waitUntil(_ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("condition not met within 10 s")
}
