import CoachCore
import CoachStore
import CoachStoreTesting
import Foundation
import Logging
import ResumeService
import Synchronization
import Testing

/// Data another service keeps for resumes, recording what it was asked to delete.
final class RecordingDependent: ResumeDependentData, Sendable {
    let deleted = Mutex<[String]>([])
    let failing: Bool

    init(failing: Bool = false) { self.failing = failing }

    func deleteData(tenant: Tenant, uniqueKey: String) async throws {
        if failing { throw CoachError.unavailable("interview service down") }
        deleted.withLock { $0.append(uniqueKey) }
    }
}

@Suite struct ResumeOperationsTests {
    func store() throws -> SQLiteResumeStore {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("resume-ops-\(UUID().uuidString).sqlite").path
        return SQLiteResumeStore(database: try SQLiteDatabase(path: path, logger: Logger(label: "test")))
    }

    @Test func deletingAResumeDeletesItsGeneratedDataFirst() async throws {
        let interview = RecordingDependent()
        let learning = RecordingDependent()
        let operations = ResumeOperations(store: try store(), dependents: [interview, learning])
        let resume = try await operations.create(content(), tenant: .default)
        try await operations.delete(tenant: .default, uniqueKey: resume.uniqueKey)
        #expect(interview.deleted.withLock { $0 } == [resume.uniqueKey])
        #expect(learning.deleted.withLock { $0 } == [resume.uniqueKey])
        await #expect(throws: CoachError.self) { try await operations.get(tenant: .default, uniqueKey: resume.uniqueKey) }
    }

    @Test func aFailedCascadeKeepsTheResumeSoTheDeleteCanBeRepeated() async throws {
        let operations = ResumeOperations(store: try store(), dependents: [RecordingDependent(failing: true)])
        let resume = try await operations.create(content(), tenant: .default)
        await #expect(throws: CoachError.self) { try await operations.delete(tenant: .default, uniqueKey: resume.uniqueKey) }
        #expect(try await operations.get(tenant: .default, uniqueKey: resume.uniqueKey) == resume)
    }

    @Test func deletingAnUnknownResumeTouchesNoOtherService() async throws {
        let dependent = RecordingDependent()
        let operations = ResumeOperations(store: try store(), dependents: [dependent])
        do {
            try await operations.delete(tenant: .default, uniqueKey: "Nobody_1")
            Issue.record("expected RESUME_NOT_FOUND")
        } catch let error as CoachError {
            #expect(error.code == .resumeNotFound)
        }
        #expect(dependent.deleted.withLock { $0 }.isEmpty)
    }

    @Test func createValidatesAndTrims() async throws {
        let operations = ResumeOperations(store: try store())
        var resume = content(name: "  Kim  ")
        resume.contact = Contact(email: " kim@example.com ")
        let created = try await operations.create(resume, tenant: .default)
        #expect(created.uniqueKey == "Kim_1")
        #expect(created.content.contact?.email == "kim@example.com")
        await #expect(throws: CoachError.self) { try await operations.create(content(summary: "short"), tenant: .default) }
    }
}
