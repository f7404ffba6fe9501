// Built only with the Redis trait (`swift build --traits Redis`).
#if Redis
import CoachCore
import CoachJobsTesting
import CoachJobs
import CoachRedis
import Foundation
import Testing

/// The parts of the Redis layer that need no server.
@Suite struct RedisConfigurationTests {
    @Test func parsesHostPortPasswordAndDatabase() throws {
        let plain = try RedisConfiguration(url: "redis://10.0.0.5:6380")
        #expect(plain.host == "10.0.0.5" && plain.port == 6380 && plain.password == nil && plain.database == 0)

        let full = try RedisConfiguration(url: "redis://:p%40ss%3Aword@cache.internal:7000/3")
        #expect(full.host == "cache.internal" && full.port == 7000 && full.database == 3)
        #expect(full.password == "p@ss:word" && full.username == nil)

        let user = try RedisConfiguration(url: "redis://coach:secret@[::1]:6390/1")
        #expect(user.host == "::1" && user.port == 6390 && user.username == "coach" && user.password == "secret" && user.database == 1)

        let defaults = try RedisConfiguration(url: "redis://localhost")
        #expect(defaults.host == "localhost" && defaults.port == 6379 && defaults.database == 0)
        #expect(try RedisConfiguration(url: "REDIS://h:1/").port == 1)
    }

    @Test(arguments: ["http://h:6379", "rediss://h:6379", "redis://h:port", "redis://h:70000", "redis://h/x", "redis://[::1", "redis://h/-1"])
    func rejectsMalformedURLs(_ url: String) {
        #expect(throws: RedisError.self) { try RedisConfiguration(url: url) }
    }

    @Test func describesItselfWithoutThePassword() throws {
        let configuration = try RedisConfiguration(url: "redis://:hunter2@h:1/2")
        #expect(configuration.description == "redis://:***@h:1/2")
        #expect(!configuration.description.contains("hunter2"))
    }
}

@Suite struct RedisClientOfflineTests {
    @Test func aServerThatIsDownFailsFastWithAConnectionError() async throws {
        // Timeouts of ten minutes: the error names the refused connection, and it comes long before
        // either timeout could have run out. The bound is loose on purpose: the suite's CPU-bound
        // tests can keep every cooperative thread busy for seconds (CI once measured 11 s here),
        // and that is the machine's load, not the client waiting.
        let port = try freePort()
        var configuration = try RedisConfiguration(url: "redis://127.0.0.1:\(port)")
        configuration.connectTimeout = .seconds(600)
        configuration.commandTimeout = .seconds(600)
        let client = RedisClient(configuration: configuration, commandThreads: 1, blockingThreads: 1, logger: quietLogger)
        let started = ContinuousClock.now
        await #expect {
            try await client.send(["PING"])
        } throws: { error in
            guard case RedisError.connection(let message) = error else { return false }
            return message.contains("127.0.0.1:\(port)") && message.localizedCaseInsensitiveContains("refused")
        }
        #expect(ContinuousClock.now - started < .seconds(120))
    }

    @Test func queueCallsAnswerServiceUnavailableWhileRedisIsDown() async throws {
        let client = try testClient(url: "redis://127.0.0.1:\(try freePort())")
        let queue = RedisJobQueue(client: client, logger: quietLogger)
        await #expect {
            try await queue.enqueue(Job(taskID: "1", kind: .interview))
        } throws: { error in
            (error as? CoachError)?.code == .serviceUnavailable
        }
        // `next()` waits through an outage instead of failing (workers would spin); it ends on cancel.
        #expect(try await nextJob(queue, within: .milliseconds(500)) == nil)
    }
}

@Suite struct TaskEventPayloadTests {
    @Test func roundTripsEventsWithEitherResult() throws {
        let plan = LearningPlan(analysis: Analysis(strengths: ["Go"], weaknesses: ["Kafka"]), summary: "Study", learningPaths: [])
        let path = LearningPath(
            id: "l_1", resumeID: "r_1", uniqueKey: "k_1", plan: plan,
            record: GenerationRecord(provider: "builtin", model: "builtin-v1", promptVersion: "learning-v1", language: .ko, usage: Usage(), attempts: []),
            createdAt: Date(), taskID: "t1")
        for original in [
            event(1), event(2, .completed, result: .questionSet(sampleQuestionSet())), event(3, .completed, result: .learningPath(path)),
            event(4, .error),
        ] {
            #expect(try TaskEventPayload.decode(TaskEventPayload.encode(original)) == original)
        }
    }

    @Test func tagsTheResultByKind() throws {
        let json = try TaskEventPayload.encode(event(2, .completed, result: .questionSet(sampleQuestionSet())))
        #expect(json.contains(#""kind":"question_set""#))
    }
}
#endif  // Redis
