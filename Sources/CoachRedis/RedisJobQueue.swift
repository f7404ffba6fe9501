import CoachCore
import CoachJobs
import Foundation
import Logging

/// The job queue on Redis Streams: one stream per job kind (`<prefix>jobs:interview`,
/// `<prefix>jobs:learning`) read by one consumer group.
///
/// - `enqueue` is `XADD` (fields `task_id`, `kind`, and `traceparent`/`tracestate` when traced);
///   nothing is trimmed, so with AOF on a queued job survives a server restart.
/// - `next()` waits with `XREADGROUP … BLOCK` on a connection of its own across the kinds this
///   queue consumes, and every half lease first takes over (`XAUTOCLAIM`) entries that another
///   consumer has held longer than `lease` without acknowledging: that consumer died, so the job
///   is delivered again, with `Job.deliveries` counting every delivery.
/// - While a job is out, this queue renews its lease every third of `lease`, so a long job is not
///   taken over while its worker is alive. A job this process was working on when it stopped
///   goes to another consumer after `lease`.
/// - `acknowledge` is `XACK` + `XDEL` (and counts the job in the hash `<prefix>workers:done`, per
///   consumer); `deadLetter` moves the job to `<prefix>jobs:<kind>:dead` (fields `task_id`, `kind`,
///   `reason`, `deliveries`, `entry_id`) and acknowledges it, atomically.
/// - Operators' controls, seen by every process: `<prefix>jobs:<kind>:paused` (a kind no consumer
///   reads or hands out) and `<prefix>cancel:<task id>` (who asked to stop a task; a day at most).
///
/// Jobs go out oldest first: strictly within a kind, and across kinds by enqueue time to the
/// millisecond (entry IDs of different streams carry their own sequence numbers within a
/// millisecond); a taken-over job comes when its lease has run out. Delivery is at least once: a worker must tolerate a job whose task already
/// finished.
public actor RedisJobQueue: JobQueue {
    /// This process's name in the consumer group.
    public nonisolated let consumer: String
    /// The consumer group.
    public nonisolated let group: String
    /// How long a job may go without its consumer renewing it before another consumer takes it.
    public nonisolated let lease: Duration
    /// The kinds `next()` delivers.
    public nonisolated let kinds: [TaskKind]
    /// Commands go through this client (it may be shared with a progress bus).
    public nonisolated let client: RedisClient
    /// Prepended to every key.
    public nonisolated let keyPrefix: String
    private nonisolated let block: Duration
    private nonisolated let logger: Logger

    /// Entries delivered to this consumer and not yet handed to a worker, oldest first.
    private var buffered: [Job] = []
    /// Entry IDs delivered to this consumer and not acknowledged, by kind: their leases are renewed.
    private var held: [TaskKind: Set<String>] = [:]
    private var nextClaim = ContinuousClock.now
    private var claimCursors: [TaskKind: String] = [:]
    private var nextPrune = ContinuousClock.now + .seconds(60)
    private var groupsReady = false
    private var keeper: Task<Void, Never>?

    /// Dead-lettered jobs kept per kind (older ones are trimmed).
    public static let deadLetterCapacity = 10_000
    /// Consumers idle this long with nothing pending are removed from the group.
    static let forgetConsumersAfter: Duration = .seconds(3600)

    /// A queue over `client`. Nothing is sent until the first call; `connect` checks the server.
    /// - Parameters:
    ///   - kinds: the kinds `next()` delivers (enqueueing any kind works regardless).
    ///   - consumer: this process's name in the group; by default host, process id and a random
    ///     suffix, unique per process (a name reused by a live process would share its jobs).
    ///   - lease: see `lease`; at least 100 ms.
    ///   - keyPrefix: prepended to every key (`coach:` in production; tests use their own).
    public init(
        client: RedisClient, kinds: [TaskKind] = TaskKind.allCases, consumer: String? = nil, group: String = "workers",
        lease: Duration = .seconds(30), keyPrefix: String = "coach:", logger: Logger = Logger(label: "coach.redis.jobs")
    ) {
        self.client = client
        self.kinds = kinds
        self.consumer = consumer ?? Self.defaultConsumerName()
        self.group = group
        self.lease = max(lease, .milliseconds(100))
        self.keyPrefix = keyPrefix
        self.block = min(self.lease / 2, .seconds(5))
        var logger = logger
        logger[metadataKey: "consumer"] = "\(self.consumer)"
        self.logger = logger
    }

    /// Connects to `url` (`redis://[:password@]host:port[/db]`) and creates the consumer groups,
    /// so it throws when Redis cannot be reached. See `init` for the parameters.
    public static func connect(
        url: String, kinds: [TaskKind] = TaskKind.allCases, consumer: String? = nil, lease: Duration = .seconds(30),
        keyPrefix: String = "coach:", logger: Logger = Logger(label: "coach.redis.jobs")
    ) async throws -> RedisJobQueue {
        let client = try RedisClient(url: url, logger: logger)
        let queue = RedisJobQueue(client: client, kinds: kinds, consumer: consumer, lease: lease, keyPrefix: keyPrefix, logger: logger)
        try await queue.createGroups()
        return queue
    }

    deinit {
        keeper?.cancel()
    }

    /// The stream holding queued jobs of `kind`.
    public nonisolated func streamKey(_ kind: TaskKind) -> String { "\(keyPrefix)jobs:\(kind.rawValue)" }

    /// The stream holding dead-lettered jobs of `kind`.
    public nonisolated func deadLetterKey(_ kind: TaskKind) -> String { "\(keyPrefix)jobs:\(kind.rawValue):dead" }

    // MARK: JobQueue

    public nonisolated func enqueue(_ job: Job) async throws {
        var command = ["XADD", streamKey(job.kind), "*", "task_id", job.taskID, "kind", job.kind.rawValue]
        for field in Job.traceFields { if let value = job.trace[field] { command += [field, value] } }
        let reply = try await send(command, "enqueue")
        try check(reply, "enqueue")
    }

    /// Waits for the next job, riding out Redis outages (it retries with backoff and logs);
    /// only cancellation ends the wait, with `CancellationError`.
    public func next() async throws -> Job {
        startKeeper()
        var failures = 0
        while true {
            try Task.checkCancellation()
            guard !kinds.isEmpty else {
                try await Task.sleep(for: .seconds(3600))
                continue
            }
            do {
                if !groupsReady { try await createGroups() }
                // Paused kinds (set by any process) are neither read nor handed out: a job of a kind
                // paused while a read was already waiting stays in this consumer's buffer, its lease
                // renewed, until the kind is resumed.
                let active = try await activeKinds()
                if buffered.contains(where: { active.contains($0.kind) }) {
                    await topUpBuffer(active)
                    // Another caller may have taken it meanwhile.
                    if let index = buffered.firstIndex(where: { active.contains($0.kind) }) { return buffered.remove(at: index) }
                    continue
                }
                guard !active.isEmpty else {
                    try await Task.sleep(for: min(block, .seconds(1)))
                    continue
                }
                if ContinuousClock.now >= nextClaim {
                    nextClaim = .now + lease / 2
                    if let job = try await claimAbandoned(of: active) {
                        nextClaim = .now  // there may be more
                        return job
                    }
                    try await pruneConsumers()
                }
                var command = ["XREADGROUP", "GROUP", group, consumer, "COUNT", "1", "BLOCK", String(block.milliseconds()), "STREAMS"]
                command += active.map(streamKey) + active.map { _ in ">" }
                let reply = try await client.blockingSend(command, block: block)
                if reply.errorCode == "NOGROUP" {
                    groupMissing()
                    continue
                }
                try check(reply, "read")
                await accept(StreamEntry.streams(reply))
                failures = 0
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                failures += 1
                if failures == 1 || failures.isMultiple(of: 20) {
                    logger.warning("cannot read jobs from Redis, retrying", metadata: ["error": "\(error)", "failures": "\(failures)"])
                }
                try await Task.sleep(for: Self.backoff(failures))
            }
        }
    }

    public func acknowledge(_ job: Job) async throws {
        guard let receipt = job.receipt else { return }  // not delivered by Redis: nothing to settle
        held[job.kind]?.remove(receipt)
        let key = streamKey(job.kind)
        let replies = try await pipeline(
            [["XACK", key, group, receipt], ["XDEL", key, receipt], ["HINCRBY", workersDoneKey, consumer, "1"]], "acknowledge")
        for reply in replies { try check(reply, "acknowledge") }
    }

    /// Entries of the streams not yet delivered: acknowledged entries are deleted, so a
    /// stream's length less what its group holds pending is what still waits.
    public nonisolated func waitingCount() async throws -> Int {
        var waiting = 0
        for kind in kinds {
            let replies = try await pipeline([["XLEN", streamKey(kind)], ["XPENDING", streamKey(kind), group]], "count waiting")
            let length = Int(replies[0].int ?? 0)
            let pending = replies[1].errorCode == "NOGROUP" ? 0 : Int(replies[1].elements?.first?.int ?? 0)
            waiting += max(0, length - pending)
        }
        return waiting
    }

    /// One round trip: the stream's length, its group's pending summary, the dead-letter stream's
    /// length and the oldest entry (acknowledged entries are deleted, so the first one is the
    /// oldest not yet acknowledged; its id starts with its enqueue time in milliseconds).
    public nonisolated func counts(kind: TaskKind) async throws -> QueueCounts {
        let key = streamKey(kind)
        let replies = try await pipeline(
            [["XLEN", key], ["XPENDING", key, group], ["XLEN", deadLetterKey(kind)], ["XRANGE", key, "-", "+", "COUNT", "1"]], "count jobs")
        let length = Int(replies[0].int ?? 0)
        let pending = replies[1].errorCode == "NOGROUP" ? 0 : Int(replies[1].elements?.first?.int ?? 0)
        var oldest: Duration?
        if let id = replies[3].elements?.first?.elements?.first?.text, let millis = Int64(id.prefix { $0 != "-" }) {
            let age = Int64(Date().timeIntervalSince1970 * 1000) - millis
            oldest = .milliseconds(max(0, age))
        }
        return QueueCounts(waiting: max(0, length - pending), pending: pending, deadLettered: Int(replies[2].int ?? 0), oldestAge: oldest)
    }

    public func deadLetter(_ job: Job, reason: String) async throws {
        var commands: [[String]] = [["MULTI"]]
        commands.append([
            "XADD", deadLetterKey(job.kind), "MAXLEN", "~", String(Self.deadLetterCapacity), "*",
            "task_id", job.taskID, "kind", job.kind.rawValue, "reason", reason, "deliveries", String(job.deliveries),
            "entry_id", job.receipt ?? "",
        ])
        if let receipt = job.receipt {
            held[job.kind]?.remove(receipt)
            commands.append(["XACK", streamKey(job.kind), group, receipt])
            commands.append(["XDEL", streamKey(job.kind), receipt])
        }
        commands.append(["EXEC"])
        let replies = try await pipeline(commands, "dead-letter")
        for reply in replies { try check(reply, "dead-letter") }
        for reply in replies.last?.elements ?? [] { try check(reply, "dead-letter") }
        logger.warning(
            "job dead-lettered",
            metadata: ["task_id": "\(job.taskID)", "kind": "\(job.kind.rawValue)", "deliveries": "\(job.deliveries)"])
    }

    // MARK: Operations

    /// `"1"` while jobs of `kind` are not handed out.
    public nonisolated func pausedKey(_ kind: TaskKind) -> String { "\(keyPrefix)jobs:\(kind.rawValue):paused" }
    /// Jobs acknowledged per consumer.
    nonisolated var workersDoneKey: String { "\(keyPrefix)workers:done" }
    nonisolated func cancelKey(_ taskID: String) -> String { "\(keyPrefix)cancel:\(taskID)" }

    /// The consumed kinds that are not paused (one round trip).
    private func activeKinds() async throws -> [TaskKind] {
        let reply = try await send(["MGET"] + kinds.map(pausedKey), "paused kinds")
        try check(reply, "paused kinds")
        let flags = reply.elements ?? []
        return kinds.enumerated().filter { index, _ in index >= flags.count || flags[index].text == nil }.map(\.element)
    }

    public nonisolated func setPaused(_ paused: Bool, kind: TaskKind) async throws {
        let reply = try await send(paused ? ["SET", pausedKey(kind), "1"] : ["DEL", pausedKey(kind)], "pause")
        try check(reply, "pause")
    }

    public nonisolated func isPaused(kind: TaskKind) async throws -> Bool {
        let reply = try await send(["EXISTS", pausedKey(kind)], "pause")
        try check(reply, "pause")
        return reply.int == 1
    }

    public nonisolated func deadLetters(kind: TaskKind, limit: Int) async throws -> [DeadLetteredJob] {
        let reply = try await send(["XREVRANGE", deadLetterKey(kind), "+", "-", "COUNT", String(max(1, limit))], "dead letters")
        try check(reply, "dead letters")
        return StreamEntry.list(reply).map { Self.deadLettered($0, kind: kind) }
    }

    public nonisolated func removeDeadLetter(id: String, kind: TaskKind) async throws -> DeadLetteredJob? {
        // Stream ids only: anything else is no such entry (and never reaches Redis as a range).
        guard id.count <= 41, id.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") }) else { return nil }
        let replies = try await pipeline(
            [["MULTI"], ["XRANGE", deadLetterKey(kind), id, id], ["XDEL", deadLetterKey(kind), id], ["EXEC"]], "remove dead letter")
        for reply in replies { try check(reply, "remove dead letter") }
        guard let results = replies.last?.elements, results.count == 2 else { throw RedisError.unexpectedReply("EXEC") }
        return StreamEntry.list(results[0]).first.map { Self.deadLettered($0, kind: kind) }
    }

    private static func deadLettered(_ entry: StreamEntry, kind: TaskKind) -> DeadLetteredJob {
        let millis = Int64(entry.id.prefix { $0 != "-" }) ?? 0
        return DeadLetteredJob(
            id: entry.id, kind: kind, taskID: entry.fields["task_id"] ?? "", reason: entry.fields["reason"] ?? "",
            deliveries: Int(entry.fields["deliveries"] ?? "") ?? 0, at: Date(timeIntervalSince1970: Double(millis) / 1000))
    }

    public nonisolated func requestCancel(taskID: String, by actor: String) async throws {
        try check(try await send(["SET", cancelKey(taskID), actor, "EX", "86400"], "cancel"), "cancel")
    }

    public nonisolated func cancelRequests(taskIDs: [String]) async throws -> [String: String] {
        guard !taskIDs.isEmpty else { return [:] }
        let reply = try await send(["MGET"] + taskIDs.map(cancelKey), "cancel")
        try check(reply, "cancel")
        var found: [String: String] = [:]
        for (taskID, value) in zip(taskIDs, reply.elements ?? []) { found[taskID] = value.text }
        return found
    }

    public nonisolated func clearCancel(taskID: String) async throws {
        try check(try await send(["DEL", cancelKey(taskID)], "cancel"), "cancel")
    }

    /// The consumers of every kind's group (`XINFO CONSUMERS`: jobs pending, idle time) with the
    /// jobs each acknowledged.
    public nonisolated func workers() async throws -> [QueueWorker] {
        var commands = TaskKind.allCases.map { ["XINFO", "CONSUMERS", streamKey($0), group] }
        commands.append(["HGETALL", workersDoneKey])
        let replies = try await pipeline(commands, "workers")
        var found: [String: QueueWorker] = [:]
        let now = Date()
        for reply in replies.dropLast() where reply.errorCode == nil {
            for consumer in reply.elements ?? [] {
                var fields: [String: RedisReply] = [:]
                let flat = consumer.elements ?? []
                for index in stride(from: 0, to: flat.count - 1, by: 2) { fields[flat[index].text ?? ""] = flat[index + 1] }
                guard let name = fields["name"]?.text else { continue }
                let idle = Double(fields["idle"]?.int ?? 0) / 1000
                var worker = found[name] ?? QueueWorker(name: name, jobsInHand: 0, jobsDone: 0, lastSeen: nil)
                worker.jobsInHand += Int(fields["pending"]?.int ?? 0)
                let seen = now.addingTimeInterval(-idle)
                worker.lastSeen = max(worker.lastSeen ?? seen, seen)
                found[name] = worker
            }
        }
        let done = replies.last?.elements ?? []
        for index in stride(from: 0, to: done.count - 1, by: 2) {
            guard let name = done[index].text, var worker = found[name] else { continue }
            worker.jobsDone = Int(done[index + 1].text ?? "") ?? 0
            found[name] = worker
        }
        return found.values.sorted { $0.name < $1.name }
    }

    // MARK: Administration

    /// Creates the consumer group of each consumed kind (and its stream) if missing; a group
    /// created now starts at the beginning of its stream, so jobs enqueued before are delivered.
    public func createGroups() async throws {
        for kind in kinds {
            let reply = try await send(["XGROUP", "CREATE", streamKey(kind), group, "0", "MKSTREAM"], "create group")
            if reply.errorCode != "BUSYGROUP" { try check(reply, "create group") }
        }
        groupsReady = true
    }

    /// Stops renewing the leases of jobs this queue has handed out: unacknowledged ones go to
    /// another consumer after `lease` (as if this process had died). Further calls to `next()`
    /// start renewing again.
    public func stopRenewingLeases() {
        keeper?.cancel()
        keeper = nil
    }

    /// Jobs of `kind` enqueued and not yet handed to any consumer (acknowledged entries are
    /// deleted, so this is the stream's length less what is pending).
    public nonisolated func backlog(_ kind: TaskKind) async throws -> Int {
        let replies = try await pipeline([["XLEN", streamKey(kind)], ["XPENDING", streamKey(kind), group]], "backlog")
        try check(replies[0], "backlog")
        let pending = replies[1].elements?.first?.int ?? 0
        return max(0, Int(replies[0].int ?? 0) - Int(pending))
    }

    /// Jobs of `kind` handed to a consumer and not acknowledged yet.
    public nonisolated func pending(_ kind: TaskKind) async throws -> Int {
        let reply = try await send(["XPENDING", streamKey(kind), group], "pending")
        if reply.errorCode == "NOGROUP" { return 0 }
        try check(reply, "pending")
        return Int(reply.elements?.first?.int ?? 0)
    }

    /// Removes from the group the consumers other than this one that hold nothing and have been
    /// idle longer than `idle` (processes long gone: each process has a consumer name of its
    /// own). Atomic, so a consumer that just got a job stays. Returns how many went. Also done
    /// every ten minutes by `next()` for consumers idle an hour.
    @discardableResult
    public nonisolated func forgetIdleConsumers(idleFor idle: Duration) async throws -> Int {
        var removed = 0
        for kind in kinds {
            let reply = try await send(
                ["EVAL", Self.pruneScript, "1", streamKey(kind), group, consumer, String(idle.milliseconds(minimum: 0))], "forget consumers")
            if reply.errorCode == "NOGROUP" { continue }
            try check(reply, "forget consumers")
            removed += Int(reply.int ?? 0)
        }
        return removed
    }

    // MARK: Delivery

    /// Buffers what `XREADGROUP` handed this consumer (one entry per stream at most).
    private func accept(_ streams: [(key: String, entries: [StreamEntry])]) async {
        for (key, entries) in streams {
            guard let kind = kinds.first(where: { streamKey($0) == key }) else { continue }
            for entry in entries {
                guard let job = await job(from: entry, kind: kind, deliveries: 1) else { continue }
                held[kind, default: []].insert(entry.id)
                buffered.append(job)
            }
        }
        buffered.sort { StreamEntry.precedes($0.receipt ?? "", $1.receipt ?? "") }
    }

    /// Keeps delivery in order across kinds: before handing out a buffered job, fetches (without
    /// waiting) the oldest new entry of each kind that has none buffered, so the oldest of all
    /// goes first. A failure here only costs order, so it is not reported.
    private func topUpBuffer(_ active: [TaskKind]) async {
        let missing = active.filter { kind in !buffered.contains { $0.kind == kind } }
        guard !missing.isEmpty else { return }
        let command = ["XREADGROUP", "GROUP", group, consumer, "COUNT", "1", "STREAMS"] + missing.map(streamKey) + missing.map { _ in ">" }
        guard let reply = try? await client.send(command), reply.errorCode == nil else { return }
        await accept(StreamEntry.streams(reply))
    }

    /// Takes over one entry of the `active` kinds that has been pending longer than the lease, if any.
    private func claimAbandoned(of active: [TaskKind]) async throws -> Job? {
        for kind in active {
            let key = streamKey(kind)
            var cursor = claimCursors[kind] ?? "0-0"
            // `XAUTOCLAIM` scans at most 10 × COUNT pending entries per call.
            for _ in 0..<10 {
                let reply = try await send(
                    ["XAUTOCLAIM", key, group, consumer, String(lease.milliseconds()), cursor, "COUNT", "1"], "claim")
                if reply.errorCode == "NOGROUP" {
                    groupMissing()
                    return nil
                }
                try check(reply, "claim")
                guard let parts = reply.elements, parts.count >= 2, let next = parts[0].text else {
                    throw RedisError.unexpectedReply("XAUTOCLAIM")
                }
                cursor = next
                for entry in StreamEntry.list(parts[1]) {
                    // Ours and still being worked on (a renewal came late): not abandoned.
                    if held[kind]?.contains(entry.id) == true { continue }
                    let deliveries = try await deliveryCount(key: key, id: entry.id)
                    guard let job = await job(from: entry, kind: kind, deliveries: deliveries) else { continue }
                    held[kind, default: []].insert(entry.id)
                    claimCursors[kind] = cursor
                    logger.info(
                        "took over an abandoned job",
                        metadata: ["task_id": "\(job.taskID)", "kind": "\(kind.rawValue)", "deliveries": "\(deliveries)"])
                    return job
                }
                if cursor == "0-0" { break }
            }
            claimCursors[kind] = cursor
        }
        return nil
    }

    /// The stream or the group went away (a server restart without persistence, or someone
    /// deleted the key): they are created again before the next read.
    private func groupMissing() {
        logger.warning("job stream or consumer group missing, creating it again")
        groupsReady = false
    }

    private func deliveryCount(key: String, id: String) async throws -> Int {
        let reply = try await send(["XPENDING", key, group, id, id, "1"], "pending")
        try check(reply, "pending")
        guard let first = reply.elements?.first?.elements, first.count >= 4, let count = first[3].int else { return 1 }
        return Int(count)
    }

    /// The job an entry stands for; an entry without a task id cannot be run and is settled.
    private func job(from entry: StreamEntry, kind: TaskKind, deliveries: Int) async -> Job? {
        if let taskID = entry.fields["task_id"], !taskID.isEmpty {
            let trace = entry.fields.filter { Job.traceFields.contains($0.key) }
            return Job(taskID: taskID, kind: kind, deliveries: deliveries, receipt: entry.id, trace: trace)
        }
        logger.error("dropping a malformed job entry", metadata: ["entry_id": "\(entry.id)", "kind": "\(kind.rawValue)"])
        _ = try? await client.pipeline([["XACK", streamKey(kind), group, entry.id], ["XDEL", streamKey(kind), entry.id]])
        return nil
    }

    // MARK: Leases

    private func startKeeper() {
        guard keeper == nil else { return }
        let interval = lease / 3
        // Detached and weak: the keeper must not keep the queue alive (its `deinit` stops it).
        keeper = Task.detached { [weak self] in
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                guard let self else { return }
                await self.renewLeases()
            }
        }
    }

    /// Resets the idle time of every entry this consumer holds, atomically skipping any that
    /// another consumer took over meanwhile (that one is no longer ours to renew).
    private func renewLeases() async {
        for (kind, ids) in held where !ids.isEmpty {
            do {
                let reply = try await client.send(
                    ["EVAL", Self.renewScript, "1", streamKey(kind), group, consumer] + ids.sorted())
                try check(reply, "renew")
                let kept = Set((reply.elements ?? []).compactMap(\.text))
                // Entries acknowledged while the renewal ran are gone from the group, not lost.
                let lost = ids.subtracting(kept).intersection(held[kind] ?? [])
                guard !lost.isEmpty else { continue }
                held[kind]?.subtract(lost)
                logger.warning("lost the lease of jobs", metadata: ["kind": "\(kind.rawValue)", "entries": "\(lost.sorted())"])
            } catch {
                logger.warning("cannot renew job leases", metadata: ["error": "\(error)"])
            }
        }
    }

    /// KEYS[1] stream; ARGV group, consumer, ids…: `XCLAIM … JUSTID` (which neither counts a
    /// delivery nor returns the entry) for each id still pending to this consumer.
    private static let renewScript = """
        local kept = {}
        for i = 3, #ARGV do
          local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
          if pending[1] and pending[1][2] == ARGV[2] then
            redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
            kept[#kept + 1] = ARGV[i]
          end
        end
        return kept
        """

    /// So the group does not collect one consumer per process ever started.
    private func pruneConsumers() async throws {
        guard ContinuousClock.now >= nextPrune else { return }
        nextPrune = .now + Self.forgetConsumersAfter / 6
        let removed = try await forgetIdleConsumers(idleFor: Self.forgetConsumersAfter)
        if removed > 0 { logger.info("removed idle consumers from the group", metadata: ["consumers": "\(removed)"]) }
    }

    /// KEYS[1] stream; ARGV group, this consumer, idle milliseconds.
    private static let pruneScript = """
        local removed = 0
        for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
          local info = {}
          for i = 1, #consumer, 2 do info[consumer[i]] = consumer[i + 1] end
          if info['name'] ~= ARGV[2] and info['pending'] == 0 and info['idle'] > tonumber(ARGV[3]) then
            redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
            removed = removed + 1
          end
        end
        return removed
        """

    // MARK: Helpers

    private nonisolated func send(_ command: [String], _ what: String) async throws -> RedisReply {
        try await pipeline([command], what)[0]
    }

    /// Connection failures become SERVICE_UNAVAILABLE for callers (the job queue is down).
    private nonisolated func pipeline(_ commands: [[String]], _ what: String) async throws -> [RedisReply] {
        do {
            return try await client.pipeline(commands)
        } catch let error as RedisError {
            logger.warning("job queue unavailable", metadata: ["operation": "\(what)", "error": "\(error)"])
            throw CoachError.unavailable("job queue unavailable")
        }
    }

    /// An error reply becomes INTERNAL_SERVER_ERROR for callers (logged with Redis's message).
    private nonisolated func check(_ reply: RedisReply, _ what: String) throws {
        guard case .error(let message) = reply else { return }
        logger.error("job queue command failed", metadata: ["operation": "\(what)", "error": "\(message)"])
        throw CoachError.internal("job queue error")
    }

    static func backoff(_ failures: Int) -> Duration {
        let base = Duration.milliseconds(100) * (1 << min(failures - 1, 5))
        return min(base, .seconds(3)) * Double.random(in: 0.75...1.25)
    }

    private static func defaultConsumerName() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(suffix)"
    }
}
