import CoachCore
import CoachWire
import CoachProtos
import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import Metrics
import ServiceLifecycle
import Synchronization

extension HTTPField.Name {
    static let lastEventID = Self("Last-Event-ID")!
    static let accelBuffering = Self("X-Accel-Buffering")!
}

extension HTTPFields {
    /// The head of a Server-Sent Events response: never cached, never buffered by a proxy.
    static var eventStream: HTTPFields {
        var headers: HTTPFields = [:]
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        headers[.accelBuffering] = "no"
        return headers
    }
}

/// `/api/v1/{interview|learning}/tasks/{task_id}/progress|stream` over TaskService.
struct TaskRoutes<Transport: ClientTransport> {
    let kind: TaskKind
    let client: Interviewcoach_V1_TaskService.Client<Transport>
    /// Comment line sent while nothing else happens, so proxies keep the stream open.
    let heartbeat: Duration
    /// One upstream WatchTask per task, shared by this edge's SSE clients.
    let hub: TaskStreamHub<Transport>
    /// The open SSE streams of this edge (every kind), capped at `maxStreams`.
    let streams: StreamCount
    let maxStreams: Int
    /// A stream ends after this long; the browser reconnects with `Last-Event-ID`.
    let lifetime: Duration

    init(kind: TaskKind, client: Interviewcoach_V1_TaskService.Client<Transport>, settings: EdgeSettings, streams: StreamCount) {
        self.kind = kind
        self.client = client
        self.heartbeat = settings.heartbeat
        self.maxStreams = settings.maxStreams
        self.lifetime = settings.streamLifetime
        self.streams = streams
        self.hub = TaskStreamHub(client: client, kind: kind)
    }

    func register(on table: inout RouteTable) {
        let id = EdgeRoute.Parameter(name: "task_id", location: "path", schema: ParameterSchema.identifier, description: "Task id", required: true)
        table.add(
            EdgeRoute(
                method: .get, path: "/api/v1/\(kind.rawValue)/tasks/{task_id}/progress", tag: kind.rawValue,
                summary: "The task's progress record", parameters: [id],
                responses: [200: ("Progress record", "Progress"), 404: ("Unknown task", "Error")]),
            progress)
        table.add(
            EdgeRoute(
                method: .get, path: "/api/v1/\(kind.rawValue)/tasks/{task_id}/stream", tag: kind.rawValue,
                summary: "Server-Sent Events: progress, then completed or error, then close",
                parameters: [
                    id,
                    .init(
                        name: "Last-Event-ID", location: "header", schema: ParameterSchema.text,
                        description: "Resume after this event id (a value that is not a whole number is ignored)", required: false),
                ],
                responses: [
                    200: ("Event stream", "Progress"), 204: ("Nothing left to send", nil), 404: ("Unknown task", "Error"),
                    503: ("Too many streams open on this edge (Retry-After)", "Error"),
                ],
                responseMediaType: "text/event-stream"),
            stream)
    }

    @Sendable func progress(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        .json(ProgressBody(task: try await task(context)))
    }

