// Built only with the Redis trait (`swift build --traits Redis`).
#if Redis
import CoachCore
import CoachJobsTesting
import CoachJobs
import CoachRedis
import Foundation
import Testing

/// What only the Redis queue and bus do: leases, redelivery, surviving a server restart, expiry.
@Suite(.enabled(if: JobsBackend.redisURL != nil, "needs REDIS_URL (scripts/with-redis)"))
struct RedisJobQueueTests {
    let backend = JobsBackend.redis(url: JobsBackend.redisURL ?? "")

    @Test func anUnacknowledgedJobGoesToAnotherConsumerAfterTheLease() async throws {
        try await backend.run(lease: .seconds(1)) { set in
            let crashed = try #require(set.queue as? RedisJobQueue)
            try await crashed.enqueue(Job(taskID: "orphan", kind: .interview))
            let first = try await within(.seconds(10)) { try await crashed.next() }
            #expect(first.deliveries == 1)
            await crashed.stopRenewingLeases()  // as if the process had died holding the job

            let survivor = try await set.otherConsumer(.seconds(1))
            let started = ContinuousClock.now
            let second = try await within(.seconds(10)) { try await survivor.next() }
            #expect(second.taskID == "orphan")
            #expect(second.deliveries == 2)
            #expect(ContinuousClock.now - started >= .milliseconds(500))
            try await survivor.acknowledge(second)
            #expect(try await nextJob(survivor, within: .seconds(2)) == nil)
        }
    }

    @Test func aQueueThatIsDroppedIsFreedAndItsJobGoesElsewhere() async throws {
        try await backend.run(lease: .seconds(1)) { set in
            let queue = try #require(set.queue as? RedisJobQueue)
            try await queue.enqueue(Job(taskID: "dropped", kind: .interview))
            weak var dropped: RedisJobQueue?
            do {
                let consumer = RedisJobQueue(
                    client: queue.client, consumer: "c", lease: .seconds(1), keyPrefix: queue.keyPrefix, logger: quietLogger)
                #expect(try await within(.seconds(10)) { try await consumer.next() }.taskID == "dropped")
                dropped = consumer
            }
            try await Task.sleep(for: .milliseconds(200))
            #expect(dropped == nil)  // its lease keeper does not keep it alive
            let other = try await set.otherConsumer(.seconds(1))
            #expect(try await within(.seconds(10)) { try await other.next() }.deliveries == 2)
        }
    }

    @Test func aJobBeingWorkedOnIsNotTakenOverWhileItsConsumerLives() async throws {
        // A 3 s lease renewed every second: a loaded machine (CI runs the suites in parallel)
        // can be late with a renewal by a second without the job being taken over, which a 1 s
        // lease did not allow.
        try await backend.run(lease: .seconds(3)) { set in
            try await set.queue.enqueue(Job(taskID: "long", kind: .learning))
            let job = try await within(.seconds(10)) { try await set.queue.next() }
            let other = try await set.otherConsumer(.seconds(3))
            // Two leases long: the holder keeps renewing, so nobody else gets it.
            #expect(try await nextJob(other, within: .seconds(6)) == nil)
            try await set.queue.acknowledge(job)
        }
    }

    @Test func deliveriesCountEveryTakeover() async throws {
        try await backend.run(lease: .milliseconds(300)) { set in
            try await set.queue.enqueue(Job(taskID: "unlucky", kind: .interview))
            var counts: [Int] = []
            for round in 0..<3 {
                let consumer = round == 0 ? set.queue : try await set.otherConsumer(.milliseconds(300))
                let job = try await within(.seconds(10)) { try await consumer.next() }
                counts.append(job.deliveries)
                await (consumer as? RedisJobQueue)?.stopRenewingLeases()
                if round == 2 { try await consumer.deadLetter(job, reason: "too many deliveries") }
            }
            #expect(counts == [1, 2, 3])
            let letters = try await set.queue.deadLetters(kind: .interview, limit: 10)
            #expect(letters.map(\.taskID) == ["unlucky"] && letters.map(\.reason) == ["too many deliveries"])
            #expect(letters.map(\.deliveries) == [3])
        }
    }

    @Test func countsTheBacklogAndWhatIsPending() async throws {
        try await backend.run { set in
            let queue = try #require(set.queue as? RedisJobQueue)
            for number in 0..<3 { try await queue.enqueue(Job(taskID: "\(number)", kind: .interview)) }
            #expect(try await queue.backlog(.interview) == 3)
            let job = try await within(.seconds(10)) { try await queue.next() }
            // `next()` may have fetched one more into its buffer (for order across kinds): at most one.
            #expect((1...2).contains(try await queue.backlog(.interview)))
            #expect(try await queue.backlog(.learning) == 0)
            try await queue.acknowledge(job)
            #expect(try await queue.backlog(.interview) + queue.pending(.interview) == 2)
        }
    }

