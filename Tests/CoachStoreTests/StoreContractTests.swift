import CoachCore
import CoachStoreTesting
import CoachStore
import Foundation
import Testing

/// The store contract, run unchanged against every backend (`Backend.all`).
@Suite struct StoreContractTests {
    // MARK: Resumes

    @Test(arguments: Backend.all)
    func storesAndReadsBackEveryResumeField(backend: Backend) async throws {
        try await backend.run { stores in
            var original = content()
            original.contact = Contact(email: "kim@example.com", github: "https://github.com/kim")
            original.personalProjects = [
                PersonalProject(
                    name: "P", description: "줄바꿈\n\"따옴표\" \\ \u{1}", techStack: ["Go"], githubURL: "https://x.dev")
            ]
            original.workExperiences = [
                WorkExperience(
                    company: "C", position: "Dev", duration: "2y", techStack: ["Kafka"], achievements: ["x"],
                    teamSize: 5)
            ]
            let created = try await stores.resumes.create(original, tenant: .default, at: Date(timeIntervalSince1970: 1_800_000_000.123))
            #expect(created.uniqueKey == "Kim_1")
            #expect(created.id.count == 24)
            let fetched = try await stores.resumes.get(tenant: .default, uniqueKey: "Kim_1")
            #expect(fetched == created)
            #expect(fetched.content == original)
            #expect(fetched.createdAt.millisecondsSince1970 == 1_800_000_000_123)
            #expect(fetched.updatedAt == fetched.createdAt)
            try await stores.resumes.ping()
        }
    }

