import CSQLite
import CoachCore
import Foundation
import Logging
import NIOPosix
import Synchronization

/// One SQLite database file shared by the embedded stores: WAL journal, versioned schema,
/// every call run on a small dedicated thread pool (SQLite blocks on I/O) with the connection
/// behind a lock.
public final class SQLiteDatabase: Sendable {
    private let connection: Mutex<SQLiteConnection>
    private let threadPool: NIOThreadPool
    private let logger: Logger
    public let path: String

    /// Opens (creating if needed) `path` and migrates it to the newest schema.
    public init(path: String, logger: Logger) throws {
        self.path = path
        self.logger = logger
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let connection = try SQLiteConnection(path: path)
        // Several processes (roles) may open the same file at once: wait for locks, don't fail.
        try connection.execute("PRAGMA busy_timeout = 5000")
        // Switching a new file to WAL and the first WAL recovery can report SQLITE_BUSY without
        // consulting the busy handler while another process does the same; retry those for a while.
        try Self.retryingWhileBusy(for: .seconds(15)) {
            try connection.execute("PRAGMA journal_mode = WAL")
            // NORMAL in WAL mode: a process crash loses nothing; only an OS crash may drop the last commits.
            try connection.execute("PRAGMA synchronous = NORMAL")
            try connection.execute("PRAGMA foreign_keys = ON")
            try SQLiteSchema.migrate(connection, logger: logger)
        }
        self.connection = Mutex(connection)
        self.threadPool = NIOThreadPool(numberOfThreads: 2)
        self.threadPool.start()
    }

    deinit {
        threadPool.shutdownGracefully { _ in }
    }

    /// Runs `body` again after a short pause while it fails with SQLITE_BUSY, up to `limit`.
    private static func retryingWhileBusy(for limit: Duration, _ body: () throws -> Void) throws {
        let deadline = ContinuousClock.now + limit
        var pause = Duration.milliseconds(5)
        while true {
            do {
                return try body()
            } catch let error as SQLiteError where error.isBusy && ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: pause / .seconds(1))
                pause = min(pause * 2, .milliseconds(200))
            }
        }
    }

    /// Runs `body` with the connection on the database's threads. SQLite failures become
    /// `DATABASE_OPERATION_FAILED` (logged with SQLite's code, never with document contents).
    public func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await run(body)
    }

    /// Like `read`, inside one `BEGIN IMMEDIATE` transaction that rolls back on any error.
    public func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await run { connection in
            try connection.execute("BEGIN IMMEDIATE")
            do {
                let value = try body(connection)
                try connection.execute("COMMIT")
                return value
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        do {
            return try await threadPool.runIfActive {
                try self.connection.withLock { connection in try body(connection) }
            }
        } catch let error as CoachError {
            throw error
        } catch is CancellationError {
            // The caller went away (a watcher's record check stopped); not a database failure.
            throw CancellationError()
        } catch let error as SQLiteError {
            logger.error("sqlite operation failed", metadata: ["sqlite.code": "\(error.code)", "sqlite.message": "\(error.message)"])
            throw CoachError(.databaseOperationFailed, "database operation failed")
        } catch {
            logger.error("database operation failed", metadata: ["error": "\(type(of: error))"])
            throw CoachError(.databaseOperationFailed, "database operation failed")
        }
    }
}