    @Test func forgetsConsumersThatHoldNothingAndKeepsThoseThatDo() async throws {
        try await backend.run { set in
            let queue = try #require(set.queue as? RedisJobQueue)
            let idle = try #require(try await set.otherConsumer(.seconds(30)) as? RedisJobQueue)
            let holding = RedisJobQueue(client: queue.client, consumer: "holding", keyPrefix: queue.keyPrefix, logger: quietLogger)
            try await queue.enqueue(Job(taskID: "1", kind: .learning))
            try await queue.enqueue(Job(taskID: "2", kind: .learning))
            let done = try await within(.seconds(10)) { try await idle.next() }
            try await idle.acknowledge(done)
            _ = try await within(.seconds(10)) { try await holding.next() }
            await idle.stopRenewingLeases()
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await queue.forgetIdleConsumers(idleFor: .milliseconds(200)) == 1)
            let reply = try await queue.client.send(["XINFO", "CONSUMERS", queue.streamKey(.learning), queue.group])
            let names = (reply.elements ?? []).compactMap { $0.elements?[1].text }
            #expect(names.contains("holding"))
            #expect(!names.contains(idle.consumer))
        }
    }

    @Test(.enabled(if: RedisTestServer.canStart, "needs redis-server on PATH"))
    func aJobQueuedBeforeARestartIsDeliveredAfterIt() async throws {
        let server = try await RedisTestServer.start()
        do {
            let client = try testClient(url: server.url)
            let queue = RedisJobQueue(client: client, consumer: "a", keyPrefix: "restart:", logger: quietLogger)
            try await queue.createGroups()
            try await queue.enqueue(Job(taskID: "survivor", kind: .interview))
            try await server.restart()
            let job = try await within(.seconds(20)) { try await queue.next() }
            #expect(job.taskID == "survivor")
            #expect(job.deliveries == 1)
            try await queue.acknowledge(job)

            // A consumer waiting through a restart gets what is enqueued after it.
            let waiter = Task { try await queue.next() }
            try await Task.sleep(for: .milliseconds(300))
            try await server.restart()
            try await queue.enqueue(Job(taskID: "later", kind: .learning))
            let later = try await within(.seconds(20)) { try await waiter.value }
            #expect(later.taskID == "later")
            // Acknowledged, so the takeover below can only find the job held across the restart.
            try await queue.acknowledge(later)

            // Delivered but unacknowledged before a restart: still pending after it.
            try await queue.enqueue(Job(taskID: "held", kind: .interview))
            let held = try await within(.seconds(10)) { try await queue.next() }
            await queue.stopRenewingLeases()
            try await server.restart()
            let other = RedisJobQueue(client: client, consumer: "b", lease: .milliseconds(500), keyPrefix: "restart:", logger: quietLogger)
            let again = try await within(.seconds(20)) { try await other.next() }
            #expect(again.taskID == held.taskID)
            #expect(again.deliveries == 2)

            // A progress watcher follows its task through a restart too.
            let bus = RedisProgressBus(client: client, keyPrefix: "restart:", logger: quietLogger)
            try await bus.publish(event(1))
            let stream = try await bus.events(taskID: "t1", after: 0)
            let watcher = Task {
                var sequences: [Int64] = []
                for try await received in stream { sequences.append(received.sequence) }
                return sequences
            }
            try await Task.sleep(for: .milliseconds(300))
            try await server.restart()
            try await bus.publish(event(2))
            try await bus.publish(event(3, .completed))
            #expect(try await within(.seconds(20)) { try await watcher.value } == [1, 2, 3])
        } catch {
            await server.destroy()
            throw error
        }
        await server.destroy()
    }

    @Test func aFinishedTasksEventsExpireAfterTheRetention() async throws {
        let client = try testClient(url: JobsBackend.redisURL ?? "")
        let prefix = "test:\(UUID().uuidString.prefix(8).lowercased()):"
        let bus = RedisProgressBus(client: client, keyPrefix: prefix, retention: .seconds(1), logger: quietLogger)
        let key = bus.streamKey(taskID: "t1")
        try await bus.publish(event(1))
        let unfinished = try await client.send(["TTL", key]).int ?? -1
        #expect(unfinished > 3600)  // a task that never finishes still goes, a day later
        try await bus.publish(event(2, .completed))
        // The short retention replaced the day (-2: already gone, on a loaded machine).
        let finished = try await client.send(["TTL", key]).int ?? -1
        #expect(finished <= 1 && finished != -1)
        try await Task.sleep(for: .milliseconds(2200))
        #expect(try await client.send(["EXISTS", key]).int == 0)
    }

    @Test func eventsAreStoredWithTheirSequenceAndTypeBesideTheJSON() async throws {
        try await backend.run { set in
            let bus = try #require(set.bus as? RedisProgressBus)
            try await bus.publish(event(7, .error))
            let reply = try await bus.client.send(["XRANGE", bus.streamKey(taskID: "t1"), "-", "+"])
            let fields = reply.elements?.first?.elements?.last?.elements?.compactMap(\.text) ?? []
            #expect(fields.count == 6)
            #expect(Array(fields.prefix(4)) == ["sequence", "7", "type", "error"])
            #expect(fields.count == 6 && (try? TaskEventPayload.decode(fields[5]).sequence) == 7)
        }
    }

    @Test func repliesAreDecodedAndBinarySafe() async throws {
        let client = try testClient(url: JobsBackend.redisURL ?? "")
        let key = "test:\(UUID().uuidString):bytes"
        let value = "a\u{0}b\r\n😀 한국어"
        #expect(try await client.send(["SET", key, value]) == .status("OK"))
        #expect(try await client.send(["GET", key]) == .string(Array(value.utf8)))
        #expect(try await client.send(["STRLEN", key]) == .integer(Int64(value.utf8.count)))
        #expect(try await client.send(["GET", key + ":missing"]) == .null)
        #expect(try await client.send(["NOSUCHCOMMAND"]).errorCode == "ERR")
        let replies = try await client.pipeline([["DEL", key], ["RPUSH", key, "x", "y"], ["LRANGE", key, "0", "-1"], ["DEL", key]])
        #expect(replies == [.integer(1), .integer(2), .array([.string(Array("x".utf8)), .string(Array("y".utf8))]), .integer(1)])
    }
}
#endif  // Redis
