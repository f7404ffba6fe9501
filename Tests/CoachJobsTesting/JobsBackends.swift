import CoachCore
import CoachJobs
#if Redis
import CoachRedis
#endif
import Foundation
import Logging

/// One queue and bus under test, and how to throw them away.
public struct JobsSet: Sendable {
    /// The queue, as consumer "a".
    public var queue: any JobQueue
    /// Another consumer of the same queue ("b"; for the in-process queue, the same queue).
    public var otherConsumer: @Sendable (_ lease: Duration) async throws -> any JobQueue
    public var bus: any ProgressBus
    public var destroy: @Sendable () async throws -> Void
}

/// A queue/bus backend the contract runs against: in-process always, Redis when `REDIS_URL` is
/// set (CI sets it through `scripts/with-redis`; a local `swift test` without it still passes).
public struct JobsBackend: Sendable {
    public var name: String
    /// Makes fresh ones, with `lease` for the queue (ignored in-process: no leases there).
    public var make: @Sendable (_ lease: Duration) async throws -> JobsSet

    public static var all: [JobsBackend] {
        var backends = [inProcess]
        #if Redis
        if let url = redisURL { backends.append(redis(url: url)) }
        #endif
        return backends
    }

    public static var redisURL: String? {
        guard let url = ProcessInfo.processInfo.environment["REDIS_URL"], !url.isEmpty else { return nil }
        return url
    }

    public static let inProcess = JobsBackend(name: "in-process") { _ in
        let queue = InProcessJobQueue()
        return JobsSet(
            queue: queue,
            otherConsumer: { _ in queue },
            bus: InProcessProgressBus(),
            destroy: {})
    }

    #if Redis
    /// Keys under a prefix of their own per test, deleted afterwards.
    public static func redis(url: String) -> JobsBackend {
        JobsBackend(name: "redis") { lease in
            let prefix = "test:\(UUID().uuidString.prefix(8).lowercased()):"
            let client = try testClient(url: url)
            let queue = RedisJobQueue(client: client, consumer: "a", lease: lease, keyPrefix: prefix, logger: quietLogger)
            try await queue.createGroups()
            return JobsSet(
                queue: queue,
                otherConsumer: { lease in
                    RedisJobQueue(client: client, consumer: "b", lease: lease, keyPrefix: prefix, logger: quietLogger)
                },
                bus: RedisProgressBus(client: client, keyPrefix: prefix, logger: quietLogger),
                destroy: { try await deleteKeys(client: client, prefix: prefix) })
        }
    }
    #endif

    /// Runs `body` with fresh ones, destroying them afterwards whether or not it threw.
    public func run(lease: Duration = .seconds(30), _ body: (JobsSet) async throws -> Void) async throws {
        let set = try await make(lease)
        do {
            try await body(set)
        } catch {
            try? await set.destroy()
            throw error
        }
        try await set.destroy()
    }
}

#if Redis
public let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .error
    return logger
}()

/// A client with few threads: tests run in parallel and each makes its own.
public func testClient(url: String) throws -> RedisClient {
    RedisClient(configuration: try RedisConfiguration(url: url), commandThreads: 1, blockingThreads: 4, logger: quietLogger)
}

public func deleteKeys(client: RedisClient, prefix: String) async throws {
    var cursor = "0"
    repeat {
        let reply = try await client.send(["SCAN", cursor, "MATCH", "\(prefix)*", "COUNT", "1000"])
        guard let parts = reply.elements, parts.count == 2 else { return }
        cursor = parts[0].text ?? "0"
        let keys = (parts[1].elements ?? []).compactMap(\.text)
        if !keys.isEmpty { _ = try await client.send(["DEL"] + keys) }
    } while cursor != "0"
}
#endif

// MARK: - Time limits

public struct TimedOut: Error {}

/// `body`'s result, or `TimedOut` once `limit` has passed (the body is then cancelled).
public func within<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TimedOut()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// The next job if one comes within `limit`, else `nil` (the wait is cancelled).
public func nextJob(_ queue: any JobQueue, within limit: Duration) async throws -> Job? {
    do {
        return try await within(limit) { try await queue.next() }
    } catch is TimedOut {
        return nil
    }
}

// MARK: - Sample values

public func event(_ sequence: Int64, _ type: TaskEvent.EventType = .progress, task id: String = "t1", result: TaskResult? = nil) -> TaskEvent {
    var task = TaskRecord(
        taskID: id, kind: .interview, uniqueKey: "k_1", input: .questions(QuestionOptions()), idempotencyKey: nil, createdAt: Date())
    task.sequence = sequence
    return TaskEvent(sequence: sequence, type: type, task: task, result: result, timestamp: Date())
}

public func sampleQuestionSet(taskID: String = "t1") -> QuestionSet {
    QuestionSet(
        id: "q_1", resumeID: "r_1", uniqueKey: "k_1",
        questions: [Question(type: "Quality", difficulty: "easy", topic: "Go", question: "How do you test Go?", whatGoodAnswersCover: ["a", "b"])],
        record: GenerationRecord(provider: "builtin", model: "builtin-v1", promptVersion: "questions-v1", language: .en, usage: Usage(), attempts: []),
        createdAt: Date(), taskID: taskID)
}
