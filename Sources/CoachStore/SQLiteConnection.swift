import CSQLite
import Foundation

/// A failed SQLite call.
public struct SQLiteError: Error, Sendable {
    public var code: Int32
    public var message: String

    /// The extended code for a UNIQUE constraint failure.
    public var isUniqueViolation: Bool { code == 2067 || code == 1555 }

    /// SQLITE_BUSY or one of its extended codes: another connection holds a lock.
    public var isBusy: Bool { code & 0xff == 5 }
}

/// A bindable SQLite value.
public enum SQLiteValue: Sendable {
    case int(Int64)
    case text(String)
    case null
}

/// One SQLite connection. Not thread-safe: `SQLiteDatabase` serialises access to it.
public final class SQLiteConnection {
    private var handle: OpaquePointer?

    init(path: String) throws {
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            throw SQLiteError(code: status, message: message)
        }
        sqlite3_extended_result_codes(handle, 1)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws {
        let status = sqlite3_exec(handle, sql, nil, nil, nil)
        guard status == SQLITE_OK else { throw error(status) }
    }

    /// Runs a statement with bound values; returns the number of rows it changed.
    @discardableResult
    public func run(_ sql: String, _ values: [SQLiteValue] = []) throws -> Int {
        let statement = try prepare(sql, values)
        defer { sqlite3_finalize(statement) }
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { break }
            if status != SQLITE_ROW { throw error(status) }
        }
        return Int(sqlite3_changes(handle))
    }

    /// Runs a query and maps every row.
    public func query<T>(_ sql: String, _ values: [SQLiteValue] = [], row: (SQLiteRow) throws -> T) throws -> [T] {
        let statement = try prepare(sql, values)
        defer { sqlite3_finalize(statement) }
        var results: [T] = []
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else { throw error(status) }
            results.append(try row(SQLiteRow(statement: statement!)))
        }
        return results
    }

    private func prepare(_ sql: String, _ values: [SQLiteValue]) throws -> OpaquePointer? {
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard status == SQLITE_OK else { throw error(status) }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let bound: Int32
            switch value {
            case .int(let number): bound = sqlite3_bind_int64(statement, index, number)
            case .text(let text): bound = sqlite3_bind_text(statement, index, text, -1, csqlite_transient())
            case .null: bound = sqlite3_bind_null(statement, index)
            }
            guard bound == SQLITE_OK else {
                sqlite3_finalize(statement)
                throw error(bound)
            }
        }
        return statement
    }

    private func error(_ status: Int32) -> SQLiteError {
        SQLiteError(code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)))
    }
}

/// The current row of a query.
public struct SQLiteRow {
    let statement: OpaquePointer

    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

    public func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(statement, column) else { return "" }
        return String(cString: pointer)
    }

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }
}