    @Sendable func stream(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        // Decide the status before the first byte: unknown task → 404, nothing left → 204.
        let current = try await task(context)
        let after = request.headers[.lastEventID].flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }.map { max(0, $0) } ?? 0
        if current.state.isTerminal && after >= current.sequence {
            return Response(status: .noContent)
        }
        // The place is taken here, in one step with the check, so streams opened at once cannot
        // pass the cap; the body gives it back when the stream ends, and a body that never runs
        // (the response dropped unsent) gives it back as it goes.
        guard let place = streams.reserve(max: maxStreams) else {
            var headers: HTTPFields = [:]
            headers[.retryAfter] = "5"
            return .error(CoachError.unavailable("too many event streams open; retry shortly"), requestID: context.requestID, headers: headers)
        }
        let lifetime = self.lifetime
        let taskID = current.taskID
        let hub = self.hub
        let heartbeat = self.heartbeat
        let metadata = context.rpcMetadata
        return Response(
            status: .ok, headers: .eventStream,
            body: ResponseBody { writer in
                defer { place.release() }
                let (frames, output) = AsyncStream<ByteBuffer>.makeStream()
                try await withGracefulShutdownHandler {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            defer { output.finish() }
                            for await frame in await hub.subscribe(taskID: taskID, after: after, metadata: metadata) {
                                output.yield(frame)
                            }
                        }
                        group.addTask {
                            while true {
                                try await Task.sleep(for: heartbeat)
                                output.yield(ByteBuffer(string: ": ping\n\n"))
                            }
                        }
                        group.addTask {
                            // A stream is not held for ever: the client resumes where it was.
                            try await Task.sleep(for: lifetime)
                            output.finish()
                        }
                        try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
                        // A write fails once the client has gone; that ends the loop and the call.
                        for await frame in frames {
                            try await writer.write(frame)
                        }
                        group.cancelAll()
                    }
                } onGracefulShutdown: {
                    output.finish()
                }
                try await writer.finish(nil)
            })
    }

    private func task(_ context: EdgeRequestContext) async throws -> TaskView {
        var message = Interviewcoach_V1_GetTaskRequest()
        message.taskID = try context.pathParameter("task_id")
        message.kind = kind.proto
        return TaskView(proto: try await client.getTask(message, metadata: context.rpcMetadata))
    }
}

/// One Server-Sent Event frame built from a task event.
struct SSEEvent {
    var frame: String
    var isTerminal: Bool

    init(_ message: Interviewcoach_V1_TaskEvent) {
        let task = TaskView(proto: message.task)
        let data = (try? JSONEncoder.coach.encode(ProgressBody(task: task))).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let type = ["progress", "completed", "error"].contains(message.eventType) ? message.eventType : "progress"
        frame = "id: \(message.sequence)\nevent: \(type)\ndata: \(data)\n\n"
        isTerminal = type != "progress"
    }

    static var close: String {
        "event: close\ndata: {\"message\":\"Stream completed\",\"timestamp\":\"\(Date().rfc3339)\"}\n\n"
    }

    static func upstreamFailure(_ error: CoachError) -> String {
        let body: [String: JSONValue] = [
            "error": .object(["code": .string(error.code.rawValue), "message": .string(error.message)]),
            "timestamp": .string(Date().rfc3339),
        ]
        let data = (try? JSONEncoder.coach.encode(body)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "event: error\ndata: \(data)\n\n" + close
    }
}

/// How many long-lived streams an edge has open (SSE: shared by its task routes; the live
/// practice sockets), also reported as `coach_edge_streams_open{stream}`.
final class StreamCount: Sendable {
    private let count = Mutex(0)
    private let gauge: Meter

    init(stream: String) {
        gauge = Meter(label: "coach_edge_streams_open", dimensions: [("stream", stream)])
    }

    /// A place for a stream unless `max` are open already, taken in one step with the check (two
    /// requests or upgrades at once cannot both take the last place); nil when there is none.
    func reserve(max: Int) -> Place? {
        tryEnter(max: max) ? Place(self) : nil
    }

    private func tryEnter(max: Int) -> Bool {
        let entered = count.withLock { count in
            guard count < max else { return false }
            count += 1
            return true
        }
        if entered { gauge.increment() }
        return entered
    }

    private func leave() {
        count.withLock { $0 -= 1 }
        gauge.decrement()
    }

    /// One stream's place, given back once: by `release`, or when the place is freed unreleased
    /// (a response body that never ran).
    final class Place: Sendable {
        private let count: StreamCount
        private let released = Atomic(false)

        fileprivate init(_ count: StreamCount) { self.count = count }

        func release() {
            if !released.exchange(true, ordering: .acquiringAndReleasing) { count.leave() }
        }

        deinit { release() }
    }
}
