import CoachCore
import CoachJobs
import Foundation
import Logging

/// Task progress events on Redis: one stream per task, `<prefix>task:<id>:events`, each entry
/// with the event's `sequence`, `type` and the event as JSON (`TaskEventPayload`) in `event`.
///
/// - `publish` is `XADD … MAXLEN ~ <capacity>` plus an expiry: `retention` once the task's
///   terminal event is in, `unfinishedRetention` before (so streams of tasks that never finish
///   go too).
/// - `events(taskID:after:)` replays the stream (`XRANGE`, events with a sequence above
///   `after`), then follows it live with `XREAD … BLOCK` on a connection of its own, and
///   finishes after the terminal event. Cancelling the consumer (or dropping the stream)
///   interrupts the read at once. A live reader rides out short Redis outages, continuing after
///   the last entry it saw; after `maxReconnects` failures in a row the stream finishes with
///   SERVICE_UNAVAILABLE.
public struct RedisProgressBus: ProgressBus {
    /// Commands go through this client (it may be shared with a job queue).
    public let client: RedisClient
    private let keyPrefix: String
    private let capacity: Int
    private let retention: Duration
    private let unfinishedRetention: Duration
    private let block: Duration
    private let maxReconnects: Int
    private let logger: Logger

    /// - Parameters:
    ///   - keyPrefix: prepended to every key (`coach:` in production; tests use their own).
    ///   - capacity: events kept per task, approximately (older ones are trimmed).
    ///   - retention: how long a task's events stay after its terminal event.
    ///   - unfinishedRetention: how long the events of a task that never finishes stay.
    ///   - block: how long one live read waits in the server before it is issued again.
    public init(
        client: RedisClient, keyPrefix: String = "coach:", capacity: Int = 500, retention: Duration = .seconds(3600),
        unfinishedRetention: Duration = .seconds(86_400), block: Duration = .seconds(5), maxReconnects: Int = 8,
        logger: Logger = Logger(label: "coach.redis.progress")
    ) {
        self.client = client
        self.keyPrefix = keyPrefix
        self.capacity = max(1, capacity)
        self.retention = retention
        self.unfinishedRetention = unfinishedRetention
        self.block = max(block, .milliseconds(10))
        self.maxReconnects = maxReconnects
        self.logger = logger
    }

    /// Connects to `url` (`redis://[:password@]host:port[/db]`) and checks the server with
    /// `PING`, so it throws when Redis cannot be reached. See `init` for the parameters.
    public static func connect(
        url: String, keyPrefix: String = "coach:", retention: Duration = .seconds(3600),
        logger: Logger = Logger(label: "coach.redis.progress")
    ) async throws -> RedisProgressBus {
        let client = try RedisClient(url: url, logger: logger)
        try await client.ping()
        return RedisProgressBus(client: client, keyPrefix: keyPrefix, retention: retention, logger: logger)
    }

    /// The stream holding the events of `taskID`.
    public func streamKey(taskID: String) -> String { "\(keyPrefix)task:\(taskID):events" }

    public func publish(_ event: TaskEvent) async throws {
        let key = streamKey(taskID: event.task.taskID)
        let json: String
        do {
            json = try TaskEventPayload.encode(event)
        } catch {
            throw CoachError.internal("cannot encode a progress event")
        }
        let expiry: [String] =
            event.isTerminal
            ? ["EXPIRE", key, String(retention.wholeSecondsRoundedUp)]
            // Only if no expiry is set yet: a late duplicate must not extend a finished task's.
            : ["EXPIRE", key, String(unfinishedRetention.wholeSecondsRoundedUp), "NX"]
        let replies: [RedisReply]
        do {
            replies = try await client.pipeline([
                [
                    "XADD", key, "MAXLEN", "~", String(capacity), "*",
                    "sequence", String(event.sequence), "type", event.type.rawValue, "event", json,
                ],
                expiry,
            ])
        } catch {
            logger.warning("progress bus unavailable", metadata: ["task_id": "\(event.task.taskID)", "error": "\(error)"])
            throw CoachError.unavailable("progress bus unavailable")
        }
        for case .error(let message) in replies {
            logger.error("cannot publish a progress event", metadata: ["task_id": "\(event.task.taskID)", "error": "\(message)"])
            throw CoachError.internal("progress bus error")
        }
    }