    @Test(arguments: Backend.all)
    func unknownResumeKeyIsResumeNotFound(backend: Backend) async throws {
        try await backend.run { stores in
            let resumes = stores.resumes
            await #expect(throws: CoachError.resumeNotFound("nobody_1")) {
                try await resumes.get(tenant: .default, uniqueKey: "nobody_1")
            }
            await #expect(throws: CoachError.resumeNotFound("nobody_1")) {
                try await resumes.delete(tenant: .default, uniqueKey: "nobody_1")
            }
            await #expect(throws: CoachError.resumeNotFound("nobody_1")) {
                try await resumes.update(tenant: .default, uniqueKey: "nobody_1", content: content(), at: Date())
            }
            _ = try await resumes.create(content(), tenant: .default, at: Date())
            try await resumes.delete(tenant: .default, uniqueKey: "Kim_1")
            await #expect(throws: CoachError.resumeNotFound("Kim_1")) { try await resumes.get(tenant: .default, uniqueKey: "Kim_1") }
            await #expect(throws: CoachError.resumeNotFound("Kim_1")) { try await resumes.delete(tenant: .default, uniqueKey: "Kim_1") }
        }
    }

    @Test(arguments: Backend.all)
    func concurrentCreatesOfOneNameGetDistinctKeysAndDeletedKeysAreNeverReused(backend: Backend) async throws {
        try await backend.run { stores in
            let resumes = stores.resumes
            let keys = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<50 { group.addTask { try await resumes.create(content(), tenant: .default, at: Date()).uniqueKey } }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(keys.count == 50)
            #expect(Set(keys) == Set((1...50).map { "Kim_\($0)" }))
            try await resumes.delete(tenant: .default, uniqueKey: "Kim_3")
            #expect(try await resumes.create(content(), tenant: .default, at: Date()).uniqueKey == "Kim_51")
            #expect(try await resumes.create(content(name: "Lee"), tenant: .default, at: Date()).uniqueKey == "Lee_1")
        }
    }

    @Test(arguments: Backend.all)
    func listsResumesNewestFirstInPagesAndByName(backend: Backend) async throws {
        try await backend.run { stores in
            let resumes = stores.resumes
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            for index in 0..<5 {
                _ = try await resumes.create(
                    content(name: index % 2 == 0 ? "Kim" : "Lee"), tenant: .default, at: start.addingTimeInterval(Double(index)))
            }
            let first = try await resumes.list(tenant: .default, name: nil, limit: 2, after: nil)
            #expect(first.items.map(\.uniqueKey) == ["Kim_3", "Lee_2"])
            let second = try await resumes.list(tenant: .default, name: nil, limit: 2, after: first.next)
            #expect(second.items.map(\.uniqueKey) == ["Kim_2", "Lee_1"])
            let last = try await resumes.list(tenant: .default, name: nil, limit: 2, after: second.next)
            #expect(last.items.map(\.uniqueKey) == ["Kim_1"])
            #expect(last.next == nil)
            let kims = try await resumes.list(tenant: .default, name: "Kim", limit: 10, after: nil)
            #expect(kims.items.map(\.uniqueKey) == ["Kim_3", "Kim_2", "Kim_1"])
            #expect(kims.next == nil)
            let exact = try await resumes.list(tenant: .default, name: "Ki", limit: 10, after: nil)
            #expect(exact.items.isEmpty)
            let all = try await resumes.list(tenant: .default, name: nil, limit: 5, after: nil)
            #expect(all.items.count == 5)
            #expect(all.next == nil)
        }
    }

    @Test(arguments: Backend.all)
    func resumesCreatedInTheSameMillisecondPageByIdDescending(backend: Backend) async throws {
        try await backend.run { stores in
            let resumes = stores.resumes
            let instant = Date(timeIntervalSince1970: 1_800_000_000)
            var created: [Resume] = []
            for _ in 0..<4 { created.append(try await resumes.create(content(), tenant: .default, at: instant)) }
            let expected = created.map(\.id).sorted(by: >)
            var seen: [String] = []
            var cursor: PageCursor?
            repeat {
                let page = try await resumes.list(tenant: .default, name: "Kim", limit: 3, after: cursor)
                seen += page.items.map(\.id)
                cursor = page.next
            } while cursor != nil
            #expect(seen == expected)
        }
    }

    @Test(arguments: Backend.all)
    func updateReplacesResumeContentAndKeepsKeyIdAndCreationTime(backend: Backend) async throws {
        try await backend.run { stores in
            let resumes = stores.resumes
            var original = content()
            original.contact = Contact(email: "kim@example.com")
            original.certifications = [Certification(name: "CKA", issuer: "CNCF", issueDate: "2024-01")]
            let created = try await resumes.create(original, tenant: .default, at: Date(timeIntervalSince1970: 1_800_000_000))
            var replacement = content(summary: "Now a platform engineer.")
            replacement.contact = nil
            let updated = try await resumes.update(
                tenant: .default, uniqueKey: created.uniqueKey, content: replacement, at: Date(timeIntervalSince1970: 1_800_000_100))
            #expect(updated.uniqueKey == created.uniqueKey)
            #expect(updated.id == created.id)
            #expect(updated.createdAt == created.createdAt)
            #expect(updated.updatedAt.timeIntervalSince1970 == 1_800_000_100)
            let fetched = try await resumes.get(tenant: .default, uniqueKey: created.uniqueKey)
            #expect(fetched == updated)
            #expect(fetched.content == replacement)
            #expect(fetched.content.certifications.isEmpty)
            #expect(fetched.content.contact == nil)
        }
    }

    @Test(arguments: Backend.all)
    func dataSurvivesReconnecting(backend: Backend) async throws {
        try await backend.run { stores in
            _ = try await stores.resumes.create(content(), tenant: .default, at: Date())
            let reopened = try await stores.reopen()
            #expect(try await reopened.resumes.get(tenant: .default, uniqueKey: "Kim_1").content == content())
            #expect(try await reopened.resumes.create(content(), tenant: .default, at: Date()).uniqueKey == "Kim_2")
        }
    }

    // MARK: Results

    @Test(arguments: Backend.all)
    func questionSetsFollowTheResultContract(backend: Backend) async throws {
        try await backend.run { stores in
            try await checkResultContract(stores.questionSets) { key, task, seconds in
                questionSet(key: key, task: task, at: seconds)
            }
        }
    }

    @Test(arguments: Backend.all)
    func learningPathsFollowTheResultContract(backend: Backend) async throws {
        try await backend.run { stores in
            try await checkResultContract(stores.learningPaths) { key, task, seconds in
                learningPath(key: key, task: task, at: seconds)
            }
        }
    }

    @Test(arguments: Backend.all)
    func concurrentSavesForOneTaskKeepExactlyOneResult(backend: Backend) async throws {
        try await backend.run { stores in
            let store = stores.questionSets
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<10 { group.addTask { try await store.save(questionSet(task: "task-race"), tenant: .default).id } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(ids.count == 1)
            #expect(try await store.count(taskID: "task-race") == 1)
            #expect(try await store.count(tenant: .default, uniqueKey: "Kim_1") == 1)
            #expect(try await store.find(tenant: .default, id: ids.first!)?.taskID == "task-race")
        }
    }

    @Test(arguments: Backend.all)
    func resultKindsAreStoredApart(backend: Backend) async throws {
        try await backend.run { stores in
            let set = try await stores.questionSets.save(questionSet(task: "shared-task"), tenant: .default)
            let path = try await stores.learningPaths.save(learningPath(task: "shared-task"), tenant: .default)
            #expect(set.id != path.id)
            #expect(try await stores.questionSets.count(tenant: .default, uniqueKey: "Kim_1") == 1)
            #expect(try await stores.learningPaths.count(tenant: .default, uniqueKey: "Kim_1") == 1)
            #expect(try await stores.learningPaths.find(tenant: .default, id: set.id) == nil)
        }
    }

    // MARK: Tasks

    @Test(arguments: Backend.all)
    func taskIdempotencyKeyReturnsTheFirstTaskOfTheSameKind(backend: Backend) async throws {
        try await backend.run { stores in
            let tasks = stores.tasks
            #expect(try await tasks.create(task("aa", idempotencyKey: "k")).created)
            let again = try await tasks.create(task("bb", idempotencyKey: "k"))
            #expect(!again.created)
            #expect(again.task.taskID == "aa")
            #expect(try await tasks.get(taskID: "bb", kind: .interview, tenant: nil) == nil)
            // Same key, other kind: a different task.
            #expect(try await tasks.create(task("cc", kind: .learning, idempotencyKey: "k")).created)
            // Without a key, tasks never collide.
            #expect(try await tasks.create(task("dd")).created)
            #expect(try await tasks.create(task("ee")).created)
            #expect(try await tasks.create(task("ff", kind: .learning)).created)
            #expect(try await tasks.list(tenant: .default, kind: .interview, state: nil, limit: 10, after: nil).items.count == 3)
        }
    }

    @Test(arguments: Backend.all)
    func concurrentCreatesWithOneIdempotencyKeyMakeOneTask(backend: Backend) async throws {
        try await backend.run { stores in
            let tasks = stores.tasks
            let results = try await withThrowingTaskGroup(of: (String, Bool).self) { group in
                for index in 0..<10 {
                    group.addTask {
                        let result = try await tasks.create(task("t\(index)", idempotencyKey: "same"))
                        return (result.task.taskID, result.created)
                    }
                }
                return try await group.reduce(into: [(String, Bool)]()) { $0.append($1) }
            }
            #expect(results.filter(\.1).count == 1)
            #expect(Set(results.map(\.0)).count == 1)
        }
    }

    @Test(arguments: Backend.all)
    func tasksAreFoundOnlyUnderTheirKindAndUpdatesReplaceTheRecord(backend: Backend) async throws {
        try await backend.run { stores in
            let tasks = stores.tasks
            var done = task("d1", at: 1_800_000_000)
            _ = try await tasks.create(done)
            done.state = .success
            done.stage = .completed
            done.progress = 100
            done.sequence = 7
            done.runs = 1
            done.resultID = "6b097700c37434d7ab8717b3"
            done.updatedAt = Date(timeIntervalSince1970: 1_800_000_050)
            try await tasks.update(done)
            #expect(try await tasks.get(taskID: "d1", kind: .interview, tenant: nil) == done)
            #expect(try await tasks.get(taskID: "d1", kind: .learning, tenant: nil) == nil)
            #expect(try await tasks.get(taskID: "nope", kind: .interview, tenant: nil) == nil)
            var failed = done
            failed.state = .failure
            failed.error = TaskError(code: "LLM_API_TIMEOUT", message: "timed out")
            try await tasks.update(failed)
            #expect(try await tasks.get(taskID: "d1", kind: .interview, tenant: nil)?.error == failed.error)
            await #expect(throws: CoachError(.taskNotFound, "task not found: ghost")) {
                try await tasks.update(task("ghost"))
            }
        }
    }

    @Test(arguments: Backend.all)
    func listsTasksNewestFirstByStateAndUnfinishedOldestFirst(backend: Backend) async throws {
        try await backend.run { stores in
            let tasks = stores.tasks
            for index in 0..<5 {
                var record = task("i\(index)", at: 1_800_000_000 + Double(index))
                _ = try await tasks.create(record)
                if index % 2 == 1 {
                    record.state = .success
                    try await tasks.update(record)
                }
            }
            _ = try await tasks.create(task("l0", kind: .learning, tenant: .default, at: 1_799_999_999))
            var progressing = task("l1", kind: .learning, at: 1_800_000_010)
            _ = try await tasks.create(progressing)
            progressing.state = .progress
            try await tasks.update(progressing)

            let first = try await tasks.list(tenant: .default, kind: .interview, state: nil, limit: 2, after: nil)
            #expect(first.items.map(\.taskID) == ["i4", "i3"])
            let second = try await tasks.list(tenant: .default, kind: .interview, state: nil, limit: 2, after: first.next)
            #expect(second.items.map(\.taskID) == ["i2", "i1"])
            let last = try await tasks.list(tenant: .default, kind: .interview, state: nil, limit: 2, after: second.next)
            #expect(last.items.map(\.taskID) == ["i0"])
            #expect(last.next == nil)
            #expect(
                try await tasks.list(tenant: .default, kind: .interview, state: .success, limit: 10, after: nil).items.map(\.taskID) == [
                    "i3", "i1",
                ])
            #expect(
                try await tasks.list(tenant: .default, kind: .interview, state: .pending, limit: 10, after: nil).items.map(\.taskID) == [
                    "i4", "i2", "i0",
                ])
            #expect(try await tasks.list(tenant: .default, kind: .learning, state: .failure, limit: 10, after: nil).items.isEmpty)

            #expect(try await tasks.unfinished(kind: nil).map(\.taskID) == ["l0", "i0", "i2", "i4", "l1"])
            #expect(try await tasks.unfinished(kind: .learning).map(\.taskID) == ["l0", "l1"])
            #expect(try await tasks.unfinished(kind: .interview).map(\.taskID) == ["i0", "i2", "i4"])
        }
    }

    /// The operations dashboard's search: every filter at once, across tenants, paged; the store
    /// answers exactly what `TaskQuery.matches` says over the same tasks.
    @Test(arguments: Backend.all)
    func searchesEveryTenantsTasksByEveryFilterNewestFirstInPages(backend: Backend) async throws {
        try await backend.run { stores in
            let tasks = stores.tasks
            let acme = Tenant(rawValue: "acme")!
            var all: [TaskRecord] = []
            for index in 0..<12 {
                var record = task(
                    "t\(String(format: "%02d", index))", kind: index % 3 == 0 ? .learning : .interview, tenant: index % 4 == 0 ? acme : .default,
                    key: index % 2 == 0 ? "Kim_1" : "Lee_1", at: 1_800_000_000 + Double(index) * 60)
                _ = try await tasks.create(record)
                switch index % 4 {
                case 1:
                    record.state = .failure
                    record.error = TaskError(code: index == 5 ? "LLM_API_TIMEOUT" : "INTERVIEW_GENERATION_FAILED", message: "every provider failed")
                    record.attempts = [
                        TaskAttempt(run: 1, attempt: GenerationAttempt(provider: "openai", model: "m", outcome: .invalidOutput, latencyMs: 5, rules: ["questions.count"])),
                        TaskAttempt(run: 1, attempt: GenerationAttempt(provider: "anthropic", model: "m", outcome: .timeout, latencyMs: 9)),
                    ]
                case 2:
                    record.state = .success
                    record.attempts = [TaskAttempt(run: 1, attempt: GenerationAttempt(provider: "builtin", model: "b", outcome: .success, latencyMs: 1))]
                case 3: record.state = .cancelled
                default: break
                }
                if record.state != .pending { try await tasks.update(record) }
                all.append(record)
            }
            let queries: [TaskQuery] = [
                TaskQuery(),
                TaskQuery(states: [.failure, .cancelled]),
                TaskQuery(kinds: [.learning]),
                TaskQuery(tenant: acme),
                TaskQuery(uniqueKey: "Lee_1", provider: "anthropic"),
                TaskQuery(errorCode: "LLM_API_TIMEOUT"),
                TaskQuery(kinds: [.interview], states: [.success], provider: "builtin"),
                TaskQuery(createdFrom: Date(timeIntervalSince1970: 1_800_000_120), createdBefore: Date(timeIntervalSince1970: 1_800_000_420)),
                TaskQuery(provider: "gemini"),
            ]
            for query in queries {
                let expected = all.filter(query.matches).sorted { $0.createdAt > $1.createdAt }.map(\.taskID)
                var found: [String] = []
                var page = try await tasks.search(query, limit: 5, after: nil)
                found += page.items.map(\.taskID)
                while let next = page.next {
                    page = try await tasks.search(query, limit: 5, after: next)
                    found += page.items.map(\.taskID)
                }
                #expect(found == expected, "\(query)")
            }
            #expect(try await tasks.search(TaskQuery(errorCode: "LLM_API_TIMEOUT"), limit: 5, after: nil).items.map(\.taskID) == ["t05"])
            // Attempts (with their rule ids) and the timeline come back as stored.
            let failed = try #require(try await tasks.get(taskID: "t01", kind: .interview, tenant: nil))
            #expect(failed.attempts.map(\.attempt.rules) == [["questions.count"], nil])
            #expect(failed.timeline.map(\.event) == [.queued])

            let counts = try await tasks.stateCounts(since: Date(timeIntervalSince1970: 1_800_000_240))
            let expected = Dictionary(grouping: all.filter { $0.createdAt >= Date(timeIntervalSince1970: 1_800_000_240) }, by: \.state).mapValues(\.count)
            #expect(counts == expected)
        }
    }

    @Test(arguments: Backend.all)
    func deletesTasksOfOneResumeAndKind(backend: Backend) async throws {
        try await backend.run { stores in
            let tasks = stores.tasks
            _ = try await tasks.create(task("a", key: "Kim_1"))
            _ = try await tasks.create(task("b", key: "Kim_1"))
            _ = try await tasks.create(task("c", kind: .learning, key: "Kim_1"))
            _ = try await tasks.create(task("d", key: "Lee_1"))
            #expect(try await tasks.deleteAll(tenant: .default, uniqueKey: "Kim_1", kind: .interview) == 2)
            #expect(try await tasks.deleteAll(tenant: .default, uniqueKey: "Kim_1", kind: .interview) == 0)
            #expect(try await tasks.get(taskID: "a", kind: .interview, tenant: nil) == nil)
            #expect(try await tasks.get(taskID: "c", kind: .learning, tenant: nil) != nil)
            #expect(try await tasks.get(taskID: "d", kind: .interview, tenant: nil) != nil)
        }
    }
}

