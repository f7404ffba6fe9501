import CoachCore
import Foundation

/// Results of one kind in one SQLite table (`question_sets` or `learning_paths`).
public struct SQLiteResultStore<Result: StoredResult>: ResultStore {
    private let database: SQLiteDatabase
    private let table: String

    public static func questionSets(_ database: SQLiteDatabase) -> SQLiteResultStore<QuestionSet> {
        SQLiteResultStore<QuestionSet>(database: database, table: "question_sets")
    }

    public static func learningPaths(_ database: SQLiteDatabase) -> SQLiteResultStore<LearningPath> {
        SQLiteResultStore<LearningPath>(database: database, table: "learning_paths")
    }

    init(database: SQLiteDatabase, table: String) {
        self.database = database
        self.table = table
    }

    public func save(_ result: Result, tenant: Tenant) async throws -> Result {
        let document = try DocumentCoding.encode(result)
        let table = self.table
        let stored = try await database.write { db -> String? in
            try db.run(
                "INSERT INTO \(table) (id, tenant, unique_key, created_at, task_id, document) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (task_id) DO NOTHING",
                [
                    .text(result.id), .text(tenant.rawValue), .text(result.uniqueKey), .int(result.createdAt.millisecondsSince1970),
                    result.taskID.map { .text($0) } ?? .null, .text(document),
                ])
            guard let taskID = result.taskID else { return nil }
            return try db.query("SELECT document FROM \(table) WHERE task_id = ?", [.text(taskID)]) { $0.text(0) }.first
        }
        return try stored.map { try DocumentCoding.decode(Result.self, $0) } ?? result
    }

    public func latest(tenant: Tenant, uniqueKey: String) async throws -> Result? {
        try await history(tenant: tenant, uniqueKey: uniqueKey, limit: 1, after: nil).items.first
    }

    public func find(tenant: Tenant, id: String) async throws -> Result? {
        let table = self.table
        let rows = try await database.read { db in
            try db.query("SELECT document FROM \(table) WHERE id = ? AND tenant = ?", [.text(id), .text(tenant.rawValue)]) { $0.text(0) }
        }
        return try rows.first.map { try DocumentCoding.decode(Result.self, $0) }
    }

    public func history(tenant: Tenant, uniqueKey: String, limit: Int, after cursor: PageCursor?) async throws -> Page<Result> {
        var sql = "SELECT document FROM \(table) WHERE tenant = ? AND unique_key = ?"
        var values: [SQLiteValue] = [.text(tenant.rawValue), .text(uniqueKey)]
        if let cursor {
            sql += " AND (created_at < ? OR (created_at = ? AND id < ?))"
            values += [.int(cursor.createdAtMillis), .int(cursor.createdAtMillis), .text(cursor.id)]
        }
        sql += " ORDER BY created_at DESC, id DESC LIMIT \(limit + 1)"
        let (query, bound) = (sql, values)
        let rows = try await database.read { db in try db.query(query, bound) { $0.text(0) } }
        let items = try rows.prefix(limit).map { try DocumentCoding.decode(Result.self, $0) }
        let next = rows.count > limit ? items.last.map { PageCursor(createdAtMillis: $0.createdAt.millisecondsSince1970, id: $0.id) } : nil
        return Page(items: items, next: next)
    }

    public func count(tenant: Tenant, uniqueKey: String) async throws -> Int {
        let table = self.table
        return try await database.read { db in
            try db.query("SELECT COUNT(*) FROM \(table) WHERE tenant = ? AND unique_key = ?", [.text(tenant.rawValue), .text(uniqueKey)]) {
                Int($0.int64(0))
            }.first ?? 0
        }
    }

    public func count(taskID: String) async throws -> Int {
        let table = self.table
        return try await database.read { db in
            try db.query("SELECT COUNT(*) FROM \(table) WHERE task_id = ?", [.text(taskID)]) { Int($0.int64(0)) }.first ?? 0
        }
    }

    public func deleteAll(tenant: Tenant, uniqueKey: String) async throws -> Int {
        let table = self.table
        return try await database.write { db in
            try db.run("DELETE FROM \(table) WHERE tenant = ? AND unique_key = ?", [.text(tenant.rawValue), .text(uniqueKey)])
        }
    }
}

/// Task records in the `tasks` table.
public struct SQLiteTaskStore: TaskStore {
    private let database: SQLiteDatabase

    public init(database: SQLiteDatabase) {
        self.database = database
    }

