import CMongoC
import CoachCore
import Foundation
import Logging
import NIOPosix

/// One MongoDB database reached through a process-wide libmongoc client pool. libmongoc calls
/// block, so every operation runs on a dedicated `NIOThreadPool` (never Swift's cooperative
/// pool), popping a client for its duration and pushing it back afterwards.
public final class MongoDatabase: Sendable {
    /// The database name.
    public let name: String
    private let pool: ClientPool
    private let threadPool: NIOThreadPool
    private let logger: Logger

    /// How long a request waits for a server before failing, unless the URI says otherwise:
    /// short, so that with the server down a request is answered SERVICE_UNAVAILABLE well
    /// within 2 s (libmongoc's own default is 30 s).
    public static let defaultServerSelectionTimeoutMS: Int32 = 1000

    /// Creates the pool for `uri` (connections are opened lazily, by the pool's monitor and the
    /// first operation); `threads` bounds how many operations run at once. Throws
    /// `DATABASE_OPERATION_FAILED` for a malformed URI.
    public init(uri: String, name: String, logger: Logger, threads: Int = 8) throws {
        MongoLibrary.setUp(logger: logger)
        self.name = name
        self.logger = logger
        self.pool = try ClientPool(uri: uri)
        self.threadPool = NIOThreadPool(numberOfThreads: threads)
        self.threadPool.start()
    }

    deinit {
        threadPool.shutdownGracefully { _ in }
    }

    /// A round trip to the server (`ping`); SERVICE_UNAVAILABLE when it cannot be reached.
    public func ping() async throws {
        _ = try await run { session in try session.command(["ping": 1], database: "admin") }
    }

    /// Drops the whole database (tests and tooling).
    public func drop() async throws {
        try await run { session in try session.dropDatabase() }
    }

    /// Runs `body` with a pooled client on the database's threads. libmongoc failures become
    /// `SERVICE_UNAVAILABLE` (server unreachable) or `DATABASE_OPERATION_FAILED` (anything else),
    /// logged with libmongoc's domain and code, never with document contents.
    func run<T: Sendable>(_ body: @escaping @Sendable (MongoSession) throws -> T) async throws -> T {
        let pool = self.pool
        let name = self.name
        do {
            return try await threadPool.runIfActive {
                let client = pool.pop()
                defer { pool.push(client) }
                return try body(MongoSession(client: client, database: name))
            }
        } catch let error as CoachError {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch let failure as MongoFailure {
            var metadata: Logger.Metadata = ["mongodb.domain": "\(failure.domain)", "mongodb.code": "\(failure.code)"]
            if !failure.messageMayQuoteData { metadata["mongodb.message"] = "\(failure.message)" }
            if failure.isUnavailable {
                logger.warning("mongodb unavailable", metadata: metadata)
                throw CoachError(.serviceUnavailable, "database unavailable")
            }
            logger.error("mongodb operation failed", metadata: metadata)
            throw CoachError(.databaseOperationFailed, "database operation failed")
        } catch {
            logger.error("mongodb operation failed", metadata: ["error": "\(type(of: error))"])
            throw CoachError(.databaseOperationFailed, "database operation failed")
        }
    }
}

/// Owns the `mongoc_uri_t` and the `mongoc_client_pool_t`.
///
/// `@unchecked Sendable`: the pool is libmongoc's thread-safe object (pop and push may be called
/// from any thread), both pointers are immutable after `init`, and they are destroyed only in
/// `deinit`, when no operation can hold this object any more (each one retains it while a
/// popped client is out).
private final class ClientPool: @unchecked Sendable {
    private let uri: OpaquePointer
    private let pool: OpaquePointer

    init(uri text: String) throws {
        var error = bson_error_t()
        guard let uri = mongoc_uri_new_with_error(text, &error) else {
            throw CoachError(.databaseOperationFailed, "invalid MongoDB URI: \(MongoFailure(error).message)")
        }
        // A down server should fail a request quickly, not after libmongoc's default 30 s.
        if mongoc_uri_get_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 0) == 0 {
            mongoc_uri_set_option_as_int32(
                uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, MongoDatabase.defaultServerSelectionTimeoutMS)
        }
        if mongoc_uri_get_appname(uri) == nil {
            mongoc_uri_set_appname(uri, "interview-coach")
        }
        guard let pool = mongoc_client_pool_new_with_error(uri, &error) else {
            mongoc_uri_destroy(uri)
            throw CoachError(
                .databaseOperationFailed, "cannot create the MongoDB client pool: \(MongoFailure(error).message)")
        }
        mongoc_client_pool_set_error_api(pool, 2)
        self.uri = uri
        self.pool = pool
    }

    deinit {
        mongoc_client_pool_destroy(pool)
        mongoc_uri_destroy(uri)
    }

    /// Blocks only when all `maxPoolSize` (100) clients are out; the thread pool is smaller.
    func pop() -> OpaquePointer { mongoc_client_pool_pop(pool) }

    func push(_ client: OpaquePointer) { mongoc_client_pool_push(pool, client) }
}

/// A popped client and the database name, valid for one `MongoDatabase.run` body on one thread.
struct MongoSession {
    let client: OpaquePointer
    let database: String

    func collection(_ name: String) -> MongoCollection {
        MongoCollection(handle: mongoc_client_get_collection(client, database, name))
    }

