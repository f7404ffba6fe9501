import CoachCore
import CoachProtos
import CoachWire
import Foundation
import GRPCCore
import Hummingbird
import ServiceLifecycle
import SwiftProtobuf

/// `/api/v1/operations/...`: the operations dashboard's API over `OperationsService` (admin
/// scope; the service checks it). Lists and the overview go to the interview service (the task
/// store is shared); actions on a task, a dead letter or a queue go to the service of its kind.
struct OperationsRoutes<Transport: ClientTransport> {
    let clients: [TaskKind: Interviewcoach_V1_OperationsService.Client<Transport>]
    /// How often the overview stream sends a fresh overview, and how long one stream lasts.
    let interval: Duration
    let lifetime: Duration

    private var main: Interviewcoach_V1_OperationsService.Client<Transport> { clients[.interview] ?? clients.values.first! }

    /// The overview windows clients may ask for.
    static var windows: [String: Int32] { ["1h": 3600, "24h": 86_400, "7d": 604_800] }

    func register(on table: inout RouteTable) {
        let denied: [Int: (String, String?)] = [401: ("No valid key", "Error"), 403: ("The key lacks the admin scope", "Error")]
        let kind = EdgeRoute.Parameter(
            name: "kind", location: "path", schema: .object(["type": "string", "enum": ["interview", "learning"]]),
            description: "interview or learning", required: true)
        let taskID = EdgeRoute.Parameter(
            name: "task_id", location: "path", schema: ParameterSchema.identifier, description: "The task's id", required: true)
        let deadLetterID = EdgeRoute.Parameter(
            name: "id", location: "path", schema: .object(["type": "string", "pattern": "^[0-9]{1,20}(-[0-9]{1,20})?$"]),
            description: "The dead letter's id", required: true)
        let window = EdgeRoute.Parameter(
            name: "window", location: "query", schema: .object(["type": "string", "enum": ["1h", "24h", "7d"]]),
            description: "How far back: 1h (default), 24h or 7d", required: false)
        table.add(
            EdgeRoute(
                method: .get, path: "/api/v1/operations/overview", tag: "operations",
                summary: "Tasks by state, failures, stage times, queues, providers and workers over a window", parameters: [window],
                responses: denied.merging([200: ("The overview", "Overview"), 422: ("Bad window", "Error")]) { $1 }),
            overview)
        table.add(
            EdgeRoute(
                method: .get, path: "/api/v1/operations/overview/stream", tag: "operations",
                summary: "The overview as Server-Sent Events (`event: overview`), a fresh one every 2 seconds", parameters: [window],
                responses: denied.merging([200: ("Event stream: `overview` events, `error` when a refresh fails", "OverviewEvent"), 422: ("Bad window", "Error")]) { $1 },
                responseMediaType: "text/event-stream"),
            overviewStream)
        let many = { (name: String, values: [String], description: String) in
            EdgeRoute.Parameter(
                name: name, location: "query",
                schema: .object(["type": "array", "items": .object(["type": "string", "enum": .array(values.map(JSONValue.string))])]),
                description: description, required: false)
        }
        let text = { (name: String, description: String) in
            EdgeRoute.Parameter(
                name: name, location: "query", schema: .object(["type": "string", "maxLength": 200, "not": ParameterSchema.noControls]),
                description: description, required: false)
        }
        let time = { (name: String, description: String) in
            EdgeRoute.Parameter(name: name, location: "query", schema: .object(["type": "string", "format": "date-time"]), description: description, required: false)
        }
        table.add(
            EdgeRoute(
                method: .get, path: "/api/v1/operations/tasks", tag: "operations",
                summary: "Every tenant's tasks from the task store, newest first; every filter given must hold",
                parameters: [
                    many("state", TaskState.allCases.map(\.rawValue), "Any of these states (repeat the parameter)"),
                    many("kind", TaskKind.allCases.map(\.rawValue), "Any of these kinds"),
                    .init(name: "tenant", location: "query", schema: ParameterSchema.tenant, description: "Only this tenant's", required: false),
                    text("unique_key", "Only tasks of this resume"), text("provider", "Some attempt went to this provider"),
                    text("error_code", "Failed with this error code"), time("created_after", "Created at or after (RFC 3339)"),
                    time("created_before", "Created before (RFC 3339)"),
                    .init(name: "page_size", location: "query", schema: ParameterSchema.pageSize, description: "1-100, default 20", required: false),
                    .init(
                        name: "page_token", location: "query", schema: ParameterSchema.pageCursor, description: "`next_page_token` of the previous page",
                        required: false),
                ],
                responses: denied.merging([200: ("A page of tasks", "OperationsTaskList"), 422: ("Bad filter", "Error")]) { $1 }),
            list)
        table.add(
            EdgeRoute(
                method: .get, path: "/api/v1/operations/tasks/{kind}/{task_id}", tag: "operations",
                summary: "A task with its timeline and every provider attempt", parameters: [kind, taskID],
                responses: denied.merging([200: ("The task", "TaskDetail"), 404: ("No such task", "Error")]) { $1 }),
            detail)
        table.add(
            EdgeRoute(
                method: .post, path: "/api/v1/operations/tasks/{kind}/{task_id}/retry", tag: "operations",
                summary: "Run a FAILURE or CANCELLED task again, optionally preferring another provider", parameters: [kind, taskID],
                requestSchema: "RetryTask", requestRequired: false,
                responses: denied.merging([
                    200: ("The task, PENDING again", "TaskDetail"), 404: ("No such task", "Error"), 409: ("The task is not finished or succeeded", "Error"),
                    422: ("Unknown provider or bad body", "Error"),
                ]) { $1 }),
            retry)
        table.add(
            EdgeRoute(
                method: .post, path: "/api/v1/operations/tasks/{kind}/{task_id}/cancel", tag: "operations",
                summary: "Cancel a task: a PENDING one at once, a running one within a second", parameters: [kind, taskID],
                responses: denied.merging([
                    200: ("The task", "TaskDetail"), 404: ("No such task", "Error"), 409: ("The task is finished", "Error"),
                ]) { $1 }),
            cancel)
        table.add(
            EdgeRoute(
                method: .get, path: "/api/v1/operations/dead-letters", tag: "operations", summary: "Jobs given up on, newest first",
                parameters: [
                    .init(
                        name: "kind", location: "query", schema: .object(["type": "string", "enum": ["interview", "learning"]]),
                        description: "interview (default) or learning", required: false)
                ],
                responses: denied.merging([200: ("The dead letters", "DeadLetterList"), 422: ("Bad kind", "Error")]) { $1 }),
            deadLetters)
        for (action, summary) in [("retry", "Take a job out of the dead letters and run its task again"), ("drop", "Delete a dead-lettered job")] {
            table.add(
                EdgeRoute(
                    method: .post, path: "/api/v1/operations/dead-letters/{kind}/{id}/\(action)", tag: "operations", summary: summary,
                    parameters: [kind, deadLetterID],
                    responses: denied.merging([
                        action == "retry" ? 200 : 204: action == "retry" ? ("The task", "TaskDetail") : ("Dropped", nil),
                        404: ("No such dead letter", "Error"),
                    ]) { $1 }),
                { request, context in try await deadLetter(action, request, context) })
        }
        for action in ["pause", "resume"] {
            table.add(
                EdgeRoute(
                    method: .post, path: "/api/v1/operations/queues/{kind}/\(action)", tag: "operations",
                    summary: action == "pause" ? "Stop handing out jobs of a kind (every worker)" : "Hand out jobs of a kind again",
                    parameters: [kind], responses: denied.merging([200: ("The queue", "QueueStatus")]) { $1 }),
                { _, context in try await setPaused(action == "pause", context) })
        }
    }

