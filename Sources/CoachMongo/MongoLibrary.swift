import CMongoC
import Logging
import Synchronization

/// Process-wide libmongoc set-up: `mongoc_init` once, and libmongoc's own logging routed into
/// swift-log (it would otherwise print monitor chatter on stderr).
enum MongoLibrary {
    private static let sink = LogSink()

    private static let initialized: Void = {
        mongoc_init()
        mongoc_log_set_handler({ level, domain, message, _ in MongoLibrary.log(level, domain, message) }, nil)
    }()

    /// Initialises libmongoc (first call only) and sends its log lines to `logger` from now on.
    static func setUp(logger: Logger) {
        _ = initialized
        sink.logger.withLock { $0 = logger }
    }

    private static func log(
        _ level: mongoc_log_level_t, _ domain: UnsafePointer<CChar>?, _ message: UnsafePointer<CChar>?
    ) {
        let swiftLevel: Logger.Level
        switch level {
        case MONGOC_LOG_LEVEL_ERROR, MONGOC_LOG_LEVEL_CRITICAL: swiftLevel = .error
        case MONGOC_LOG_LEVEL_WARNING: swiftLevel = .warning
        case MONGOC_LOG_LEVEL_MESSAGE: swiftLevel = .info
        case MONGOC_LOG_LEVEL_INFO: swiftLevel = .debug
        default: return  // DEBUG and TRACE: per-operation chatter.
        }
        guard let logger = sink.logger.withLock({ $0 }) else { return }
        let text = message.map { String(cString: $0) } ?? ""
        let source = domain.map { String(cString: $0) } ?? "mongoc"
        logger.log(level: swiftLevel, "\(text)", metadata: ["mongoc.domain": "\(source)"])
    }

    private final class LogSink: Sendable {
        let logger = Mutex<Logger?>(nil)
    }
}
