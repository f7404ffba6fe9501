import CoachCore
import CoachStoreTesting
import CoachStore
import Foundation
import Testing

@Suite struct SQLiteGenerationStoreTests {
    @Test func storesAtMostOneResultPerTask() async throws {
        let (database, _) = try makeDatabase()
        let store = SQLiteResultStore<QuestionSet>.questionSets(database)
        let first = try await store.save(questionSet(task: "task-1"), tenant: .default)
        let second = try await store.save(questionSet(task: "task-1"), tenant: .default)
        #expect(second.id == first.id)
        #expect(try await store.count(taskID: "task-1") == 1)
        _ = try await store.save(questionSet(), tenant: .default)
        _ = try await store.save(questionSet(), tenant: .default)
        #expect(try await store.count(tenant: .default, uniqueKey: "Kim_1") == 3)
    }

    @Test func returnsTheNewestFirst() async throws {
        let (database, _) = try makeDatabase()
        let store = SQLiteResultStore<QuestionSet>.questionSets(database)
        let old = try await store.save(questionSet(at: 1_800_000_000), tenant: .default)
        let new = try await store.save(questionSet(at: 1_800_000_100), tenant: .default)
        #expect(try await store.latest(tenant: .default, uniqueKey: "Kim_1")?.id == new.id)
        let page = try await store.history(tenant: .default, uniqueKey: "Kim_1", limit: 1, after: nil)
        let rest = try await store.history(tenant: .default, uniqueKey: "Kim_1", limit: 1, after: page.next)
        #expect(page.items.map(\.id) == [new.id])
        #expect(rest.items.map(\.id) == [old.id])
        #expect(try await store.latest(tenant: .default, uniqueKey: "Lee_1") == nil)
        #expect(try await store.deleteAll(tenant: .default, uniqueKey: "Kim_1") == 2)
    }

    @Test func taskIdempotencyKeyReturnsTheFirstTask() async throws {
        let (database, _) = try makeDatabase()
        let store = SQLiteTaskStore(database: database)
        let input = TaskInput.questions(QuestionOptions())
        let first = TaskRecord(taskID: "aa", kind: .interview, uniqueKey: "Kim_1", input: input, idempotencyKey: "k", createdAt: Date())
        let repeatTask = TaskRecord(taskID: "bb", kind: .interview, uniqueKey: "Kim_1", input: input, idempotencyKey: "k", createdAt: Date())
        #expect(try await store.create(first).created)
        let again = try await store.create(repeatTask)
        #expect(!again.created)
        #expect(again.task.taskID == "aa")
        // Same key, other kind: a different task.
        let learning = TaskRecord(taskID: "cc", kind: .learning, uniqueKey: "Kim_1", input: .learningPath(LearningOptions()), idempotencyKey: "k", createdAt: Date())
        #expect(try await store.create(learning).created)
    }

    @Test func tasksAreFoundOnlyUnderTheirKindAndUnfinishedOnesAreListed() async throws {
        let (database, _) = try makeDatabase()
        let store = SQLiteTaskStore(database: database)
        var done = TaskRecord(taskID: "d1", kind: .interview, uniqueKey: "Kim_1", input: .questions(QuestionOptions()), idempotencyKey: nil, createdAt: Date())
        _ = try await store.create(done)
        _ = try await store.create(TaskRecord(taskID: "p1", kind: .interview, uniqueKey: "Kim_1", input: .questions(QuestionOptions()), idempotencyKey: nil, createdAt: Date()))
        done.state = .success
        done.sequence = 7
        try await store.update(done)
        #expect(try await store.get(taskID: "d1", kind: .interview, tenant: nil)?.sequence == 7)
        #expect(try await store.get(taskID: "d1", kind: .learning, tenant: nil) == nil)
        #expect(try await store.unfinished(kind: nil).map(\.taskID) == ["p1"])
        #expect(try await store.list(tenant: .default, kind: .interview, state: .success, limit: 10, after: nil).items.map(\.taskID) == ["d1"])
    }
}
