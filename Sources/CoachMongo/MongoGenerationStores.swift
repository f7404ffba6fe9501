import CoachCore
import CoachStore
import Foundation

/// Results of one kind in one collection (`interview_questions` or `learning_paths`): the
/// result's fields as BSON fields, `_id` its id, `created_at` a BSON date, and `task_id` only
/// when a task produced it (the unique index on it is sparse, so synchronous results coexist).
public struct MongoResultStore<Result: StoredResult>: ResultStore {
    private let database: MongoDatabase
    /// The collection's name.
    public let collection: String

    /// Question sets in `interview_questions`.
    public static func questionSets(_ database: MongoDatabase) -> MongoResultStore<QuestionSet> {
        MongoResultStore<QuestionSet>(database: database, collection: "interview_questions")
    }

    /// Learning paths in `learning_paths`.
    public static func learningPaths(_ database: MongoDatabase) -> MongoResultStore<LearningPath> {
        MongoResultStore<LearningPath>(database: database, collection: "learning_paths")
    }

    /// A store over `collection` of `database` (indexes are created by `MongoStores.connect`).
    public init(database: MongoDatabase, collection: String) {
        self.database = database
        self.collection = collection
    }

    public func save(_ result: Result, tenant: Tenant) async throws -> Result {
        var fields = try StoredDocument.fields(of: result)
        fields.removeValue(forKey: "id")
        fields["tenant"] = .string(tenant.rawValue)
        let document = StoredDocument.document(id: result.id, fields: fields)
        let collection = self.collection
        return try await database.run { session in
            let results = session.collection(collection)
            do {
                try results.insertOne(document)
            } catch let failure as MongoFailure where failure.isDuplicateKey && result.taskID != nil {
                // The task already has its result (unique `task_id`): that one wins.
            }
            guard let taskID = result.taskID else { return result }
            guard let stored = try results.findOne(["task_id": .string(taskID)]) else {
                throw MongoFailure(local: "the result of a task vanished while being saved")
            }
            return try Self.result(from: stored)
        }
    }

    public func latest(tenant: Tenant, uniqueKey: String) async throws -> Result? {
        try await history(tenant: tenant, uniqueKey: uniqueKey, limit: 1, after: nil).items.first
    }

    public func find(tenant: Tenant, id: String) async throws -> Result? {
        let collection = self.collection
        let document = try await database.run { session in
            try session.collection(collection).findOne(["_id": .string(id), "tenant": .string(tenant.rawValue)])
        }
        return try document.map(Self.result)
    }

    public func history(tenant: Tenant, uniqueKey: String, limit: Int, after cursor: PageCursor?) async throws -> Page<Result> {
        let collection = self.collection
        let filter = MongoQuery.filter([("tenant", .string(tenant.rawValue)), ("unique_key", .string(uniqueKey))], after: cursor)
        let documents = try await database.run { session in
            try session.collection(collection).find(filter, sort: MongoQuery.newestFirst, limit: max(limit, 0) + 1)
        }
        return try MongoQuery.page(documents, limit: limit, decode: Self.result) {
            PageCursor(createdAtMillis: $0.createdAt.millisecondsSince1970, id: $0.id)
        }
    }

    public func count(tenant: Tenant, uniqueKey: String) async throws -> Int {
        let collection = self.collection
        return try await database.run { session in
            try session.collection(collection).count(["tenant": .string(tenant.rawValue), "unique_key": .string(uniqueKey)])
        }
    }

    public func count(taskID: String) async throws -> Int {
        let collection = self.collection
        return try await database.run { session in
            try session.collection(collection).count(["task_id": .string(taskID)])
        }
    }

    public func deleteAll(tenant: Tenant, uniqueKey: String) async throws -> Int {
        let collection = self.collection
        return try await database.run { session in
            try session.collection(collection).deleteMany(["tenant": .string(tenant.rawValue), "unique_key": .string(uniqueKey)])
        }
    }

    private static func result(from document: JSONValue) throws -> Result {
        var fields = try StoredDocument.fields(ofStored: document)
        guard let id = StoredDocument.id(of: document) else {
            throw CoachError(.databaseOperationFailed, "stored result is unreadable")
        }
        fields["id"] = .string(id)
        fields.removeValue(forKey: "tenant")
        return try StoredDocument.decode(Result.self, from: fields)
    }
}

/// Task records in the `tasks` collection: `_id` and `task_id` the task id, `kind`, `state`,
/// `unique_key`, `idempotency_key` (absent when none), `created_at`/`updated_at` as BSON dates,
/// and the rest of the record's fields.
public struct MongoTaskStore: TaskStore {
    private let database: MongoDatabase

    static let collection = "tasks"

    /// A store over `database` (indexes are created by `MongoStores.connect`).
    public init(database: MongoDatabase) {
        self.database = database
    }

