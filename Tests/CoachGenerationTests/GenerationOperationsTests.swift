import CoachBuiltin
import CoachCore
import CoachGeneration
import CoachJobs
import CoachLLM
import CoachStore
import CoachStoreTesting
import Foundation
import Logging
import Testing

/// The interview use cases over SQLite, the in-process queue and the builtin provider.
struct Fixture {
    let operations: GenerationOperations<InterviewKind>
    let queue: InProcessJobQueue
    let resume: Resume
    let resumes: SQLiteResumeStore

    func createResume(name: String) async throws -> Resume {
        try await resumes.create(content(name: name), tenant: .default, at: Date())
    }

    init() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("generation-\(UUID().uuidString).sqlite").path
        let database = try SQLiteDatabase(path: path, logger: Logger(label: "test"))
        let resumes = SQLiteResumeStore(database: database)
        self.resumes = resumes
        queue = InProcessJobQueue()
        operations = GenerationOperations<InterviewKind>(
            resumes: StoreResumeLookup(store: resumes), results: SQLiteResultStore<QuestionSet>.questionSets(database),
            tasks: SQLiteTaskStore(database: database), queue: queue, bus: InProcessProgressBus(),
            registry: ProviderRegistry(providers: [BuiltinProvider()]))
        resume = try await resumes.create(content(), tenant: .default, at: Date())
    }
}

@Suite struct GenerationOperationsTests {
    @Test func generateStoresAValidatedResultWithItsProvenance() async throws {
        let fixture = try await Fixture()
        let set = try await fixture.operations.generate(tenant: .default, uniqueKey: fixture.resume.uniqueKey, options: QuestionOptions(language: .en))
        #expect(set.questions.count == 5)
        #expect(set.record.provider == "builtin")
        // What was stored is what came back (times are stored to the millisecond).
        let latest = try await fixture.operations.latest(tenant: .default, uniqueKey: fixture.resume.uniqueKey)
        #expect(latest.id == set.id && latest.questions == set.questions && latest.record == set.record)
    }

    @Test func unknownResumeAndUnknownProviderAreRefusedBeforeAnyWork() async throws {
        let fixture = try await Fixture()
        await #expect(throws: CoachError.self) { try await fixture.operations.generate(tenant: .default, uniqueKey: "Nobody_1", options: QuestionOptions()) }
        do {
            _ = try await fixture.operations.start(
                tenant: .default, uniqueKey: fixture.resume.uniqueKey, options: QuestionOptions(provider: "openia"), idempotencyKey: nil)
            Issue.record("expected an unknown provider to be refused")
        } catch let error as CoachError {
            #expect(error.violations.map(\.field) == ["provider"])
        }
        #expect(await fixture.queue.depth == 0)
    }

    @Test func aRepeatedIdempotencyKeyReturnsTheFirstTaskAndEnqueuesOnce() async throws {
        let fixture = try await Fixture()
        let first = try await fixture.operations.start(tenant: .default, uniqueKey: fixture.resume.uniqueKey, options: QuestionOptions(), idempotencyKey: "k1")
        let again = try await fixture.operations.start(tenant: .default, uniqueKey: fixture.resume.uniqueKey, options: QuestionOptions(), idempotencyKey: "k1")
        #expect(again.taskID == first.taskID)
        #expect(first.state == .pending)
        #expect(await fixture.queue.depth == 1)
    }

    @Test func anIdempotencyKeyBelongsToOneResumeAndOneRequest() async throws {
        let fixture = try await Fixture()
        let key = fixture.resume.uniqueKey
        let first = try await fixture.operations.start(tenant: .default, uniqueKey: key, options: QuestionOptions(), idempotencyKey: "k1")
        // The same key for another resume is another request.
        let secondResume = try await fixture.createResume(name: "Lee")
        let elsewhere = try await fixture.operations.start(tenant: .default, uniqueKey: secondResume.uniqueKey, options: QuestionOptions(), idempotencyKey: "k1")
        #expect(elsewhere.taskID != first.taskID)
        // The same key with other options for the same resume is a conflict, not the first task.
        do {
            _ = try await fixture.operations.start(tenant: .default, uniqueKey: key, options: QuestionOptions(questionCount: 3), idempotencyKey: "k1")
            Issue.record("expected CONFLICT")
        } catch let error as CoachError {
            #expect(error.code == .conflict)
            #expect(error.details["task_id"] == .string(first.taskID))
        }
        #expect(await fixture.queue.depth == 2)
    }

    @Test func purgeDeletesTheResultsAndTasksOfOneResume() async throws {
        let fixture = try await Fixture()
        let key = fixture.resume.uniqueKey
        _ = try await fixture.operations.generate(tenant: .default, uniqueKey: key, options: QuestionOptions())
        let task = try await fixture.operations.start(tenant: .default, uniqueKey: key, options: QuestionOptions(), idempotencyKey: nil)
        let deleted = try await fixture.operations.purge(tenant: .default, uniqueKey: key)
        #expect(deleted.results == 1 && deleted.tasks == 1)
        await #expect(throws: CoachError.self) { try await fixture.operations.latest(tenant: .default, uniqueKey: key) }
        await #expect(throws: CoachError.self) { try await fixture.operations.task(tenant: .default, id: task.taskID) }
    }
}
