import Foundation
import Logging
import Testing

@testable import CoachStore

@Suite struct SQLiteSchemaTests {
    /// A file written by a newer build (a higher schema version) is refused, not read with this
    /// build's idea of its tables, and is left as it was.
    @Test func aDatabaseOfANewerBuildIsRefusedAndLeftAlone() throws {
        let (_, path) = try makeDatabase()
        let newer = try SQLiteConnection(path: path)
        try newer.execute("PRAGMA user_version = 99")
        let error = #expect(throws: SQLiteError.self) { try SQLiteDatabase(path: path, logger: Logger(label: "test")) }
        #expect(error?.message.contains("schema version 99 is newer than this build's (\(SQLiteSchema.migrations.count))") == true)
        #expect(try newer.query("PRAGMA user_version") { $0.int64(0) } == [99])
    }

    /// A file of this build opens again without a migration.
    @Test func aDatabaseOfThisBuildOpensAtItsVersion() throws {
        let (_, path) = try makeDatabase()
        _ = try SQLiteDatabase(path: path, logger: Logger(label: "test"))
        let connection = try SQLiteConnection(path: path)
        #expect(try connection.query("PRAGMA user_version") { $0.int64(0) } == [Int64(SQLiteSchema.migrations.count)])
    }
}
