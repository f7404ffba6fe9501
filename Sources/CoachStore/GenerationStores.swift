import CoachCore
import Foundation

/// A stored generation result (question set or learning path).
public protocol StoredResult: Codable, Sendable {
    var id: String { get }
    var uniqueKey: String { get }
    var createdAt: Date { get }
    var taskID: String? { get }
}

extension QuestionSet: StoredResult {}
extension LearningPath: StoredResult {}

/// Where generated results live, one store per kind. Implementations: SQLite and MongoDB.
/// Results belong to the tenant of their resume; every read is inside one tenant.
public protocol ResultStore<Result>: Sendable {
    associatedtype Result: StoredResult

    /// Stores a result. A result that carries a `taskID` is stored at most once per task: when one
    /// exists already, it is returned and `result` is dropped.
    func save(_ result: Result, tenant: Tenant) async throws -> Result
    /// The newest result for a resume, if any.
    func latest(tenant: Tenant, uniqueKey: String) async throws -> Result?
    func find(tenant: Tenant, id: String) async throws -> Result?
    /// Newest first.
    func history(tenant: Tenant, uniqueKey: String, limit: Int, after cursor: PageCursor?) async throws -> Page<Result>
    func count(tenant: Tenant, uniqueKey: String) async throws -> Int
    /// How many results a task produced (0 or 1), for proving exactly-once.
    func count(taskID: String) async throws -> Int
    func deleteAll(tenant: Tenant, uniqueKey: String) async throws -> Int
}

/// Where task records live. The record is the truth about a task; queues and progress buses
/// only carry notifications about it. A record carries its tenant (`TaskRecord.tenant`).
public protocol TaskStore: Sendable {
    /// Inserts `task`, or returns the existing task of the same kind with the same idempotency
    /// key (then `created` is false). Idempotency keys arrive scoped to tenant and resume.
    func create(_ task: TaskRecord) async throws -> (task: TaskRecord, created: Bool)
    /// `nil` when no task of `kind` has the id; `tenant` nil finds it in any tenant (workers).
    func get(taskID: String, kind: TaskKind, tenant: Tenant?) async throws -> TaskRecord?
    /// Replaces the stored record.
    func update(_ task: TaskRecord) async throws
    /// Every tenant's tasks matching `query`, newest first (the operations dashboard).
    func search(_ query: TaskQuery, limit: Int, after cursor: PageCursor?) async throws -> Page<TaskRecord>
    /// How many tasks created at or after `since` are in each state, every tenant and kind.
    func stateCounts(since: Date) async throws -> [TaskState: Int]
    /// Tasks still PENDING or PROGRESS, oldest first (to re-run after a crash).
    func unfinished(kind: TaskKind?) async throws -> [TaskRecord]
    func deleteAll(tenant: Tenant, uniqueKey: String, kind: TaskKind) async throws -> Int
}

extension TaskStore {
    /// The tenant's tasks of `kind`, newest first, optionally in one state.
    public func list(tenant: Tenant, kind: TaskKind, state: TaskState?, limit: Int, after cursor: PageCursor?) async throws -> Page<TaskRecord> {
        try await search(TaskQuery(kinds: [kind], states: state.map { [$0] } ?? [], tenant: tenant), limit: limit, after: cursor)
    }
}

/// JSON coding of stored documents: dates as milliseconds, keys sorted.
enum DocumentCoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder.trustedDocuments()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }()

    static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        do {
            return try decoder.decode(T.self, from: Data(text.utf8))
        } catch {
            throw CoachError(.databaseOperationFailed, "stored document is unreadable")
        }
    }
}