    public func events(taskID: String, after: Int64) async throws -> AsyncThrowingStream<TaskEvent, any Error> {
        let key = streamKey(taskID: taskID)
        let (stream, continuation) = AsyncThrowingStream<TaskEvent, any Error>.makeStream()
        let replay: RedisReply
        do {
            replay = try await client.send(["XRANGE", key, "-", "+"])
        } catch {
            logger.warning("progress bus unavailable", metadata: ["task_id": "\(taskID)", "error": "\(error)"])
            throw CoachError.unavailable("progress bus unavailable")
        }
        if case .error(let message) = replay {
            logger.error("cannot replay progress events", metadata: ["task_id": "\(taskID)", "error": "\(message)"])
            throw CoachError.internal("progress bus error")
        }
        var position = Position(lastID: "0-0", lastSequence: after)
        if position.deliver(StreamEntry.list(replay), to: continuation, logger: logger) { return stream }

        let reader = Task { [self, position] in
            await follow(key: key, from: position, into: continuation)
        }
        continuation.onTermination = { _ in reader.cancel() }
        return stream
    }

    /// Reads the stream live from `position` until the terminal event, a cancellation, or too
    /// many failures in a row.
    private func follow(key: String, from start: Position, into continuation: AsyncThrowingStream<TaskEvent, any Error>.Continuation) async {
        var position = start
        var failures = 0
        while !Task.isCancelled {
            do {
                let reply = try await client.blockingSend(
                    ["XREAD", "COUNT", "100", "BLOCK", String(block.milliseconds()), "STREAMS", key, position.lastID], block: block)
                if case .error(let message) = reply { throw RedisError.server(message) }
                failures = 0
                for (_, entries) in StreamEntry.streams(reply) where position.deliver(entries, to: continuation, logger: logger) {
                    return
                }
            } catch is CancellationError {
                break
            } catch {
                failures += 1
                if failures > maxReconnects {
                    logger.warning("giving up following progress events", metadata: ["key": "\(key)", "error": "\(error)"])
                    continuation.finish(throwing: CoachError.unavailable("progress bus unavailable"))
                    return
                }
                logger.debug("progress reader failed, retrying", metadata: ["key": "\(key)", "error": "\(error)"])
                do { try await Task.sleep(for: RedisJobQueue.backoff(failures)) } catch { break }
            }
        }
        continuation.finish()
    }

    /// How far a reader got: the last entry seen and the last sequence delivered.
    private struct Position: Sendable {
        var lastID: String
        var lastSequence: Int64

        /// Yields the entries' events with a sequence above what was delivered; true (and the
        /// stream finished) once the terminal event went out.
        mutating func deliver(
            _ entries: [StreamEntry], to continuation: AsyncThrowingStream<TaskEvent, any Error>.Continuation, logger: Logger
        ) -> Bool {
            for entry in entries {
                lastID = entry.id
                // The sequence field filters without decoding what the reader does not need.
                guard let sequence = entry.fields["sequence"].flatMap({ Int64($0) }), sequence > lastSequence else { continue }
                let event: TaskEvent
                do {
                    event = try TaskEventPayload.decode(entry.fields["event"] ?? "")
                } catch {
                    logger.error("skipping an unreadable progress event", metadata: ["entry_id": "\(entry.id)"])
                    continue
                }
                lastSequence = sequence
                continuation.yield(event)
                if event.isTerminal {
                    continuation.finish()
                    return true
                }
            }
            return false
        }
    }
}
