import CoachCore
import CoachStoreTesting
import CoachStore
import Foundation
import Logging
import Synchronization
import Testing

/// A fresh database file in its own temporary folder.
func makeDatabase() throws -> (SQLiteDatabase, String) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("coach-store-\(UUID().uuidString)")
    let path = folder.appendingPathComponent("test.sqlite").path
    return (try SQLiteDatabase(path: path, logger: Logger(label: "test")), path)
}

@Suite struct SQLiteResumeStoreTests {
    @Test func storesAndReadsBackEveryField() async throws {
        let (database, _) = try makeDatabase()
        let store = SQLiteResumeStore(database: database)
        var original = content()
        original.contact = Contact(email: "kim@example.com")
        original.personalProjects = [PersonalProject(name: "P", description: "D", techStack: ["Go"], githubURL: "https://x.dev")]
        let created = try await store.create(original, tenant: .default, at: Date(timeIntervalSince1970: 1_800_000_000.123))
        #expect(created.uniqueKey == "Kim_1")
        #expect(created.id.count == 24)
        let fetched = try await store.get(tenant: .default, uniqueKey: "Kim_1")
        #expect(fetched == created)
        #expect(fetched.content == original)
        #expect(fetched.createdAt.millisecondsSince1970 == 1_800_000_000_123)
    }

    @Test func unknownKeyIsResumeNotFound() async throws {
        let (database, _) = try makeDatabase()
        let store = SQLiteResumeStore(database: database)
        await #expect(throws: CoachError.resumeNotFound("nobody_1")) { try await store.get(tenant: .default, uniqueKey: "nobody_1") }
        await #expect(throws: CoachError.resumeNotFound("nobody_1")) { try await store.delete(tenant: .default, uniqueKey: "nobody_1") }
        await #expect(throws: CoachError.resumeNotFound("nobody_1")) {
            try await store.update(tenant: .default, uniqueKey: "nobody_1", content: content(), at: Date())
        }
    }

    @Test func concurrentCreatesWithOneNameGetDistinctKeys() async throws {
        let (database, _) = try makeDatabase()
        let store = SQLiteResumeStore(database: database)
        let keys = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<50 { group.addTask { try await store.create(content(), tenant: .default, at: Date()).uniqueKey } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(keys == Set((1...50).map { "Kim_\($0)" }))
    }

    @Test func neverReusesADeletedKey() async throws {
        let (database, _) = try makeDatabase()
        let store = SQLiteResumeStore(database: database)
        for _ in 0..<3 { _ = try await store.create(content(), tenant: .default, at: Date()) }
        try await store.delete(tenant: .default, uniqueKey: "Kim_3")
        #expect(try await store.create(content(), tenant: .default, at: Date()).uniqueKey == "Kim_4")
        #expect(try await store.create(content(name: "Lee"), tenant: .default, at: Date()).uniqueKey == "Lee_1")
    }

    @Test func listsNewestFirstInPagesAndByName() async throws {
        let (database, _) = try makeDatabase()
        let store = SQLiteResumeStore(database: database)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        for index in 0..<5 {
            _ = try await store.create(content(name: index % 2 == 0 ? "Kim" : "Lee"), tenant: .default, at: start.addingTimeInterval(Double(index)))
        }
        let first = try await store.list(tenant: .default, name: nil, limit: 2, after: nil)
        #expect(first.items.map(\.uniqueKey) == ["Kim_3", "Lee_2"])
        let second = try await store.list(tenant: .default, name: nil, limit: 2, after: first.next)
        #expect(second.items.map(\.uniqueKey) == ["Kim_2", "Lee_1"])
        let last = try await store.list(tenant: .default, name: nil, limit: 2, after: second.next)
        #expect(last.items.map(\.uniqueKey) == ["Kim_1"])
        #expect(last.next == nil)
        let kims = try await store.list(tenant: .default, name: "Kim", limit: 10, after: nil)
        #expect(kims.items.map(\.uniqueKey) == ["Kim_3", "Kim_2", "Kim_1"])
    }

    @Test func updateReplacesContentAndKeepsKeyAndCreationTime() async throws {
        let (database, _) = try makeDatabase()
        let store = SQLiteResumeStore(database: database)
        let created = try await store.create(content(), tenant: .default, at: Date(timeIntervalSince1970: 1_800_000_000))
        let updated = try await store.update(
            tenant: .default, uniqueKey: created.uniqueKey, content: content(summary: "Now a platform engineer."),
            at: Date(timeIntervalSince1970: 1_800_000_100))
        #expect(updated.uniqueKey == created.uniqueKey)
        #expect(updated.id == created.id)
        #expect(updated.createdAt == created.createdAt)
        #expect(updated.updatedAt.timeIntervalSince1970 == 1_800_000_100)
        #expect(try await store.get(tenant: .default, uniqueKey: created.uniqueKey).content.summary == "Now a platform engineer.")
    }

    @Test func dataSurvivesReopeningTheFile() async throws {
        let (database, path) = try makeDatabase()
        _ = try await SQLiteResumeStore(database: database).create(content(), tenant: .default, at: Date())
        let reopened = SQLiteResumeStore(database: try SQLiteDatabase(path: path, logger: Logger(label: "test")))
        #expect(try await reopened.get(tenant: .default, uniqueKey: "Kim_1").content == content())
        #expect(try await reopened.create(content(), tenant: .default, at: Date()).uniqueKey == "Kim_2")
    }

    /// Roles started together (`serve --role resume` twice on one `--data-dir`) open and migrate
    /// the same new file at the same moment; every one of them must come up.
    @Test func manyConnectionsOpeningOneNewFileAtOnceAllSucceed() async throws {
        for _ in 0..<10 {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("coach-store-\(UUID().uuidString)")
            let path = folder.appendingPathComponent("shared.sqlite").path
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                do {
                    _ = try SQLiteDatabase(path: path, logger: Logger(label: "test"))
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            #expect(failures.withLock { $0 } == [])
            let store = SQLiteResumeStore(database: try SQLiteDatabase(path: path, logger: Logger(label: "test")))
            #expect(try await store.create(content(), tenant: .default, at: Date()).uniqueKey == "Kim_1")
        }
    }
}

@Suite struct PageCursorTests {
    @Test func roundTripsThroughItsToken() throws {
        let cursor = PageCursor(createdAtMillis: 1_800_000_000_123, id: "6b097700c37434d7ab8717b3")
        #expect(try PageCursor(token: cursor.token, field: "cursor") == cursor)
    }

    @Test(arguments: ["", "!!!", "bm90LWEtY3Vyc29y", "MTIzOg"])
    func rejectsMalformedTokensNamingTheField(token: String) {
        #expect(throws: CoachError.self) { try PageCursor(token: token, field: "cursor") }
    }
}
