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
                ["key": ["unique_key": 1], "name": "unique_key_1", "unique": true],
                ["key": ["name": 1, "created_at": -1, "_id": -1], "name": "name_1_created_at_-1__id_-1"],
                ["key": ["created_at": -1, "_id": -1], "name": "created_at_-1__id_-1"],
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
                    "key": ["kind": 1, "state": 1, "created_at": -1, "_id": -1],
                    "name": "kind_1_state_1_created_at_-1__id_-1",
                ],
                ["key": ["unique_key": 1, "kind": 1], "name": "unique_key_1_kind_1"],
            ]
        ),
    ]

    private static let resultIndexes: [BSON] = [
        ["key": ["unique_key": 1, "created_at": -1, "_id": -1], "name": "unique_key_1_created_at_-1__id_-1"],
        // Sparse: results produced synchronously have no `task_id` field at all.
        ["key": ["task_id": 1], "name": "task_id_1", "unique": true, "sparse": true],
    ]

    static func create(in database: MongoDatabase) async throws {
        try await database.run { session in
            for (collection, indexes) in definitions {
                try session.command(["createIndexes": .string(collection), "indexes": .array(indexes)])
            }
        }
    }
}
