import CoachCore
import Foundation

/// The embedded resume store: one row per resume with the content as a JSON document and the
/// fields we query by (key, name, times) as indexed columns.
public struct SQLiteResumeStore: ResumeStore {
    private let database: SQLiteDatabase

    public init(database: SQLiteDatabase) {
        self.database = database
    }

    public func create(_ content: ResumeContent, tenant: Tenant, at date: Date) async throws -> Resume {
        let document = try encodeDocument(content)
        let id = DocumentID.make(at: date)
        let millis = date.millisecondsSince1970
        return try await database.write { db in
            // Counter bump and insert share one IMMEDIATE transaction: allocation is atomic and
            // the counter only ever grows, so deleted keys are never reused.
            let sequence = try db.query(
                """
                INSERT INTO counters (tenant, name, seq) VALUES (?, ?, 1)
                ON CONFLICT (tenant, name) DO UPDATE SET seq = seq + 1
                RETURNING seq
                """, [.text(tenant.rawValue), .text(content.name)]
            ) { $0.int64(0) }.first ?? 1
            let key = UniqueKey.make(name: content.name, sequence: sequence)
            try db.run(
                "INSERT INTO resumes (id, tenant, unique_key, name, created_at, updated_at, document) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [.text(id), .text(tenant.rawValue), .text(key), .text(content.name), .int(millis), .int(millis), .text(document)])
            return Resume(
                id: id, uniqueKey: key, content: content, createdAt: Date(millisecondsSince1970: millis),
                updatedAt: Date(millisecondsSince1970: millis))
        }
    }

    public func get(tenant: Tenant, uniqueKey: String) async throws -> Resume {
        let rows = try await database.read { db in
            try db.query(Self.select + " WHERE tenant = ? AND unique_key = ?", [.text(tenant.rawValue), .text(uniqueKey)], row: Self.row)
        }
        guard let row = rows.first else { throw CoachError.resumeNotFound(uniqueKey) }
        return try row.resume()
    }

    public func list(tenant: Tenant, name: String?, limit: Int, after cursor: PageCursor?) async throws -> Page<Resume> {
        var conditions: [String] = ["tenant = ?"]
        var values: [SQLiteValue] = [.text(tenant.rawValue)]
        if let name {
            conditions.append("name = ?")
            values.append(.text(name))
        }
        if let cursor {
            conditions.append("(created_at < ? OR (created_at = ? AND id < ?))")
            values += [.int(cursor.createdAtMillis), .int(cursor.createdAtMillis), .text(cursor.id)]
        }
        let whereClause = " WHERE " + conditions.joined(separator: " AND ")
        let sql = Self.select + whereClause + " ORDER BY created_at DESC, id DESC LIMIT \(limit + 1)"
        let boundValues = values
        let rows = try await database.read { db in try db.query(sql, boundValues, row: Self.row) }
        let resumes = try rows.prefix(limit).map { try $0.resume() }
        let next = rows.count > limit ? resumes.last.map { PageCursor(createdAtMillis: $0.createdAt.millisecondsSince1970, id: $0.id) } : nil
        return Page(items: resumes, next: next)
    }

    public func update(tenant: Tenant, uniqueKey: String, content: ResumeContent, at date: Date) async throws -> Resume {
        let document = try encodeDocument(content)
        let millis = date.millisecondsSince1970
        let rows = try await database.write { db in
            try db.query(
                "UPDATE resumes SET name = ?, document = ?, updated_at = ? WHERE tenant = ? AND unique_key = ? RETURNING id, unique_key, created_at, updated_at, document",
                [.text(content.name), .text(document), .int(millis), .text(tenant.rawValue), .text(uniqueKey)], row: Self.row)
        }
        guard let row = rows.first else { throw CoachError.resumeNotFound(uniqueKey) }
        return try row.resume()
    }

    public func delete(tenant: Tenant, uniqueKey: String) async throws {
        let deleted = try await database.write { db in
            try db.run("DELETE FROM resumes WHERE tenant = ? AND unique_key = ?", [.text(tenant.rawValue), .text(uniqueKey)])
        }
        if deleted == 0 { throw CoachError.resumeNotFound(uniqueKey) }
    }

    public func ping() async throws {
        _ = try await database.read { db in try db.query("SELECT 1") { $0.int64(0) } }
    }

    private static let select = "SELECT id, unique_key, created_at, updated_at, document FROM resumes"

    private struct Row: Sendable {
        var id: String
        var uniqueKey: String
        var createdAt: Int64
        var updatedAt: Int64
        var document: String

        func resume() throws -> Resume {
            let content: ResumeContent
            do {
                content = try DocumentCoding.decoder.decode(ResumeContent.self, from: Data(document.utf8))
            } catch {
                throw CoachError(.databaseOperationFailed, "stored resume is unreadable: \(uniqueKey)")
            }
            return Resume(
                id: id, uniqueKey: uniqueKey, content: content,
                createdAt: Date(millisecondsSince1970: createdAt), updatedAt: Date(millisecondsSince1970: updatedAt))
        }
    }

    private static func row(_ row: SQLiteRow) -> Row {
        Row(id: row.text(0), uniqueKey: row.text(1), createdAt: row.int64(2), updatedAt: row.int64(3), document: row.text(4))
    }

    private func encodeDocument(_ content: ResumeContent) throws -> String {
        String(decoding: try JSONEncoder.coach.encode(content), as: UTF8.self)
    }
}
