import CoachCore
import CoachStore
import CoachStoreTesting
import Foundation
import Testing

/// Tenant isolation and the key store, run unchanged against every backend (`Backend.all`).
@Suite struct TenantContractTests {
    static let acme = Tenant(rawValue: "acme")!
    static let globex = Tenant(rawValue: "globex")!

    @Test(arguments: Backend.all)
    func keysAreNumberedPerTenantAndAnotherTenantsResumeIsNotFound(backend: Backend) async throws {
        try await backend.run { stores in
            let resumes = stores.resumes
            let first = try await resumes.create(content(), tenant: Self.acme, at: Date())
            let second = try await resumes.create(content(), tenant: Self.globex, at: Date())
            #expect(first.uniqueKey == "Kim_1" && second.uniqueKey == "Kim_1")
            #expect(try await resumes.get(tenant: Self.acme, uniqueKey: "Kim_1").id == first.id)
            #expect(try await resumes.get(tenant: Self.globex, uniqueKey: "Kim_1").id == second.id)
            await #expect(throws: CoachError.resumeNotFound("Kim_1")) { try await resumes.get(tenant: .default, uniqueKey: "Kim_1") }
            #expect(try await resumes.list(tenant: Self.acme, name: nil, limit: 10, after: nil).items.map(\.id) == [first.id])
            #expect(try await resumes.list(tenant: .default, name: "Kim", limit: 10, after: nil).items.isEmpty)
            try await resumes.delete(tenant: Self.globex, uniqueKey: "Kim_1")
            #expect(try await resumes.get(tenant: Self.acme, uniqueKey: "Kim_1").id == first.id)
            await #expect(throws: CoachError.resumeNotFound("Kim_1")) {
                try await resumes.update(tenant: Self.globex, uniqueKey: "Kim_1", content: content(), at: Date())
            }
        }
    }

    @Test(arguments: Backend.all)
    func resultsAndTasksStayInTheirTenant(backend: Backend) async throws {
        try await backend.run { stores in
            let set = try await stores.questionSets.save(questionSet(), tenant: Self.acme)
            #expect(try await stores.questionSets.latest(tenant: Self.acme, uniqueKey: "Kim_1")?.id == set.id)
            #expect(try await stores.questionSets.latest(tenant: Self.globex, uniqueKey: "Kim_1") == nil)
            #expect(try await stores.questionSets.find(tenant: Self.globex, id: set.id) == nil)
            #expect(try await stores.questionSets.count(tenant: Self.globex, uniqueKey: "Kim_1") == 0)
            #expect(try await stores.questionSets.deleteAll(tenant: Self.globex, uniqueKey: "Kim_1") == 0)
            #expect(try await stores.questionSets.count(tenant: Self.acme, uniqueKey: "Kim_1") == 1)

            _ = try await stores.tasks.create(task("t-acme", tenant: Self.acme))
            #expect(try await stores.tasks.get(taskID: "t-acme", kind: .interview, tenant: Self.acme)?.tenant == Self.acme)
            #expect(try await stores.tasks.get(taskID: "t-acme", kind: .interview, tenant: Self.globex) == nil)
            #expect(try await stores.tasks.get(taskID: "t-acme", kind: .interview, tenant: nil)?.taskID == "t-acme")
            #expect(try await stores.tasks.list(tenant: Self.globex, kind: .interview, state: nil, limit: 10, after: nil).items.isEmpty)
            #expect(try await stores.tasks.deleteAll(tenant: Self.globex, uniqueKey: "Kim_1", kind: .interview) == 0)
            #expect(try await stores.tasks.unfinished(kind: .interview).map(\.taskID) == ["t-acme"])
        }
    }

    @Test(arguments: Backend.all)
    func keysAreStoredListedAndRevokedOnce(backend: Backend) async throws {
        try await backend.run { stores in
            let created = Date(timeIntervalSince1970: 1_800_000_000)
            func key(_ id: String, _ tenant: Tenant, at offset: Double) -> APIKeyRecord {
                APIKeyRecord(
                    id: id, tenant: tenant, scopes: [.resumesRead], name: "ci", limits: KeyLimits(requestsPerMinute: 5),
                    createdAt: created.addingTimeInterval(offset), expiresAt: nil, createdBy: "admin", secretHash: "h-\(id)")
            }
            try await stores.keys.insert(key("00000000000000a1", Self.acme, at: 0))
            try await stores.keys.insert(key("00000000000000b2", Self.globex, at: 1))
            try await stores.keys.insert(key("00000000000000a3", Self.acme, at: 2))
            #expect(try await stores.keys.find(id: "00000000000000a1") == key("00000000000000a1", Self.acme, at: 0))
            #expect(try await stores.keys.find(id: "ffffffffffffffff") == nil)
            let acme = try await stores.keys.list(tenant: Self.acme, includeRevoked: false, limit: 1, after: nil)
            #expect(acme.items.map(\.id) == ["00000000000000a3"])
            let rest = try await stores.keys.list(tenant: Self.acme, includeRevoked: false, limit: 1, after: acme.next)
            #expect(rest.items.map(\.id) == ["00000000000000a1"] && rest.next == nil)

            let revokedAt = created.addingTimeInterval(60)
            #expect(try await stores.keys.revoke(id: "00000000000000a1", at: revokedAt)?.revokedAt == revokedAt)
            // A second revocation keeps the first time.
            #expect(try await stores.keys.revoke(id: "00000000000000a1", at: revokedAt.addingTimeInterval(60))?.revokedAt == revokedAt)
            #expect(try await stores.keys.revoke(id: "ffffffffffffffff", at: revokedAt) == nil)
            #expect(try await stores.keys.list(tenant: nil, includeRevoked: false, limit: 10, after: nil).items.map(\.id) == [
                "00000000000000a3", "00000000000000b2",
            ])
            #expect(try await stores.keys.list(tenant: nil, includeRevoked: true, limit: 10, after: nil).items.count == 3)

            for (index, action) in ["key.create", "key.revoke"].enumerated() {
                try await stores.keys.append(
                    AuditEntry(
                        id: DocumentID.make(at: created), at: created.addingTimeInterval(Double(index)), actor: "admin", action: action,
                        target: "00000000000000a1", tenant: Self.acme))
            }
            #expect(try await stores.keys.auditLog(limit: 10, after: nil).items.map(\.action) == ["key.revoke", "key.create"])
        }
    }
}

