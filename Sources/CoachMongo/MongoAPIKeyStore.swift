import CoachCore
import CoachStore
import Foundation

/// API keys in `api_keys` (`_id` the key id, `tenant`, `created_at`, `revokedAt` once revoked)
/// and the audit log in `audit_log` (`created_at` the time of the action).
public struct MongoAPIKeyStore: APIKeyStore {
    private let database: MongoDatabase

    static let keys = "api_keys"
    static let audit = "audit_log"

    /// A store over `database` (indexes are created by `MongoStores.connect`).
    public init(database: MongoDatabase) {
        self.database = database
    }

    public func insert(_ key: APIKeyRecord) async throws {
        var fields = try StoredDocument.fields(of: key)
        fields.removeValue(forKey: "id")
        let document = StoredDocument.document(id: key.id, fields: fields)
        try await database.run { session in try session.collection(Self.keys).insertOne(document) }
    }

    public func find(id: String) async throws -> APIKeyRecord? {
        let document = try await database.run { session in try session.collection(Self.keys).findOne(["_id": .string(id)]) }
        return try document.map(Self.key)
    }

    public func list(tenant: Tenant?, includeRevoked: Bool, limit: Int, after cursor: PageCursor?) async throws -> Page<APIKeyRecord> {
        var conditions: [(key: String, value: BSON)] = []
        if let tenant { conditions.append(("tenant", .string(tenant.rawValue))) }
        if !includeRevoked { conditions.append(("revokedAt", ["$exists": false])) }
        let filter = MongoQuery.filter(conditions, after: cursor)
        let documents = try await database.run { session in
            try session.collection(Self.keys).find(filter, sort: MongoQuery.newestFirst, limit: max(limit, 0) + 1)
        }
        return try MongoQuery.page(documents, limit: limit, decode: Self.key) {
            PageCursor(createdAtMillis: $0.createdAt.millisecondsSince1970, id: $0.id)
        }
    }

    public func revoke(id: String, at date: Date) async throws -> APIKeyRecord? {
        let millis = Double(date.millisecondsSince1970)
        let document = try await database.run { session -> JSONValue? in
            let keys = session.collection(Self.keys)
            // Only a live key gets a revocation time: the first revocation stays the one on record.
            _ = try keys.findOneAndUpdate(
                ["_id": .string(id), "revokedAt": ["$exists": false]], update: ["$set": ["revokedAt": .double(millis)]],
                upsert: false)
            return try keys.findOne(["_id": .string(id)])
        }
        return try document.map(Self.key)
    }

    public func append(_ entry: AuditEntry) async throws {
        var fields = try StoredDocument.fields(of: entry)
        fields.removeValue(forKey: "id")
        fields["createdAt"] = fields["at"]
        let document = StoredDocument.document(id: entry.id, fields: fields)
        try await database.run { session in try session.collection(Self.audit).insertOne(document) }
    }

    public func auditLog(limit: Int, after cursor: PageCursor?) async throws -> Page<AuditEntry> {
        let filter = MongoQuery.filter([], after: cursor)
        let documents = try await database.run { session in
            try session.collection(Self.audit).find(filter, sort: MongoQuery.newestFirst, limit: max(limit, 0) + 1)
        }
        return try MongoQuery.page(documents, limit: limit, decode: Self.entry) {
            PageCursor(createdAtMillis: $0.at.millisecondsSince1970, id: $0.id)
        }
    }

    private static func key(from document: JSONValue) throws -> APIKeyRecord {
        var fields = try StoredDocument.fields(ofStored: document)
        guard let id = StoredDocument.id(of: document) else { throw CoachError(.databaseOperationFailed, "stored key is unreadable") }
        fields["id"] = .string(id)
        return try StoredDocument.decode(APIKeyRecord.self, from: fields)
    }

    private static func entry(from document: JSONValue) throws -> AuditEntry {
        var fields = try StoredDocument.fields(ofStored: document)
        guard let id = StoredDocument.id(of: document) else { throw CoachError(.databaseOperationFailed, "stored entry is unreadable") }
        fields["id"] = .string(id)
        fields.removeValue(forKey: "createdAt")
        return try StoredDocument.decode(AuditEntry.self, from: fields)
    }
}
