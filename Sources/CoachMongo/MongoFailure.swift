import CMongoC

/// A failed libmongoc or libbson call: its error domain, code and message.
struct MongoFailure: Error, Sendable {
    var domain: UInt32
    var code: UInt32
    var message: String

    init(_ error: bson_error_t) {
        domain = error.domain
        code = error.code
        message = withUnsafeBytes(of: error.message) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// A failure found on our side of the driver (e.g. an unexpected reply shape).
    init(local message: String) {
        domain = 0
        code = 0
        self.message = message
    }

    /// E11000: a unique index refused the write.
    var isDuplicateKey: Bool {
        code == 11000
            && (domain == MONGOC_ERROR_SERVER.rawValue || domain == MONGOC_ERROR_WRITE_CONCERN.rawValue
                || domain == MONGOC_ERROR_COLLECTION.rawValue || domain == MONGOC_ERROR_COMMAND.rawValue)
    }

    /// The server cannot be reached, or is shutting down or stepping down: worth answering
    /// SERVICE_UNAVAILABLE (the pool reconnects by itself once it is back).
    var isUnavailable: Bool {
        if domain == MONGOC_ERROR_STREAM.rawValue || domain == MONGOC_ERROR_SERVER_SELECTION.rawValue { return true }
        if domain == MONGOC_ERROR_SERVER.rawValue || domain == MONGOC_ERROR_WRITE_CONCERN.rawValue {
            return Self.unavailableServerCodes.contains(code)
        }
        return false
    }

    /// Whether `message` came from the server (and may quote stored values, e.g. a duplicate
    /// key), so it must not be logged.
    var messageMayQuoteData: Bool {
        domain == MONGOC_ERROR_SERVER.rawValue || domain == MONGOC_ERROR_WRITE_CONCERN.rawValue
            || domain == MONGOC_ERROR_COLLECTION.rawValue || domain == MONGOC_ERROR_COMMAND.rawValue
            || domain == MONGOC_ERROR_QUERY.rawValue
    }

    /// HostUnreachable, HostNotFound, NetworkTimeout, ShutdownInProgress, PrimarySteppedDown,
    /// NotWritablePrimary, InterruptedAtShutdown, InterruptedDueToReplStateChange,
    /// NotPrimaryNoSecondaryOk, NotPrimaryOrSecondary.
    private static let unavailableServerCodes: Set<UInt32> = [6, 7, 89, 91, 189, 10107, 11600, 11602, 13435, 13436]
}