    /// For the dashboard stream's refreshes, which run after its route has answered (outside the
    /// route's deadline).
    static var streamCallOptions: CallOptions {
        var options = CallOptions.defaults
        options.timeout = .seconds(10)
        return options
    }

    // MARK: Handlers

    @Sendable func overview(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        .json(Self.body(try await main.getOverview(try Self.window(request), metadata: context.rpcMetadata)))
    }

    /// The first overview is fetched before answering, so a refusal is a status, not a stream.
    @Sendable func overviewStream(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let message = try Self.window(request)
        let metadata = context.rpcMetadata
        let client = main
        let first = try await client.getOverview(message, metadata: metadata)
        let (interval, lifetime) = (self.interval, self.lifetime)
        return Response(
            status: .ok, headers: .eventStream,
            body: ResponseBody { writer in
                let end = ContinuousClock.now + lifetime
                try await writer.write(ByteBuffer(string: "retry: 3000\n\n" + Self.frame(Self.body(first))))
                // A write fails once the client has gone; that ends the loop. A graceful shutdown
                // cancels the wait, so an open dashboard does not hold the server up.
                while ContinuousClock.now < end, (try? await cancelWhenGracefulShutdown({ try await Task.sleep(for: interval) })) != nil {
                    let frame: String
                    do {
                        frame = Self.frame(Self.body(try await client.getOverview(message, metadata: metadata, options: Self.streamCallOptions)))
                    } catch {
                        let failure = (error as? RPCError).map { CoachError(rpcError: $0) } ?? CoachError.internal("overview failed")
                        frame = "event: error\ndata: \(Self.text(.object(["error_code": .string(failure.code.rawValue), "detail": .string(failure.message)])))\n\n"
                    }
                    try await writer.write(ByteBuffer(string: frame))
                }
                try await writer.finish(nil)
            })
    }