    /// Runs a command (read or write) against `database` (ours by default).
    @discardableResult
    func command(_ command: BSON, database: String? = nil) throws -> JSONValue {
        let document = try BSONDocument(command)
        let reply = BSONReply()
        var error = bson_error_t()
        guard let handle = mongoc_client_get_database(client, database ?? self.database) else {
            throw MongoFailure(local: "no database handle")
        }
        defer { mongoc_database_destroy(handle) }
        guard mongoc_database_write_command_with_opts(handle, document.pointer, nil, reply.pointer, &error) else {
            throw MongoFailure(error)
        }
        return try reply.json()
    }

    func dropDatabase() throws {
        guard let handle = mongoc_client_get_database(client, database) else {
            throw MongoFailure(local: "no database handle")
        }
        defer { mongoc_database_destroy(handle) }
        var error = bson_error_t()
        guard mongoc_database_drop_with_opts(handle, nil, &error) else { throw MongoFailure(error) }
    }
}

/// A `mongoc_collection_t`, destroyed with its owner. Used on one thread only.
final class MongoCollection {
    private let handle: OpaquePointer

    init(handle: OpaquePointer?) {
        // mongoc_client_get_collection never returns NULL for valid names.
        self.handle = handle!
    }

    deinit {
        mongoc_collection_destroy(handle)
    }

    func insertOne(_ document: BSON) throws {
        let bson = try BSONDocument(document)
        let reply = BSONReply()
        var error = bson_error_t()
        guard mongoc_collection_insert_one(handle, bson.pointer, nil, reply.pointer, &error) else {
            throw MongoFailure(error)
        }
    }

    /// Every matching document, as JSON trees.
    func find(_ filter: BSON, sort: BSON? = nil, limit: Int? = nil) throws -> [JSONValue] {
        let filterDocument = try BSONDocument(filter)
        var options: [(key: String, value: BSON)] = []
        if let sort { options.append(("sort", sort)) }
        if let limit { options.append(("limit", .int(Int64(limit)))) }
        let optionsDocument = try BSONDocument(.document(options))
        guard
            let cursor = mongoc_collection_find_with_opts(handle, filterDocument.pointer, optionsDocument.pointer, nil)
        else {
            throw MongoFailure(local: "no cursor")
        }
        defer { mongoc_cursor_destroy(cursor) }
        var documents: [JSONValue] = []
        var current: OpaquePointer?
        while mongoc_cursor_next(cursor, &current) {
            if let current { documents.append(try BSONReply.json(of: current)) }
        }
        var error = bson_error_t()
        if mongoc_cursor_error(cursor, &error) { throw MongoFailure(error) }
        return documents
    }

    func findOne(_ filter: BSON) throws -> JSONValue? {
        try find(filter, limit: 1).first
    }

    func count(_ filter: BSON) throws -> Int {
        let filterDocument = try BSONDocument(filter)
        let reply = BSONReply()
        var error = bson_error_t()
        let count = mongoc_collection_count_documents(handle, filterDocument.pointer, nil, nil, reply.pointer, &error)
        guard count >= 0 else { throw MongoFailure(error) }
        return Int(count)
    }

    /// How many documents were deleted.
    func deleteOne(_ filter: BSON) throws -> Int {
        let filterDocument = try BSONDocument(filter)
        let reply = BSONReply()
        var error = bson_error_t()
        guard mongoc_collection_delete_one(handle, filterDocument.pointer, nil, reply.pointer, &error) else {
            throw MongoFailure(error)
        }
        return try reply.json()["deletedCount"]?.intValue ?? 0
    }

    /// How many documents were deleted.
    func deleteMany(_ filter: BSON) throws -> Int {
        let filterDocument = try BSONDocument(filter)
        let reply = BSONReply()
        var error = bson_error_t()
        guard mongoc_collection_delete_many(handle, filterDocument.pointer, nil, reply.pointer, &error) else {
            throw MongoFailure(error)
        }
        return try reply.json()["deletedCount"]?.intValue ?? 0
    }

    /// How many documents matched (0 or 1).
    func replaceOne(_ filter: BSON, with replacement: BSON) throws -> Int {
        let filterDocument = try BSONDocument(filter)
        let replacementDocument = try BSONDocument(replacement)
        let reply = BSONReply()
        var error = bson_error_t()
        guard
            mongoc_collection_replace_one(
                handle, filterDocument.pointer, replacementDocument.pointer, nil, reply.pointer, &error)
        else {
            throw MongoFailure(error)
        }
        return try reply.json()["matchedCount"]?.intValue ?? 0
    }

    /// Atomically updates (or, with `upsert`, inserts) one document and returns it as it is
    /// after the update; `nil` when nothing matched and nothing was inserted.
    func findOneAndUpdate(_ filter: BSON, update: BSON, upsert: Bool) throws -> JSONValue? {
        let filterDocument = try BSONDocument(filter)
        let updateDocument = try BSONDocument(update)
        let reply = BSONReply()
        var error = bson_error_t()
        guard
            mongoc_collection_find_and_modify(
                handle, filterDocument.pointer, nil, updateDocument.pointer, nil, false, upsert, true, reply.pointer,
                &error)
        else { throw MongoFailure(error) }
        let value = try reply.json()["value"]
        if case .object? = value { return value }
        return nil
    }
}
