import CoachCore
import Foundation

/// Where API keys and the audit log live, beside the data they guard. Implementations: SQLite
/// and MongoDB.
public protocol APIKeyStore: Sendable {
    func insert(_ key: APIKeyRecord) async throws
    /// `nil` for an unknown id.
    func find(id: String) async throws -> APIKeyRecord?
    /// Newest first; `tenant` nil lists every tenant's.
    func list(tenant: Tenant?, includeRevoked: Bool, limit: Int, after cursor: PageCursor?) async throws -> Page<APIKeyRecord>
    /// Marks the key revoked at `date` (a revoked key keeps its first revocation time);
    /// returns the record, `nil` for an unknown id.
    func revoke(id: String, at date: Date) async throws -> APIKeyRecord?
    func append(_ entry: AuditEntry) async throws
    /// Newest first.
    func auditLog(limit: Int, after cursor: PageCursor?) async throws -> Page<AuditEntry>
}

/// API keys in `api_keys` and the audit log in `audit_log`.
public struct SQLiteAPIKeyStore: APIKeyStore {
    private let database: SQLiteDatabase

    public init(database: SQLiteDatabase) {
        self.database = database
    }

    public func insert(_ key: APIKeyRecord) async throws {
        let document = try DocumentCoding.encode(key)
        try await database.write { db in
            _ = try db.run(
                "INSERT INTO api_keys (id, tenant, created_at, revoked_at, document) VALUES (?, ?, ?, NULL, ?)",
                [.text(key.id), .text(key.tenant.rawValue), .int(key.createdAt.millisecondsSince1970), .text(document)])
        }
    }

    public func find(id: String) async throws -> APIKeyRecord? {
        let rows = try await database.read { db in
            try db.query("SELECT document FROM api_keys WHERE id = ?", [.text(id)]) { $0.text(0) }
        }
        return try rows.first.map { try DocumentCoding.decode(APIKeyRecord.self, $0) }
    }

    public func list(tenant: Tenant?, includeRevoked: Bool, limit: Int, after cursor: PageCursor?) async throws -> Page<APIKeyRecord> {
        var conditions: [String] = []
        var values: [SQLiteValue] = []
        if let tenant {
            conditions.append("tenant = ?")
            values.append(.text(tenant.rawValue))
        }
        if !includeRevoked { conditions.append("revoked_at IS NULL") }
        if let cursor {
            conditions.append("(created_at < ? OR (created_at = ? AND id < ?))")
            values += [.int(cursor.createdAtMillis), .int(cursor.createdAtMillis), .text(cursor.id)]
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT document FROM api_keys" + whereClause + " ORDER BY created_at DESC, id DESC LIMIT \(limit + 1)"
        let bound = values
        let rows = try await database.read { db in try db.query(sql, bound) { $0.text(0) } }
        let keys = try rows.prefix(limit).map { try DocumentCoding.decode(APIKeyRecord.self, $0) }
        let next = rows.count > limit ? keys.last.map { PageCursor(createdAtMillis: $0.createdAt.millisecondsSince1970, id: $0.id) } : nil
        return Page(items: keys, next: next)
    }

    public func revoke(id: String, at date: Date) async throws -> APIKeyRecord? {
        try await database.write { db -> APIKeyRecord? in
            guard let text = try db.query("SELECT document FROM api_keys WHERE id = ?", [.text(id)], row: { $0.text(0) }).first
            else { return nil }
            var key = try DocumentCoding.decode(APIKeyRecord.self, text)
            guard key.revokedAt == nil else { return key }
            key.revokedAt = date
            _ = try db.run(
                "UPDATE api_keys SET revoked_at = ?, document = ? WHERE id = ?",
                [.int(date.millisecondsSince1970), .text(try DocumentCoding.encode(key)), .text(id)])
            return key
        }
    }

    public func append(_ entry: AuditEntry) async throws {
        let document = try DocumentCoding.encode(entry)
        try await database.write { db in
            _ = try db.run(
                "INSERT INTO audit_log (id, at, document) VALUES (?, ?, ?)",
                [.text(entry.id), .int(entry.at.millisecondsSince1970), .text(document)])
        }
    }

    public func auditLog(limit: Int, after cursor: PageCursor?) async throws -> Page<AuditEntry> {
        var sql = "SELECT document FROM audit_log"
        var values: [SQLiteValue] = []
        if let cursor {
            sql += " WHERE (at < ? OR (at = ? AND id < ?))"
            values += [.int(cursor.createdAtMillis), .int(cursor.createdAtMillis), .text(cursor.id)]
        }
        sql += " ORDER BY at DESC, id DESC LIMIT \(limit + 1)"
        let (query, bound) = (sql, values)
        let rows = try await database.read { db in try db.query(query, bound) { $0.text(0) } }
        let entries = try rows.prefix(limit).map { try DocumentCoding.decode(AuditEntry.self, $0) }
        let next = rows.count > limit ? entries.last.map { PageCursor(createdAtMillis: $0.at.millisecondsSince1970, id: $0.id) } : nil
        return Page(items: entries, next: next)
    }
}