/// The schema, one migration per version (`PRAGMA user_version`).
enum SQLiteSchema {
    static let migrations: [String] = [
        // 1: resumes and the per-name key counters.
        """
        CREATE TABLE resumes (
            id TEXT PRIMARY KEY,
            unique_key TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            document TEXT NOT NULL
        );
        CREATE INDEX resumes_by_name ON resumes (name, created_at DESC, id DESC);
        CREATE INDEX resumes_by_created ON resumes (created_at DESC, id DESC);
        CREATE TABLE counters (
            name TEXT PRIMARY KEY,
            seq INTEGER NOT NULL
        );
        """,
        // 2: generated results and background tasks.
        """
        CREATE TABLE question_sets (
            id TEXT PRIMARY KEY,
            unique_key TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            task_id TEXT UNIQUE,
            document TEXT NOT NULL
        );
        CREATE INDEX question_sets_by_key ON question_sets (unique_key, created_at DESC, id DESC);
        CREATE TABLE learning_paths (
            id TEXT PRIMARY KEY,
            unique_key TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            task_id TEXT UNIQUE,
            document TEXT NOT NULL
        );
        CREATE INDEX learning_paths_by_key ON learning_paths (unique_key, created_at DESC, id DESC);
        CREATE TABLE tasks (
            task_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            state TEXT NOT NULL,
            unique_key TEXT NOT NULL,
            idempotency_key TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            document TEXT NOT NULL
        );
        CREATE UNIQUE INDEX tasks_by_idempotency_key ON tasks (kind, idempotency_key) WHERE idempotency_key IS NOT NULL;
        CREATE INDEX tasks_by_kind_state ON tasks (kind, state, created_at DESC, task_id DESC);
        CREATE INDEX tasks_by_key ON tasks (unique_key);
        """,
        // 3: tenants (existing data becomes the `default` tenant's; resume keys are numbered per
        // tenant), API keys and the audit log.
        """
        CREATE TABLE resumes_v3 (
            id TEXT PRIMARY KEY,
            tenant TEXT NOT NULL,
            unique_key TEXT NOT NULL,
            name TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            document TEXT NOT NULL,
            UNIQUE (tenant, unique_key)
        );
        INSERT INTO resumes_v3 SELECT id, 'default', unique_key, name, created_at, updated_at, document FROM resumes;
        DROP TABLE resumes;
        ALTER TABLE resumes_v3 RENAME TO resumes;
        CREATE INDEX resumes_by_name ON resumes (tenant, name, created_at DESC, id DESC);
        CREATE INDEX resumes_by_created ON resumes (tenant, created_at DESC, id DESC);
        CREATE TABLE counters_v3 (
            tenant TEXT NOT NULL,
            name TEXT NOT NULL,
            seq INTEGER NOT NULL,
            PRIMARY KEY (tenant, name)
        );
        INSERT INTO counters_v3 SELECT 'default', name, seq FROM counters;
        DROP TABLE counters;
        ALTER TABLE counters_v3 RENAME TO counters;
        ALTER TABLE question_sets ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
        DROP INDEX question_sets_by_key;
        CREATE INDEX question_sets_by_key ON question_sets (tenant, unique_key, created_at DESC, id DESC);
        ALTER TABLE learning_paths ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
        DROP INDEX learning_paths_by_key;
        CREATE INDEX learning_paths_by_key ON learning_paths (tenant, unique_key, created_at DESC, id DESC);
        ALTER TABLE tasks ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
        DROP INDEX tasks_by_kind_state;
        CREATE INDEX tasks_by_kind_state ON tasks (tenant, kind, state, created_at DESC, task_id DESC);
        DROP INDEX tasks_by_key;
        CREATE INDEX tasks_by_key ON tasks (tenant, unique_key);
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY,
            tenant TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            revoked_at INTEGER,
            document TEXT NOT NULL
        );
        CREATE INDEX api_keys_by_created ON api_keys (created_at DESC, id DESC);
        CREATE INDEX api_keys_by_tenant ON api_keys (tenant, created_at DESC, id DESC);
        CREATE TABLE audit_log (
            id TEXT PRIMARY KEY,
            at INTEGER NOT NULL,
            document TEXT NOT NULL
        );
        CREATE INDEX audit_log_by_at ON audit_log (at DESC, id DESC);
        """,
        // 4: practice sessions.
        """
        CREATE TABLE practice_sessions (
            id TEXT PRIMARY KEY,
            tenant TEXT NOT NULL,
            unique_key TEXT NOT NULL,
            revision INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            document TEXT NOT NULL
        );
        CREATE INDEX practice_sessions_by_created ON practice_sessions (tenant, created_at DESC, id DESC);
        CREATE INDEX practice_sessions_by_key ON practice_sessions (tenant, unique_key, created_at DESC, id DESC);
        """,
        // 5: the operations dashboard pages through every tenant's tasks, newest first.
        """
        CREATE INDEX tasks_by_created ON tasks (created_at DESC, task_id DESC);
        """,
    ]

    static func migrate(_ connection: SQLiteConnection, logger: Logger) throws {
        // The version is read under the write lock, so processes starting together migrate once.
        while true {
            try connection.execute("BEGIN IMMEDIATE")
            do {
                let current = Int(try connection.query("PRAGMA user_version") { $0.int64(0) }.first ?? 0)
                // A newer build's database: its tables may mean what this build does not know.
                if current > migrations.count {
                    throw SQLiteError(
                        code: 1,
                        message: "its schema version \(current) is newer than this build's (\(migrations.count)): run the newer interview-coach")
                }
                guard current < migrations.count else {
                    try connection.execute("COMMIT")
                    return
                }
                try connection.execute(migrations[current])
                try connection.execute("PRAGMA user_version = \(current + 1)")
                try connection.execute("COMMIT")
                logger.info("sqlite schema migrated", metadata: ["schema.version": "\(current + 1)"])
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }
}