    public func create(_ task: TaskRecord) async throws -> (task: TaskRecord, created: Bool) {
        let document = try DocumentCoding.encode(task)
        let existing = try await database.write { db -> String? in
            if let key = task.idempotencyKey,
                let found = try db.query(
                    "SELECT document FROM tasks WHERE kind = ? AND idempotency_key = ?", [.text(task.kind.rawValue), .text(key)],
                    row: { $0.text(0) }
                ).first
            {
                return found
            }
            try db.run(
                """
                INSERT INTO tasks (task_id, tenant, kind, state, unique_key, idempotency_key, created_at, updated_at, document)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(task.taskID), .text(task.tenant.rawValue), .text(task.kind.rawValue), .text(task.state.rawValue), .text(task.uniqueKey),
                    task.idempotencyKey.map { .text($0) } ?? .null, .int(task.createdAt.millisecondsSince1970),
                    .int(task.updatedAt.millisecondsSince1970), .text(document),
                ])
            return nil
        }
        if let existing { return (try DocumentCoding.decode(TaskRecord.self, existing), false) }
        return (task, true)
    }

    public func get(taskID: String, kind: TaskKind, tenant: Tenant?) async throws -> TaskRecord? {
        var sql = "SELECT document FROM tasks WHERE task_id = ? AND kind = ?"
        var values: [SQLiteValue] = [.text(taskID), .text(kind.rawValue)]
        if let tenant {
            sql += " AND tenant = ?"
            values.append(.text(tenant.rawValue))
        }
        let (query, bound) = (sql, values)
        let rows = try await database.read { db in try db.query(query, bound) { $0.text(0) } }
        return try rows.first.map { try DocumentCoding.decode(TaskRecord.self, $0) }
    }

    public func search(_ query: TaskQuery, limit: Int, after cursor: PageCursor?) async throws -> Page<TaskRecord> {
        var conditions: [String] = []
        var values: [SQLiteValue] = []
        func any(_ column: String, _ items: [String]) {
            guard !items.isEmpty else { return }
            conditions.append("\(column) IN (\(Array(repeating: "?", count: items.count).joined(separator: ", ")))")
            values += items.map { .text($0) }
        }
        any("kind", query.kinds.map(\.rawValue).sorted())
        any("state", query.states.map(\.rawValue).sorted())
        if let tenant = query.tenant {
            conditions.append("tenant = ?")
            values.append(.text(tenant.rawValue))
        }
        if let key = query.uniqueKey {
            conditions.append("unique_key = ?")
            values.append(.text(key))
        }
        if let code = query.errorCode {
            conditions.append("json_extract(document, '$.error.code') = ?")
            values.append(.text(code))
        }
        if let provider = query.provider {
            conditions.append("EXISTS (SELECT 1 FROM json_each(document, '$.attempts') WHERE json_extract(value, '$.attempt.provider') = ?)")
            values.append(.text(provider))
        }
        if let from = query.createdFrom {
            conditions.append("created_at >= ?")
            values.append(.int(from.millisecondsSince1970))
        }
        if let before = query.createdBefore {
            conditions.append("created_at < ?")
            values.append(.int(before.millisecondsSince1970))
        }
        if let cursor {
            conditions.append("(created_at < ? OR (created_at = ? AND task_id < ?))")
            values += [.int(cursor.createdAtMillis), .int(cursor.createdAtMillis), .text(cursor.id)]
        }
        var sql = "SELECT document FROM tasks"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY created_at DESC, task_id DESC LIMIT \(limit + 1)"
        let (statement, bound) = (sql, values)
        let rows = try await database.read { db in try db.query(statement, bound) { $0.text(0) } }
        let items = try rows.prefix(limit).map { try DocumentCoding.decode(TaskRecord.self, $0) }
        let next = rows.count > limit ? items.last.map { PageCursor(createdAtMillis: $0.createdAt.millisecondsSince1970, id: $0.taskID) } : nil
        return Page(items: items, next: next)
    }

    public func stateCounts(since: Date) async throws -> [TaskState: Int] {
        let rows = try await database.read { db in
            try db.query("SELECT state, COUNT(*) FROM tasks WHERE created_at >= ? GROUP BY state", [.int(since.millisecondsSince1970)]) {
                ($0.text(0), $0.int64(1))
            }
        }
        var counts: [TaskState: Int] = [:]
        for (state, count) in rows { if let state = TaskState(rawValue: state) { counts[state] = Int(count) } }
        return counts
    }

    public func update(_ task: TaskRecord) async throws {
        let document = try DocumentCoding.encode(task)
        let changed = try await database.write { db in
            try db.run(
                "UPDATE tasks SET state = ?, updated_at = ?, document = ? WHERE task_id = ?",
                [.text(task.state.rawValue), .int(task.updatedAt.millisecondsSince1970), .text(document), .text(task.taskID)])
        }
        if changed == 0 { throw CoachError(.taskNotFound, "task not found: \(task.taskID)") }
    }

    public func unfinished(kind: TaskKind?) async throws -> [TaskRecord] {
        var sql = "SELECT document FROM tasks WHERE state IN ('PENDING', 'PROGRESS')"
        var values: [SQLiteValue] = []
        if let kind {
            sql += " AND kind = ?"
            values.append(.text(kind.rawValue))
        }
        sql += " ORDER BY created_at ASC, task_id ASC"
        let (query, bound) = (sql, values)
        let rows = try await database.read { db in try db.query(query, bound) { $0.text(0) } }
        return try rows.map { try DocumentCoding.decode(TaskRecord.self, $0) }
    }

    public func deleteAll(tenant: Tenant, uniqueKey: String, kind: TaskKind) async throws -> Int {
        try await database.write { db in
            try db.run(
                "DELETE FROM tasks WHERE tenant = ? AND unique_key = ? AND kind = ?",
                [.text(tenant.rawValue), .text(uniqueKey), .text(kind.rawValue)])
        }
    }
}
