import CoachCore
#if MongoDB
import CoachMongo
#endif
import CoachGeneration
import CoachStore
import Foundation
import Logging

/// Shared by the store test targets (CoachStoreTests, CoachMongoTests).

/// One set of stores under test, and how to throw it away.
public struct StoreSet: Sendable {
    public var resumes: any ResumeStore
    public var questionSets: any ResultStore<QuestionSet>
    public var learningPaths: any ResultStore<LearningPath>
    public var tasks: any TaskStore
    public var keys: any APIKeyStore
    public var sessions: any PracticeSessionStore
    /// The same data through fresh connections (a restarted process).
    public var reopen: @Sendable () async throws -> StoreSet
    public var destroy: @Sendable () async throws -> Void
}

/// A storage backend the contract runs against: SQLite always, MongoDB when `MONGODB_URI` is set
/// (CI sets it; a local `swift test` without it still passes).
public struct Backend: Sendable {
    public var name: String
    public var make: @Sendable () async throws -> StoreSet

    public static var all: [Backend] {
        var backends = [sqlite]
        #if MongoDB
        if let uri = mongoURI { backends.append(mongo(uri: uri)) }
        #endif
        return backends
    }

    public static var mongoURI: String? {
        guard let uri = ProcessInfo.processInfo.environment["MONGODB_URI"], !uri.isEmpty else { return nil }
        return uri
    }

    public static let sqlite = Backend(name: "sqlite") {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "coach-contract-\(UUID().uuidString)")
        let path = folder.appendingPathComponent("test.sqlite").path
        @Sendable func open() throws -> StoreSet {
            let database = try SQLiteDatabase(path: path, logger: Logger(label: "test"))
            return StoreSet(
                resumes: SQLiteResumeStore(database: database),
                questionSets: SQLiteResultStore<QuestionSet>.questionSets(database),
                learningPaths: SQLiteResultStore<LearningPath>.learningPaths(database),
                tasks: SQLiteTaskStore(database: database),
                keys: SQLiteAPIKeyStore(database: database),
                sessions: SQLitePracticeSessionStore(database: database),
                reopen: { try open() },
                destroy: { try? FileManager.default.removeItem(at: folder) })
        }
        return try open()
    }

    #if MongoDB
    /// A fresh database per test, dropped afterwards.
    public static func mongo(uri: String) -> Backend {
        Backend(name: "mongodb") {
            let name = "coach_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            @Sendable func open() async throws -> StoreSet {
                let stores = try await MongoStores.connect(uri: uri, database: name, logger: Logger(label: "test"))
                return StoreSet(
                    resumes: stores.resumes, questionSets: stores.questionSets, learningPaths: stores.learningPaths,
                    tasks: stores.tasks, keys: stores.keys, sessions: stores.sessions,
                    reopen: { try await open() },
                    destroy: { try await stores.database.drop() })
            }
            return try await open()
        }
    }
    #endif
}

extension Backend {
    /// Runs `body` with fresh stores, destroying them afterwards whether or not it threw.
    public func run(_ body: (StoreSet) async throws -> Void) async throws {
        let stores = try await make()
        do {
            try await body(stores)
        } catch {
            try? await stores.destroy()
            throw error
        }
        try await stores.destroy()
    }
}

// MARK: - Sample values

public func content(name: String = "Kim", summary: String = "Backend engineer with Kafka.") -> ResumeContent {
    ResumeContent(
        name: name, summary: summary, totalExperienceMonths: 12, technicalSkills: TechnicalSkills(frameworks: ["Gin"]))
}

public let sampleRecord = GenerationRecord(
    provider: "builtin", model: "builtin-v1", promptVersion: "questions-v1", language: .en,
    usage: Usage(inputTokens: 10, outputTokens: 20, costUSD: 0.0125),
    attempts: [GenerationAttempt(provider: "builtin", model: "builtin-v1", outcome: .success, latencyMs: 12)])

public func questionSet(key: String = "Kim_1", task: String? = nil, at seconds: Double = 1_800_000_000) -> QuestionSet {
    QuestionSet(
        id: DocumentID.make(), resumeID: "r1", uniqueKey: key,
        questions: [
            Question(
                type: "Quality", difficulty: "easy", topic: "Go", question: "How do you test Go?",
                whatGoodAnswersCover: ["a", "b"])
        ],
        record: sampleRecord, createdAt: Date(timeIntervalSince1970: seconds), taskID: task)
}

public func learningPath(key: String = "Kim_1", task: String? = nil, at seconds: Double = 1_800_000_000) -> LearningPath {
    LearningPath(
        id: DocumentID.make(), resumeID: "r1", uniqueKey: key,
        plan: LearningPlan(
            analysis: Analysis(strengths: ["Go"], weaknesses: ["Kubernetes"]), summary: "Learn Kubernetes.",
            learningPaths: [
                LearningItem(
                    type: "weakness", title: "Kubernetes", description: "Operate clusters", reason: "Gap",
                    resources: ["docs"], link: "https://kubernetes.io", estimatedHours: 10)
            ]),
        record: sampleRecord, createdAt: Date(timeIntervalSince1970: seconds), taskID: task)
}

public func task(
    _ id: String, kind: TaskKind = .interview, tenant: Tenant = .default, key: String = "Kim_1", idempotencyKey: String? = nil,
    at seconds: Double = 1_800_000_000
) -> TaskRecord {
    let input: TaskInput = kind == .interview ? .questions(QuestionOptions()) : .learningPath(LearningOptions())
    return TaskRecord(
        taskID: id, kind: kind, tenant: tenant, uniqueKey: key, input: input, idempotencyKey: idempotencyKey,
        createdAt: Date(timeIntervalSince1970: seconds))
}

/// Resumes read from a store directly, for tests of the generation use cases (in a process they
/// come from ResumeService over gRPC: `GRPCResumeLookup`).
public struct StoreResumeLookup: ResumeLookup {
    public let store: any ResumeStore

    public init(store: any ResumeStore) { self.store = store }

    public func resume(tenant: Tenant, uniqueKey: String) async throws -> Resume {
        try await store.get(tenant: tenant, uniqueKey: uniqueKey)
    }
}
