import CoachServer

/// The optional backends compiled into this binary. They are package traits (`Package.swift`), off
/// by default so that the embedded default builds with the toolchain alone.
enum BuildFeatures {
    #if MongoDB
    static let mongoDB = true
    #else
    static let mongoDB = false
    #endif

    #if Redis
    static let redis = true
    #else
    static let redis = false
    #endif

    /// Refuses a configuration that asks for a backend this build does not have, before anything
    /// starts: a server that silently fell back to SQLite or the in-process queue would split a
    /// deployment's data without anyone noticing.
    static func check(_ configuration: ServerConfiguration) throws {
        if !mongoDB, configuration.mongoDB != nil {
            throw ConfigurationError(
                "MONGODB_URI is set but this build has no MongoDB support: rebuild with `swift build --traits MongoDB` (or --enable-all-traits)")
        }
        if !redis, configuration.redisURL != nil {
            throw ConfigurationError(
                "REDIS_URL is set but this build has no Redis support: rebuild with `swift build --traits Redis` (or --enable-all-traits)")
        }
    }
}