    public func create(_ task: TaskRecord) async throws -> (task: TaskRecord, created: Bool) {
        let document = StoredDocument.document(id: task.taskID, fields: try StoredDocument.fields(of: task))
        return try await database.run { session in
            let tasks = session.collection(Self.collection)
            func existing() throws -> TaskRecord? {
                guard let key = task.idempotencyKey else { return nil }
                return try tasks.findOne(["kind": .string(task.kind.rawValue), "idempotency_key": .string(key)]).map(
                    Self.task)
            }
            if let found = try existing() { return (found, false) }
            do {
                try tasks.insertOne(document)
            } catch let failure as MongoFailure where failure.isDuplicateKey {
                // Lost a race with a create carrying the same idempotency key: return the winner.
                guard let found = try existing() else { throw failure }
                return (found, false)
            }
            return (task, true)
        }
    }

    public func get(taskID: String, kind: TaskKind, tenant: Tenant?) async throws -> TaskRecord? {
        var filter: BSON = ["_id": .string(taskID), "kind": .string(kind.rawValue)]
        if let tenant { filter = filter.with("tenant", .string(tenant.rawValue)) }
        let document = try await database.run { [filter] session in
            try session.collection(Self.collection).findOne(filter)
        }
        return try document.map(Self.task)
    }

    public func search(_ query: TaskQuery, limit: Int, after cursor: PageCursor?) async throws -> Page<TaskRecord> {
        var conditions: [(key: String, value: BSON)] = []
        if !query.kinds.isEmpty { conditions.append(("kind", ["$in": .array(query.kinds.map(\.rawValue).sorted().map(BSON.string))])) }
        if !query.states.isEmpty { conditions.append(("state", ["$in": .array(query.states.map(\.rawValue).sorted().map(BSON.string))])) }
        if let tenant = query.tenant { conditions.append(("tenant", .string(tenant.rawValue))) }
        if let key = query.uniqueKey { conditions.append(("unique_key", .string(key))) }
        if let code = query.errorCode { conditions.append(("error.code", .string(code))) }
        if let provider = query.provider { conditions.append(("attempts.attempt.provider", .string(provider))) }
        var range: [(key: String, value: BSON)] = []
        if let from = query.createdFrom { range.append(("$gte", .date(from.millisecondsSince1970))) }
        if let before = query.createdBefore { range.append(("$lt", .date(before.millisecondsSince1970))) }
        if !range.isEmpty { conditions.append(("created_at", .document(range))) }
        let filter = MongoQuery.filter(conditions, after: cursor)
        let documents = try await database.run { session in
            try session.collection(Self.collection).find(filter, sort: MongoQuery.newestFirst, limit: max(limit, 0) + 1)
        }
        return try MongoQuery.page(documents, limit: limit, decode: Self.task) {
            PageCursor(createdAtMillis: $0.createdAt.millisecondsSince1970, id: $0.taskID)
        }
    }

    public func stateCounts(since: Date) async throws -> [TaskState: Int] {
        let since = BSON.date(since.millisecondsSince1970)
        return try await database.run { session in
            let tasks = session.collection(Self.collection)
            var counts: [TaskState: Int] = [:]
            for state in TaskState.allCases {
                let count = try tasks.count(["state": .string(state.rawValue), "created_at": ["$gte": since]])
                if count > 0 { counts[state] = count }
            }
            return counts
        }
    }

    public func update(_ task: TaskRecord) async throws {
        let document = StoredDocument.document(id: task.taskID, fields: try StoredDocument.fields(of: task))
        let matched = try await database.run { session in
            try session.collection(Self.collection).replaceOne(["_id": .string(task.taskID)], with: document)
        }
        if matched == 0 { throw CoachError(.taskNotFound, "task not found: \(task.taskID)") }
    }

    public func unfinished(kind: TaskKind?) async throws -> [TaskRecord] {
        var filter: BSON = [
            "state": ["$in": [.string(TaskState.pending.rawValue), .string(TaskState.progress.rawValue)]]
        ]
        if let kind { filter = filter.with("kind", .string(kind.rawValue)) }
        let documents = try await database.run { [filter] session in
            try session.collection(Self.collection).find(filter, sort: MongoQuery.oldestFirst)
        }
        return try documents.map(Self.task)
    }

    public func deleteAll(tenant: Tenant, uniqueKey: String, kind: TaskKind) async throws -> Int {
        try await database.run { session in
            try session.collection(Self.collection).deleteMany([
                "tenant": .string(tenant.rawValue), "unique_key": .string(uniqueKey), "kind": .string(kind.rawValue),
            ])
        }
    }

    private static func task(from document: JSONValue) throws -> TaskRecord {
        try StoredDocument.decode(TaskRecord.self, from: try StoredDocument.fields(ofStored: document))
    }
}