/// Every `ResultStore` operation: save (idempotent per task), find, latest, history paging,
/// counts and deleteAll.
func checkResultContract<Store: ResultStore>(
    _ store: Store, make: (_ key: String, _ task: String?, _ seconds: Double) -> Store.Result
) async throws where Store.Result: Equatable {
    #expect(try await store.latest(tenant: .default, uniqueKey: "Kim_1") == nil)
    #expect(try await store.history(tenant: .default, uniqueKey: "Kim_1", limit: 5, after: nil).items.isEmpty)

    let first = try await store.save(make("Kim_1", "task-1", 1_800_000_000), tenant: .default)
    let repeated = try await store.save(make("Kim_1", "task-1", 1_800_000_050), tenant: .default)
    #expect(repeated.id == first.id)
    #expect(repeated == first)
    #expect(try await store.count(taskID: "task-1") == 1)
    #expect(try await store.count(taskID: "task-2") == 0)

    // Results without a task never collide with each other.
    let old = try await store.save(make("Kim_1", nil, 1_799_999_000), tenant: .default)
    let new = try await store.save(make("Kim_1", nil, 1_800_000_100), tenant: .default)
    let other = try await store.save(make("Lee_1", nil, 1_800_000_200), tenant: .default)
    #expect(try await store.count(tenant: .default, uniqueKey: "Kim_1") == 3)
    #expect(try await store.count(tenant: .default, uniqueKey: "Lee_1") == 1)

    #expect(try await store.find(tenant: .default, id: new.id) == new)
    #expect(try await store.find(tenant: .default, id: first.id)?.taskID == "task-1")
    #expect(try await store.find(tenant: .default, id: DocumentID.make()) == nil)
    #expect(try await store.latest(tenant: .default, uniqueKey: "Kim_1") == new)
    #expect(try await store.latest(tenant: .default, uniqueKey: "Lee_1") == other)

    let page1 = try await store.history(tenant: .default, uniqueKey: "Kim_1", limit: 2, after: nil)
    #expect(page1.items.map(\.id) == [new.id, first.id])
    let page2 = try await store.history(tenant: .default, uniqueKey: "Kim_1", limit: 2, after: page1.next)
    #expect(page2.items.map(\.id) == [old.id])
    #expect(page2.next == nil)

    #expect(try await store.deleteAll(tenant: .default, uniqueKey: "Kim_1") == 3)
    #expect(try await store.deleteAll(tenant: .default, uniqueKey: "Kim_1") == 0)
    #expect(try await store.latest(tenant: .default, uniqueKey: "Kim_1") == nil)
    #expect(try await store.count(tenant: .default, uniqueKey: "Lee_1") == 1)
}

extension Backend: CustomTestStringConvertible {
    public var testDescription: String { name }
}
