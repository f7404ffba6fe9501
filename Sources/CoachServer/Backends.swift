import CoachAccess
import CoachCore
import CoachJobs
import CoachStore
import Foundation
import Logging

/// The storage and messaging of a process: document stores, job queue, progress bus. The
/// embedded ones come from here; the executable opens MongoDB and Redis ones when it is built
/// with those traits and configured for them.
public struct Backends: Sendable {
    public var resumes: any ResumeStore
    public var questionSets: any ResultStore<QuestionSet>
    public var learningPaths: any ResultStore<LearningPath>
    public var tasks: any TaskStore
    public var queue: any JobQueue
    public var bus: any ProgressBus
    /// API keys and the audit log, beside the data they guard.
    public var keys: any APIKeyStore
    /// The counters of per-key limits: in-process, or Redis when `REDIS_URL` is set.
    public var limiter: any RateLimiter
    /// Practice sessions.
    public var sessions: any PracticeSessionStore

    public init(
        resumes: any ResumeStore, questionSets: any ResultStore<QuestionSet>, learningPaths: any ResultStore<LearningPath>,
        tasks: any TaskStore, queue: any JobQueue, bus: any ProgressBus, keys: any APIKeyStore, sessions: any PracticeSessionStore,
        limiter: any RateLimiter = InProcessRateLimiter()
    ) {
        self.sessions = sessions
        self.keys = keys
        self.limiter = limiter
        self.resumes = resumes
        self.questionSets = questionSets
        self.learningPaths = learningPaths
        self.tasks = tasks
        self.queue = queue
        self.bus = bus
    }

    /// SQLite stores on `database` with the in-process queue and bus.
    public static func embedded(database: SQLiteDatabase) -> Backends {
        Backends(
            resumes: SQLiteResumeStore(database: database), questionSets: SQLiteResultStore<QuestionSet>.questionSets(database),
            learningPaths: SQLiteResultStore<LearningPath>.learningPaths(database), tasks: SQLiteTaskStore(database: database),
            queue: InProcessJobQueue(), bus: InProcessProgressBus(), keys: SQLiteAPIKeyStore(database: database),
            sessions: SQLitePracticeSessionStore(database: database))
    }

    /// The SQLite file under `dataDir` (`interview-coach.sqlite`), with the in-process queue and bus.
    /// A folder or file it cannot use is a `ConfigurationError` naming `--data-dir` and why.
    public static func embedded(dataDir: String, logger: Logger) throws -> Backends {
        let path = URL(fileURLWithPath: dataDir).appendingPathComponent("interview-coach.sqlite").path
        do {
            return embedded(database: try SQLiteDatabase(path: path, logger: logger))
        } catch let error as SQLiteError {
            throw ConfigurationError("--data-dir \(dataDir): cannot use the database \(path): \(error.message)")
        } catch let error as CocoaError {
            // Creating the folder failed.
            let reason =
                switch error.code {
                case .fileWriteFileExists: "a file of that name is in the way"
                case .fileWriteNoPermission: "permission denied"
                case .fileWriteVolumeReadOnly: "the file system is read-only"
                case .fileWriteOutOfSpace: "no space left on the device"
                default: error.localizedDescription
                }
            throw ConfigurationError("--data-dir \(dataDir): cannot create the folder: \(reason)")
        }
    }
}