    @Sendable func list(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        var message = Interviewcoach_V1_ListOperationTasksRequest()
        var violations: [FieldViolation] = []
        let parameters = request.uri.queryParameters
        func values(_ name: String) -> [String] {
            parameters.getAll(name).flatMap { $0.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) } }
        }
        for state in values("state") {
            if let value = TaskState(rawValue: state.uppercased()) { message.states.append(value.proto) } else {
                violations.append(FieldViolation(field: "state", message: "must be one of \(TaskState.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
        }
        for kind in values("kind") {
            if let value = TaskKind(rawValue: kind) { message.kinds.append(value.proto) } else {
                violations.append(FieldViolation(field: "kind", message: "must be interview or learning"))
            }
        }
        let query = request.query
        if let tenant = query["tenant"] {
            if Tenant(rawValue: tenant) == nil {
                violations.append(FieldViolation(field: "tenant", message: "must match [a-z0-9][a-z0-9_-]{0,62}"))
            }
            message.tenant = tenant
        }
        for (name, keyPath) in [
            ("unique_key", \Interviewcoach_V1_ListOperationTasksRequest.uniqueKey), ("provider", \.provider), ("error_code", \.errorCode),
        ] {
            guard let value = query[name], !value.isEmpty else { continue }
            if value.count > 200 || value.unicodeScalars.contains(where: TextRules.isControl) {
                violations.append(FieldViolation(field: name, message: "must be at most 200 characters, without control characters"))
            }
            message[keyPath: keyPath] = value
        }
        for name in ["created_after", "created_before"] {
            guard let value = query[name] else { continue }
            guard let date = RFC3339.date(value) else {
                violations.append(FieldViolation(field: name, message: "must be an RFC 3339 date-time, e.g. 2026-12-01T09:00:00Z"))
                continue
            }
            if name == "created_after" { message.createdAfter = Google_Protobuf_Timestamp(date: date) } else {
                message.createdBefore = Google_Protobuf_Timestamp(date: date)
            }
        }
        let requested = PageQuery(query, size: "page_size", token: "page_token", violations: &violations)
        (message.pageSize, message.pageToken) = (requested.size, requested.token)
        if !violations.isEmpty { throw CoachError.validation(violations) }
        let page = try await main.listTasks(message, metadata: context.rpcMetadata)
        return .json(JSONValue.object(["tasks": .array(page.tasks.map { Self.body($0, full: false) }), "next_page_token": .string(page.nextPageToken)]))
    }

    @Sendable func detail(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let (client, message) = try task(context)
        return .json(Self.body(try await client.getTaskDetail(message, metadata: context.rpcMetadata)))
    }

    @Sendable func retry(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let (client, target) = try task(context)
        let data = Data(try await request.bodyData(context: context))
        let body = data.isEmpty ? RetryBody() : try decodeRequestBody(RetryBody.self, from: data)
        var message = Interviewcoach_V1_RetryTaskRequest()
        message.taskID = target.taskID
        message.kind = target.kind
        message.provider = body.provider ?? ""
        return .json(Self.body(try await client.retryTask(message, metadata: context.rpcMetadata)))
    }

    @Sendable func cancel(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let (client, message) = try task(context)
        return .json(Self.body(try await client.cancelTask(message, metadata: context.rpcMetadata)))
    }

    @Sendable func deadLetters(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let name = request.query["kind"] ?? TaskKind.interview.rawValue
        guard let kind = TaskKind(rawValue: name), let client = clients[kind] else {
            throw CoachError.validation([FieldViolation(field: "kind", message: "must be interview or learning")])
        }
        var message = Interviewcoach_V1_ListDeadLettersRequest()
        message.kind = kind.proto
        let list = try await client.listDeadLetters(message, metadata: context.rpcMetadata)
        return .json(
            JSONValue.object([
                "dead_letters": .array(
                    list.deadLetters.map { entry in
                        .object([
                            "id": .string(entry.id), "kind": .string(TaskKind(proto: entry.kind)?.rawValue ?? ""), "task_id": .string(entry.taskID),
                            "reason": .string(entry.reason), "deliveries": .number(Double(entry.deliveries)),
                            "dead_lettered_at": .string(entry.deadLetteredAt.date.rfc3339),
                        ])
                    })
            ]))
    }

    func deadLetter(_ action: String, _ request: Request, _ context: EdgeRequestContext) async throws -> Response {
        let (kind, client) = try self.kind(context)
        var message = Interviewcoach_V1_DeadLetterRequest()
        message.id = try context.pathParameter("id")
        message.kind = kind.proto
        if action == "retry" {
            return .json(Self.body(try await client.retryDeadLetter(message, metadata: context.rpcMetadata)))
        }
        _ = try await client.dropDeadLetter(message, metadata: context.rpcMetadata)
        return Response(status: .noContent)
    }

    func setPaused(_ paused: Bool, _ context: EdgeRequestContext) async throws -> Response {
        let (kind, client) = try self.kind(context)
        var message = Interviewcoach_V1_SetQueuePausedRequest()
        message.kind = kind.proto
        message.paused = paused
        return .json(Self.body(try await client.setQueuePaused(message, metadata: context.rpcMetadata)))
    }

    // MARK: Parts

    private func kind(_ context: EdgeRequestContext) throws -> (TaskKind, Interviewcoach_V1_OperationsService.Client<Transport>) {
        let name = try context.pathParameter("kind")
        guard let kind = TaskKind(rawValue: name), let client = clients[kind] else {
            throw CoachError(.notFound, "no such task kind", details: ["kind": .string(String(name.prefix(64)))])
        }
        return (kind, client)
    }

    private func task(_ context: EdgeRequestContext) throws -> (Interviewcoach_V1_OperationsService.Client<Transport>, Interviewcoach_V1_TaskDetailRequest) {
        let (kind, client) = try self.kind(context)
        var message = Interviewcoach_V1_TaskDetailRequest()
        message.taskID = try context.pathParameter("task_id")
        message.kind = kind.proto
        return (client, message)
    }

    private static func window(_ request: Request) throws(CoachError) -> Interviewcoach_V1_GetOverviewRequest {
        var message = Interviewcoach_V1_GetOverviewRequest()
        let name = request.query["window"] ?? "1h"
        guard let seconds = windows[name] else {
            throw CoachError.validation([FieldViolation(field: "window", message: "must be 1h, 24h or 7d")])
        }
        message.windowSeconds = seconds
        return message
    }

    static func frame(_ body: JSONValue) -> String { "event: overview\ndata: \(text(body))\n\n" }

    static func text(_ value: JSONValue) -> String {
        (try? JSONEncoder.coach.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    // MARK: Bodies (the REST shapes of docs/OPERATIONS.md)

    static func body(_ p: Interviewcoach_V1_Overview) -> JSONValue {
        let seconds = Int(p.windowSeconds)
        let window = windows.first { $0.value == p.windowSeconds }?.key ?? "\(seconds)s"
        return .object([
            "generated_at": .string(p.generatedAt.date.rfc3339), "window": .string(window),
            "tasks_by_state": .object(p.tasksByState.mapValues { .number(Double($0)) }),
            "throughput_per_minute": .number(p.throughputPerMinute), "sampled_tasks": .number(Double(p.sampledTasks)),
            "failures": .array(p.failures.map { .object(["error_code": .string($0.errorCode), "count": .number(Double($0.count))]) }),
            "stages": .array(
                p.stages.map {
                    .object([
                        "stage": .string($0.stage), "count": .number(Double($0.count)), "p50_ms": .number(Double($0.p50Ms)),
                        "p95_ms": .number(Double($0.p95Ms)),
                    ])
                }),
            "queues": .array(p.queues.map(body)),
            "providers": .array(
                p.providers.map { provider in
                    .object([
                        "name": .string(provider.name), "model": .string(provider.model), "calls": .number(Double(provider.calls)),
                        "errors": .number(Double(provider.errors)),
                        "error_rate": .number(provider.calls == 0 ? 0 : Double(provider.errors) / Double(provider.calls)),
                        "p50_ms": .number(Double(provider.p50Ms)), "p95_ms": .number(Double(provider.p95Ms)),
                        "input_tokens": .number(Double(provider.inputTokens)), "output_tokens": .number(Double(provider.outputTokens)),
                        "cost_usd": .number(provider.costUsd), "breaker": .string(provider.breaker),
                    ])
                }),
            "workers": .array(
                p.workers.map { worker in
                    .object([
                        "name": .string(worker.name), "jobs_in_hand": .number(Double(worker.jobsInHand)),
                        "jobs_done": .number(Double(worker.jobsDone)),
                        "last_seen": worker.hasLastSeen ? .string(worker.lastSeen.date.rfc3339) : .null,
                    ])
                }),
        ])
    }

    static func body(_ p: Interviewcoach_V1_QueueStatus) -> JSONValue {
        .object([
            "kind": .string(TaskKind(proto: p.kind)?.rawValue ?? ""), "waiting": .number(Double(p.waiting)),
            "pending": .number(Double(p.pending)), "dead_lettered": .number(Double(p.deadLettered)),
            "oldest_age_seconds": p.oldestKnown ? .number(p.oldestAgeSeconds) : .null, "paused": .bool(p.paused),
        ])
    }

    /// A task; `full` adds what only the detail shows (message, result, timeline, attempts).
    static func body(_ p: Interviewcoach_V1_TaskDetail, full: Bool = true) -> JSONValue {
        var object: [String: JSONValue] = [
            "task_id": .string(p.taskID), "kind": .string(TaskKind(proto: p.kind)?.rawValue ?? ""), "tenant": .string(p.tenant),
            "state": .string(TaskState(proto: p.state)?.rawValue ?? ""), "stage": .string(p.stage), "progress": .number(Double(p.progress)),
            "unique_key": .string(p.uniqueKey), "created_at": .string(p.createdAt.date.rfc3339),
            "updated_at": .string(p.updatedAt.date.rfc3339), "runs": .number(Double(p.runs)),
            "providers": .array(p.providers.map(JSONValue.string)),
            "error": p.hasError ? .object(["code": .string(p.error.code), "message": .string(p.error.message)]) : .null,
            "trace_id": p.traceID.isEmpty ? .null : .string(p.traceID),
        ]
        guard full else { return .object(object) }
        object["message"] = .string(p.message)
        object["result_id"] = p.resultID.isEmpty ? .null : .string(p.resultID)
        object["cancel_requested"] = .bool(p.cancelRequested)
        object["timeline"] = .array(
            p.timeline.map { entry in
                .object([
                    "at": .string(entry.at.date.rfc3339), "event": .string(entry.event), "stage": entry.stage.isEmpty ? .null : .string(entry.stage),
                    "run": .number(Double(entry.run)), "detail": entry.detail.isEmpty ? .null : .string(entry.detail),
                ])
            })
        object["attempts"] = .array(
            p.attempts.map { record in
                let attempt = record.attempt
                return .object([
                    "run": .number(Double(record.run)), "provider": .string(attempt.provider), "model": .string(attempt.model),
                    "outcome": .string(attempt.outcome), "latency_ms": .number(Double(attempt.latencyMs)),
                    "input_tokens": .number(Double(attempt.usage.inputTokens)), "output_tokens": .number(Double(attempt.usage.outputTokens)),
                    "cost_usd": .number(attempt.usage.costUsd), "error_code": attempt.errorCode.isEmpty ? .null : .string(attempt.errorCode),
                    "rules": .array(attempt.rules.map(JSONValue.string)),
                ])
            })
        return .object(object)
    }
}

/// `POST …/retry`: optionally another provider.
struct RetryBody: Decodable {
    var provider: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case provider }

    init() {}

    init(from decoder: any Swift.Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        provider = try c.decodeIfPresent(String.self, forKey: .provider)
        if let provider, provider.count > 100 {
            throw DecodingError.dataCorruptedError(forKey: .provider, in: c, debugDescription: "must be at most 100 characters")
        }
    }
}

/// RFC 3339 date-times as clients write them: `T` or a space, fractional seconds of any length,
/// `Z` or an offset.
enum RFC3339 {
    static func date(_ text: String) -> Date? {
        let pattern = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/
        guard let match = text.wholeMatch(of: pattern) else { return nil }
        var components = DateComponents()
        components.calendar = Calendar(identifier: .gregorian)
        components.timeZone = TimeZone(identifier: "UTC")
        components.year = Int(match.1)
        components.month = Int(match.2)
        components.day = Int(match.3)
        components.hour = Int(match.4)
        components.minute = Int(match.5)
        components.second = Int(match.6)
        guard components.isValidDate, let base = components.date else { return nil }
        var date = base.addingTimeInterval(match.7.flatMap { Double("0" + $0) } ?? 0)
        if let sign = match.9, let hours = Int(match.10 ?? ""), let minutes = Int(match.11 ?? "") {
            guard hours < 24, minutes < 60 else { return nil }
            let offset = Double(hours * 3600 + minutes * 60)
            date = date.addingTimeInterval(sign == "+" ? -offset : offset)
        }
        return date
    }
}
