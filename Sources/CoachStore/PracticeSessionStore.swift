import CoachCore
import Foundation

/// Where practice sessions live, in their tenant. Implementations: SQLite and MongoDB.
public protocol PracticeSessionStore: Sendable {
    func insert(_ session: PracticeSession) async throws
    /// `nil` when the tenant has no session with that id.
    func get(tenant: Tenant, id: String) async throws -> PracticeSession?
    /// Newest first; `uniqueKey` narrows to one resume's sessions.
    func list(tenant: Tenant, uniqueKey: String?, limit: Int, after cursor: PageCursor?) async throws -> Page<PracticeSession>
    /// Stores `session` with its revision bumped, if the stored one still has `session.revision`;
    /// otherwise (another stream moved it meanwhile) `CONFLICT`. Returns the stored session.
    func update(_ session: PracticeSession) async throws -> PracticeSession
    /// Deletes a resume's sessions (when the resume goes); returns how many.
    func deleteAll(tenant: Tenant, uniqueKey: String) async throws -> Int
}

/// Sessions in `practice_sessions`: the document, and the columns its queries use.
public struct SQLitePracticeSessionStore: PracticeSessionStore {
    private let database: SQLiteDatabase

    public init(database: SQLiteDatabase) {
        self.database = database
    }

    public func insert(_ session: PracticeSession) async throws {
        let document = try DocumentCoding.encode(session)
        try await database.write { db in
            _ = try db.run(
                """
                INSERT INTO practice_sessions (id, tenant, unique_key, revision, created_at, updated_at, document)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(session.id), .text(session.tenant.rawValue), .text(session.uniqueKey), .int(Int64(session.revision)),
                    .int(session.createdAt.millisecondsSince1970), .int(session.updatedAt.millisecondsSince1970), .text(document),
                ])
        }
    }

    public func get(tenant: Tenant, id: String) async throws -> PracticeSession? {
        let rows = try await database.read { db in
            try db.query("SELECT document FROM practice_sessions WHERE tenant = ? AND id = ?", [.text(tenant.rawValue), .text(id)]) {
                $0.text(0)
            }
        }
        return try rows.first.map { try DocumentCoding.decode(PracticeSession.self, $0) }
    }

    public func list(tenant: Tenant, uniqueKey: String?, limit: Int, after cursor: PageCursor?) async throws -> Page<PracticeSession> {
        var sql = "SELECT document FROM practice_sessions WHERE tenant = ?"
        var values: [SQLiteValue] = [.text(tenant.rawValue)]
        if let uniqueKey {
            sql += " AND unique_key = ?"
            values.append(.text(uniqueKey))
        }
        if let cursor {
            sql += " AND (created_at < ? OR (created_at = ? AND id < ?))"
            values += [.int(cursor.createdAtMillis), .int(cursor.createdAtMillis), .text(cursor.id)]
        }
        sql += " ORDER BY created_at DESC, id DESC LIMIT \(limit + 1)"
        let (query, bound) = (sql, values)
        let rows = try await database.read { db in try db.query(query, bound) { $0.text(0) } }
        let items = try rows.prefix(limit).map { try DocumentCoding.decode(PracticeSession.self, $0) }
        let next = rows.count > limit ? items.last.map { PageCursor(createdAtMillis: $0.createdAt.millisecondsSince1970, id: $0.id) } : nil
        return Page(items: items, next: next)
    }

    public func update(_ session: PracticeSession) async throws -> PracticeSession {
        var next = session
        next.revision += 1
        let stored = next
        let document = try DocumentCoding.encode(stored)
        let changed = try await database.write { db in
            try db.run(
                "UPDATE practice_sessions SET revision = ?, updated_at = ?, document = ? WHERE tenant = ? AND id = ? AND revision = ?",
                [
                    .int(Int64(stored.revision)), .int(stored.updatedAt.millisecondsSince1970), .text(document),
                    .text(session.tenant.rawValue), .text(session.id), .int(Int64(session.revision)),
                ])
        }
        if changed == 0 { throw CoachError.practiceSessionMoved(session.id) }
        return stored
    }

    public func deleteAll(tenant: Tenant, uniqueKey: String) async throws -> Int {
        try await database.write { db in
            try db.run("DELETE FROM practice_sessions WHERE tenant = ? AND unique_key = ?", [.text(tenant.rawValue), .text(uniqueKey)])
        }
    }
}
