import CoachCore
import CoachStore
import Foundation
import Logging

/// Every store over one MongoDB database: the entry point the executable calls when
/// `MONGODB_URI` is set.
public struct MongoStores: Sendable {
    /// The database the stores share (for health checks, tests and tooling).
    public let database: MongoDatabase
    /// Resumes in `resumes`, keys from `counters`.
    public let resumes: any ResumeStore
    /// Question sets in `interview_questions`.
    public let questionSets: any ResultStore<QuestionSet>
    /// Learning paths in `learning_paths`.
    public let learningPaths: any ResultStore<LearningPath>
    /// Task records in `tasks`.
    public let tasks: any TaskStore
    /// API keys in `api_keys`, the audit log in `audit_log`.
    public let keys: any APIKeyStore
    /// Practice sessions in `practice_sessions`.
    public let sessions: any PracticeSessionStore

    /// The database name used when `MONGODB_DATABASE` is not set.
    public static let defaultDatabase = "interview_coach"

    /// Connects (client pool and its thread pool), checks the server answers and creates the
    /// indexes. Fails fast with SERVICE_UNAVAILABLE when the server is down; a URI without
    /// `serverSelectionTimeoutMS` gets `MongoDatabase.defaultServerSelectionTimeoutMS`.
    public static func connect(
        uri: String, database: String = defaultDatabase, logger: Logger
    ) async throws -> MongoStores {
        let handle = try MongoDatabase(uri: uri, name: database, logger: logger)
        try await handle.ping()
        try await MongoIndexes.create(in: handle)
        logger.info("mongodb stores ready", metadata: ["mongodb.database": "\(database)"])
        return MongoStores(database: handle)
    }

    /// Stores over an already connected database whose indexes exist.
    public init(database: MongoDatabase) {
        self.database = database
        self.resumes = MongoResumeStore(database: database)
        self.questionSets = MongoResultStore<QuestionSet>.questionSets(database)
        self.learningPaths = MongoResultStore<LearningPath>.learningPaths(database)
        self.tasks = MongoTaskStore(database: database)
        self.keys = MongoAPIKeyStore(database: database)
        self.sessions = MongoPracticeSessionStore(database: database)
    }
}

/// The indexes every collection needs, created at start-up with the `createIndexes` command
/// (libmongoc 1.23 has no `mongoc_collection_create_indexes_with_opts`). Creating an index
/// that exists with the same definition is a no-op, so every process may run this.
enum MongoIndexes {
    static let definitions: [(collection: String, indexes: [BSON])] = [
        (
            MongoResumeStore.collection,
            [
                ["key": ["tenant": 1, "unique_key": 1], "name": "tenant_1_unique_key_1", "unique": true],
                [
                    "key": ["tenant": 1, "name": 1, "created_at": -1, "_id": -1],
                    "name": "tenant_1_name_1_created_at_-1__id_-1",
                ],
                ["key": ["tenant": 1, "created_at": -1, "_id": -1], "name": "tenant_1_created_at_-1__id_-1"],
            ]
        ),
        ("interview_questions", resultIndexes),
        ("learning_paths", resultIndexes),
        (
            MongoTaskStore.collection,
            [
                ["key": ["task_id": 1], "name": "task_id_1", "unique": true],
                // Partial, not sparse: a sparse compound index still indexes documents that
                // have `kind`, so two tasks without a key would collide on (kind, null).
                [
                    "key": ["kind": 1, "idempotency_key": 1], "name": "kind_1_idempotency_key_1", "unique": true,
                    "partialFilterExpression": ["idempotency_key": ["$exists": true]],
                ],
                [
                    "key": ["tenant": 1, "kind": 1, "state": 1, "created_at": -1, "_id": -1],
                    "name": "tenant_1_kind_1_state_1_created_at_-1__id_-1",
                ],
                ["key": ["tenant": 1, "unique_key": 1, "kind": 1], "name": "tenant_1_unique_key_1_kind_1"],
                // Workers look for unfinished tasks of every tenant.
                ["key": ["state": 1, "created_at": 1], "name": "state_1_created_at_1"],
            ]
        ),
        (
            MongoAPIKeyStore.keys,
            [
                ["key": ["created_at": -1, "_id": -1], "name": "created_at_-1__id_-1"],
                ["key": ["tenant": 1, "created_at": -1, "_id": -1], "name": "tenant_1_created_at_-1__id_-1"],
            ]
        ),
        (MongoAPIKeyStore.audit, [["key": ["created_at": -1, "_id": -1], "name": "created_at_-1__id_-1"]]),
        (
            MongoPracticeSessionStore.collection,
            [
                ["key": ["tenant": 1, "created_at": -1, "_id": -1], "name": "tenant_1_created_at_-1__id_-1"],
                ["key": ["tenant": 1, "unique_key": 1, "created_at": -1, "_id": -1], "name": "tenant_1_unique_key_1_created_at_-1__id_-1"],
            ]
        ),
    ]

    /// Indexes of the schema before tenants, replaced by tenant-first ones above.
    private static let retired: [(collection: String, index: String)] = [
        (MongoResumeStore.collection, "unique_key_1"),
        (MongoResumeStore.collection, "name_1_created_at_-1__id_-1"),
        (MongoResumeStore.collection, "created_at_-1__id_-1"),
        ("interview_questions", "unique_key_1_created_at_-1__id_-1"),
        ("learning_paths", "unique_key_1_created_at_-1__id_-1"),
        (MongoTaskStore.collection, "kind_1_state_1_created_at_-1__id_-1"),
        (MongoTaskStore.collection, "unique_key_1_kind_1"),
    ]

    private static let resultIndexes: [BSON] = [
        ["key": ["tenant": 1, "unique_key": 1, "created_at": -1, "_id": -1], "name": "tenant_1_unique_key_1_created_at_-1__id_-1"],
        // Sparse: results produced synchronously have no `task_id` field at all.
        ["key": ["task_id": 1], "name": "task_id_1", "unique": true, "sparse": true],
    ]

    static func create(in database: MongoDatabase) async throws {
        try await database.run { session in
            // Data from before tenants becomes the default tenant's (a no-op once done), and
            // the indexes it replaced go (a missing index is fine: another process dropped it).
            for collection in [MongoResumeStore.collection, "interview_questions", "learning_paths", MongoTaskStore.collection] {
                _ = try session.command([
                    "update": .string(collection),
                    "updates": [["q": ["tenant": ["$exists": false]], "u": ["$set": ["tenant": "default"]], "multi": true]],
                ])
            }
            for (collection, index) in retired {
                _ = try? session.command(["dropIndexes": .string(collection), "index": .string(index)])
            }
            for (collection, indexes) in definitions {
                try session.command(["createIndexes": .string(collection), "indexes": .array(indexes)])
            }
        }
    }
}
