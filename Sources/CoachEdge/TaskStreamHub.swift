import CoachCore
import CoachWire
import CoachProtos
import Foundation
import GRPCCore
import Logging
import NIOCore
import Synchronization

/// Shares one upstream `WatchTask` call per task among every SSE client of that task on this
/// edge, and encodes each event once.
///
/// With a call per browser, 10,000 browsers on a few tasks meant 10,000 server streams in the
/// services and 10,000 JSON encodings of every event here (bench/README.md, SSE fan-out). Now
/// the services see one call per task and edge, and a browser costs a socket write per event.
/// The frames of a task are kept while anyone watches it, so a client that joins late (or
/// reconnects with `Last-Event-ID`) gets the same replay a call of its own would have given.
actor TaskStreamHub<Transport: ClientTransport> {
    typealias Client = Interviewcoach_V1_TaskService.Client<Transport>

    /// One SSE frame and the event sequence it carries (0 for frames without one).
    struct Frame: Sendable {
        var sequence: Int64
        var bytes: ByteBuffer
    }

    private struct Subscriber {
        var after: Int64
        var continuation: AsyncStream<ByteBuffer>.Continuation
    }

    private struct Entry {
        /// Tells this following of the task from an earlier one that is still winding down.
        var epoch: UInt64
        var frames: [Frame] = []
        var subscribers: [UInt64: Subscriber] = [:]
        var pump: Task<Void, Never>?
    }

    private let client: Client
    private let kind: TaskKind
    private let logger: Logger
    private var entries: [String: Entry] = [:]
    private var nextID: UInt64 = 0

    init(client: Client, kind: TaskKind, logger: Logger = Logger(label: "interview-coach.edge.tasks")) {
        self.client = client
        self.kind = kind
        self.logger = logger
    }

    /// The task's SSE frames after sequence `after` (replayed, then live), ending after `close`
    /// or an in-band error. Ending the iteration (the browser left) unsubscribes. The upstream
    /// call, when this starts one, carries this request's metadata (its request id).
    func subscribe(taskID: String, after: Int64, metadata: Metadata) -> AsyncStream<ByteBuffer> {
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
        nextID += 1
        let id = nextID
        var entry = entries[taskID] ?? Entry(epoch: id)
        for frame in entry.frames where frame.sequence > after {
            continuation.yield(frame.bytes)
        }
        entry.subscribers[id] = Subscriber(after: after, continuation: continuation)
        if entry.pump == nil {
            let epoch = entry.epoch
            entry.pump = Task { [client, kind, logger] in
                await Self.follow(
                    taskID: taskID, epoch: epoch, kind: kind, client: client, metadata: metadata, logger: logger, hub: self)
            }
        }
        entries[taskID] = entry
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            Task { await self.unsubscribe(taskID: taskID, id: id) }
        }
        return stream
    }

    /// Upstream calls open now (one per watched task).
    var watchedTasks: Int { entries.count }

    private func unsubscribe(taskID: String, id: UInt64) {
        guard var entry = entries[taskID], entry.subscribers.removeValue(forKey: id) != nil else { return }
        if entry.subscribers.isEmpty {
            // Nobody watches any more: stop following (a new client starts afresh).
            entry.pump?.cancel()
            entries[taskID] = nil
        } else {
            entries[taskID] = entry
        }
    }

    private func deliver(taskID: String, epoch: UInt64, _ frame: Frame) {
        guard var entry = entries[taskID], entry.epoch == epoch else { return }
        entry.frames.append(frame)
        for subscriber in entry.subscribers.values where frame.sequence > subscriber.after {
            subscriber.continuation.yield(frame.bytes)
        }
        entries[taskID] = entry
    }

    /// Sends the last frame (if any) to everyone and forgets the task.
    private func finish(taskID: String, epoch: UInt64, last: String?) {
        guard let entry = entries[taskID], entry.epoch == epoch else { return }
        entries[taskID] = nil
        let bytes = last.map { ByteBuffer(string: $0) }
        for subscriber in entry.subscribers.values {
            if let bytes { subscriber.continuation.yield(bytes) }
            subscriber.continuation.finish()
        }
    }

    /// Attempts to follow a task again after its WatchTask call was dropped with UNAVAILABLE.
    static var resumeAttempts: Int { 5 }

    /// Follows the task upstream from its first event to its terminal one.
    ///
    /// Each call is read to its end, never abandoned after the terminal event: an abandoned call
    /// is reset (RST_STREAM), and a burst of resets trips HTTP/2's reset flood protection, which
    /// closes the connection every other stream shares. A call dropped with UNAVAILABLE (that, or
    /// a restart of the services) is resumed after the last event, so browsers see no gap.
    private static func follow(
        taskID: String, epoch: UInt64, kind: TaskKind, client: Client, metadata: Metadata, logger: Logger,
        hub: TaskStreamHub
    ) async {
        var request = Interviewcoach_V1_WatchTaskRequest()
        request.taskID = taskID
        request.kind = kind.proto
        let cursor = StreamCursor(after: 0)
        var attempt = 0
        while !Task.isCancelled {
            request.afterSequence = cursor.after
            do {
                try await client.watchTask(request, metadata: metadata, options: .defaults) { response in
                    for try await message in response.messages where !cursor.finished {
                        let event = SSEEvent(message)
                        await hub.deliver(taskID: taskID, epoch: epoch, Frame(sequence: message.sequence, bytes: ByteBuffer(string: event.frame)))
                        cursor.relayed(message.sequence, terminal: event.isTerminal)
                    }
                }
                // Without a terminal event the services are shutting down: end like the call did.
                await hub.finish(taskID: taskID, epoch: epoch, last: cursor.finished ? SSEEvent.close : nil)
                return
            } catch let error as RPCError where error.code == .unavailable && !cursor.finished && attempt < resumeAttempts {
                attempt += 1
                logger.info("task stream dropped by upstream; resuming", metadata: ["attempt": "\(attempt)"])
                try? await Task.sleep(for: .milliseconds(100 * (1 << attempt)))
            } catch let error as RPCError {
                if !cursor.finished {
                    // The streams already answered 200: report the failure in-band.
                    logger.warning("task stream ended by upstream", metadata: ["grpc_code": "\(error.code)"])
                }
                let last = cursor.finished ? SSEEvent.close : SSEEvent.upstreamFailure(CoachError(rpcError: error))
                await hub.finish(taskID: taskID, epoch: epoch, last: last)
                return
            } catch {
                return  // cancelled: the last watcher has gone
            }
        }
    }
}

/// Where a relayed task stream stands: the last event sent and whether it was the terminal one.
final class StreamCursor: Sendable {
    private let state: Mutex<(after: Int64, finished: Bool)>

    init(after: Int64) { state = Mutex((after, false)) }

    var after: Int64 { state.withLock { $0.after } }
    var finished: Bool { state.withLock { $0.finished } }

    func relayed(_ sequence: Int64, terminal: Bool) {
        state.withLock { $0 = (max($0.after, sequence), $0.finished || terminal) }
    }
}