/// Practice sessions, on every backend.
@Suite struct PracticeSessionStoreContractTests {
    static let acme = Tenant(rawValue: "acme")!

    func session(_ id: String, key: String = "Kim_1", at seconds: Double) -> PracticeSession {
        PracticeSession(
            id: id, tenant: Self.acme, uniqueKey: key, questionSetID: "qs1", language: .en,
            questions: questionSet().questions, at: Date(timeIntervalSince1970: seconds))
    }

    @Test(arguments: Backend.all)
    func sessionsAreStoredInTheirTenantAndMovedOneStepAtATime(backend: Backend) async throws {
        try await backend.run { stores in
            let store = stores.sessions
            try await store.insert(session("000000000000000000000001", at: 1_800_000_000))
            try await store.insert(session("000000000000000000000002", key: "Lee_1", at: 1_800_000_001))
            var first = try #require(try await store.get(tenant: Self.acme, id: "000000000000000000000001"))
            #expect(first.questions == questionSet().questions && first.revision == 0)
            #expect(try await store.get(tenant: .default, id: "000000000000000000000001") == nil)
            #expect(try await store.list(tenant: Self.acme, uniqueKey: nil, limit: 10, after: nil).items.map(\.id) == [
                "000000000000000000000002", "000000000000000000000001",
            ])
            #expect(try await store.list(tenant: Self.acme, uniqueKey: "Kim_1", limit: 10, after: nil).items.count == 1)
            #expect(try await store.list(tenant: .default, uniqueKey: nil, limit: 10, after: nil).items.isEmpty)

            first.turns.append(
                PracticeTurn(
                    prompt: PracticePrompt(questionIndex: 0, followUp: 0, question: first.questions[0]), action: .skipped, answer: "",
                    evaluation: nil, at: Date(timeIntervalSince1970: 1_800_000_010)))
            let stored = try await store.update(first)
            #expect(stored.revision == 1)
            #expect(try await store.get(tenant: Self.acme, id: first.id) == stored)
            // A second connection that read the old revision cannot overwrite the step.
            await #expect(throws: CoachError.self) { try await store.update(first) }
            #expect(try await store.deleteAll(tenant: .default, uniqueKey: "Kim_1") == 0)
            #expect(try await store.deleteAll(tenant: Self.acme, uniqueKey: "Kim_1") == 1)
            #expect(try await store.get(tenant: Self.acme, id: first.id) == nil)
        }
    }
}
