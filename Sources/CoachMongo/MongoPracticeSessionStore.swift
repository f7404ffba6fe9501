import CoachCore
import CoachStore
import Foundation

/// Sessions in `practice_sessions`: `_id` the session id, `tenant`, `unique_key`, `revision`,
/// `created_at`/`updated_at` as BSON dates, and the session as its fields.
public struct MongoPracticeSessionStore: PracticeSessionStore {
    private let database: MongoDatabase

    static let collection = "practice_sessions"

    /// A store over `database` (indexes are created by `MongoStores.connect`).
    public init(database: MongoDatabase) {
        self.database = database
    }

    public func insert(_ session: PracticeSession) async throws {
        let document = try Self.document(session)
        try await database.run { db in try db.collection(Self.collection).insertOne(document) }
    }

    public func get(tenant: Tenant, id: String) async throws -> PracticeSession? {
        let document = try await database.run { db in
            try db.collection(Self.collection).findOne(["_id": .string(id), "tenant": .string(tenant.rawValue)])
        }
        return try document.map(Self.session)
    }

    public func list(tenant: Tenant, uniqueKey: String?, limit: Int, after cursor: PageCursor?) async throws -> Page<PracticeSession> {
        var conditions: [(key: String, value: BSON)] = [("tenant", .string(tenant.rawValue))]
        if let uniqueKey { conditions.append(("unique_key", .string(uniqueKey))) }
        let filter = MongoQuery.filter(conditions, after: cursor)
        let documents = try await database.run { db in
            try db.collection(Self.collection).find(filter, sort: MongoQuery.newestFirst, limit: max(limit, 0) + 1)
        }
        return try MongoQuery.page(documents, limit: limit, decode: Self.session) {
            PageCursor(createdAtMillis: $0.createdAt.millisecondsSince1970, id: $0.id)
        }
    }

    public func update(_ session: PracticeSession) async throws -> PracticeSession {
        var next = session
        next.revision += 1
        let stored = next
        let document = try Self.document(stored)
        let matched = try await database.run { db in
            try db.collection(Self.collection).replaceOne(
                ["_id": .string(session.id), "tenant": .string(session.tenant.rawValue), "revision": .int(Int64(session.revision))],
                with: document)
        }
        if matched == 0 { throw CoachError.practiceSessionMoved(session.id) }
        return stored
    }

    public func deleteAll(tenant: Tenant, uniqueKey: String) async throws -> Int {
        try await database.run { db in
            try db.collection(Self.collection).deleteMany(["tenant": .string(tenant.rawValue), "unique_key": .string(uniqueKey)])
        }
    }

    private static func document(_ session: PracticeSession) throws -> BSON {
        var fields = try StoredDocument.fields(of: session)
        fields.removeValue(forKey: "id")
        return StoredDocument.document(id: session.id, fields: fields)
    }

    private static func session(from document: JSONValue) throws -> PracticeSession {
        var fields = try StoredDocument.fields(ofStored: document)
        guard let id = StoredDocument.id(of: document) else { throw CoachError(.databaseOperationFailed, "stored session is unreadable") }
        fields["id"] = .string(id)
        return try StoredDocument.decode(PracticeSession.self, from: fields)
    }
}
