import CoachBuiltin
import CoachCore
import CoachGeneration
import CoachJobs
import CoachLLM
import CoachStore
import CoachStoreTesting
@testable import CoachWorker
import Foundation
import Logging
import Testing

/// Both kinds' use cases over one SQLite file and one in-process queue.
struct Kinds {
    let interview: GenerationOperations<InterviewKind>
    let learning: GenerationOperations<LearningKind>
    let queue = InProcessJobQueue()
    let tasks: SQLiteTaskStore
    let keys: SQLiteAPIKeyStore
    let bus = InProcessProgressBus()
    let registry: ProviderRegistry
    let resume: Resume

    init(providers: [any LLMProvider] = [BuiltinProvider()]) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("worker-\(UUID().uuidString).sqlite").path
        let database = try SQLiteDatabase(path: path, logger: Logger(label: "test"))
        let resumes = SQLiteResumeStore(database: database)
        let lookup = StoreResumeLookup(store: resumes)
        registry = ProviderRegistry(providers: providers)
        tasks = SQLiteTaskStore(database: database)
        keys = SQLiteAPIKeyStore(database: database)
        interview = GenerationOperations(
            resumes: lookup, results: SQLiteResultStore<QuestionSet>.questionSets(database), tasks: tasks, queue: queue, bus: bus,
            registry: registry)
        learning = GenerationOperations(
            resumes: lookup, results: SQLiteResultStore<LearningPath>.learningPaths(database), tasks: tasks, queue: queue, bus: bus,
            registry: registry)
        resume = try await resumes.create(content(), tenant: .default, at: Date())
    }

    var runner: JobRunner { JobRunner(queue: queue, kinds: [interview, learning]) }
}

@Suite struct JobRunnerTests {
    @Test func aJobOfEachKindRunsItsTaskToSuccessAndStoresOneResult() async throws {
        let kinds = try await Kinds()
        let questions = try await kinds.interview.start(tenant: .default, uniqueKey: kinds.resume.uniqueKey, options: QuestionOptions(), idempotencyKey: nil)
        let path = try await kinds.learning.start(tenant: .default, uniqueKey: kinds.resume.uniqueKey, options: LearningOptions(), idempotencyKey: nil)
        let runner = kinds.runner
        for _ in 0..<2 { await runner.process(try await kinds.queue.next()) }

        let doneQuestions = try await kinds.interview.task(tenant: .default, id: questions.taskID)
        let donePath = try await kinds.learning.task(tenant: .default, id: path.taskID)
        #expect(doneQuestions.state == .success && doneQuestions.progress == 100)
        #expect(donePath.state == .success)
        #expect(try await kinds.interview.results.count(tenant: .default, uniqueKey: kinds.resume.uniqueKey) == 1)

        // A duplicate delivery finds the task done and stores nothing more.
        await runner.process(Job(taskID: questions.taskID, kind: .interview))
        #expect(try await kinds.interview.results.count(tenant: .default, uniqueKey: kinds.resume.uniqueKey) == 1)
    }

    @Test func aJobDeliveredTooOftenIsDeadLetteredAndItsTaskFails() async throws {
        let kinds = try await Kinds()
        let task = try await kinds.interview.start(tenant: .default, uniqueKey: kinds.resume.uniqueKey, options: QuestionOptions(), idempotencyKey: nil)
        var job = try await kinds.queue.next()
        job.deliveries = WorkerConfiguration().maxDeliveries + 1
        await kinds.runner.process(job)
        let failed = try await kinds.interview.task(tenant: .default, id: task.taskID)
        #expect(failed.state == .failure)
        #expect(await kinds.queue.deadLetters(kind: .interview, limit: 10).map(\.taskID) == [task.taskID])
    }

    /// A task keeps the id of the recorded trace it ran in; an unsampled trace's id names nothing.
    @Test func aTaskKeepsTheTraceIdOnlyOfARecordedTrace() {
        func job(_ traceParent: String?) -> Job {
            Job(taskID: "t", kind: .interview, trace: traceParent.map { ["traceparent": $0] } ?? [:])
        }
        #expect(JobRunner.traceID(of: job("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")) == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(JobRunner.traceID(of: job("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")) == nil)
        #expect(JobRunner.traceID(of: job("not a traceparent")) == nil)
        #expect(JobRunner.traceID(of: job(nil)) == nil)
    }

    @Test func unfinishedTasksOfEveryKindAreQueuedAgainAtStart() async throws {
        let kinds = try await Kinds()
        _ = try await kinds.interview.start(tenant: .default, uniqueKey: kinds.resume.uniqueKey, options: QuestionOptions(), idempotencyKey: nil)
        _ = try await kinds.learning.start(tenant: .default, uniqueKey: kinds.resume.uniqueKey, options: LearningOptions(), idempotencyKey: nil)
        // A restarted process has an empty queue; its worker re-queues both from the task store.
        let fresh = InProcessJobQueue()
        let recovered = try await JobRunner(queue: fresh, kinds: [kinds.interview, kinds.learning]).recoverUnfinished()
        #expect(recovered == 2)
        #expect(await fresh.depth == 2)
    }
}
