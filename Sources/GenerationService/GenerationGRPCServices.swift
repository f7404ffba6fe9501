import CoachCore
import CoachGeneration
import CoachWire
import CoachProtos
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf

/// A generation kind served over gRPC: its use cases (`GenerationKind`) and its wire.
public protocol ServedGenerationKind: GenerationKind {
    associatedtype Wire: GenerationWire where Wire.Options == Options, Wire.Result == Result
}

extension InterviewKind: ServedGenerationKind {
    public typealias Wire = InterviewWire
}

extension LearningKind: ServedGenerationKind {
    public typealias Wire = LearningWire
}

/// The gRPC service of a generation kind (`interviewcoach.v1.InterviewService`,
/// `interviewcoach.v1.LearningService`, …) over its use cases: written once, registered under
/// the kind's method descriptors.
public struct GenerationGRPCService<Kind: ServedGenerationKind>: RegistrableRPCService {
    private let operations: GenerationOperations<Kind>

    public init(operations: GenerationOperations<Kind>) {
        self.operations = operations
    }

    /// The fully qualified name this service answers health checks under.
    public static var serviceName: String { Kind.Wire.service.fullyQualifiedService }

    public func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        typealias Wire = Kind.Wire
        let operations = self.operations
        router.unary(Wire.methods.generate) { (request: Wire.GenerateRequest) in
            let options = try Wire.options(request.options)
            let caller = RPCCaller.current
            return Wire.message(
                try await operations.generate(tenant: caller.tenant, uniqueKey: request.uniqueKey, options: options, keyID: caller.limitedKeyID))
        }
        router.unary(Wire.methods.latest) { (request: Wire.LatestRequest) in
            Wire.message(try await operations.latest(tenant: RPCCaller.current.tenant, uniqueKey: request.uniqueKey))
        }
        router.unary(Wire.methods.list) { (request: Wire.ListRequest) in
            let page = try await operations.history(
                tenant: RPCCaller.current.tenant, uniqueKey: request.uniqueKey, pageSize: Int(request.pageSize), pageToken: request.pageToken)
            var response = Wire.ListResponse()
            response.items = page.items.map(Wire.message)
            response.nextPageToken = page.next?.token ?? ""
            return response
        }
        router.unary(Wire.methods.start) { (request: Wire.StartRequest) in
            let options = try Wire.options(request.options)
            let idempotencyKey = request.idempotencyKey
            let caller = RPCCaller.current
            let task = try await operations.start(
                tenant: caller.tenant, uniqueKey: request.uniqueKey, options: options,
                idempotencyKey: idempotencyKey.isEmpty ? nil : idempotencyKey, keyID: caller.limitedKeyID)
            return TaskView(task, result: nil).proto
        }
        router.unary(Wire.methods.purge) { (request: Interviewcoach_V1_DeleteResumeDataRequest) in
            let deleted = try await operations.purge(tenant: RPCCaller.current.tenant, uniqueKey: request.uniqueKey)
            var response = Interviewcoach_V1_DeleteResumeDataResponse()
            response.deletedResults = Int32(clamping: deleted.results)
            response.deletedTasks = Int32(clamping: deleted.tasks)
            return response
        }
    }
}

extension RPCRouter {
    /// Registers a unary protobuf method answered by `handle`.
    mutating func unary<Input: SwiftProtobuf.Message, Output: SwiftProtobuf.Message>(
        _ method: MethodDescriptor, _ handle: @escaping @Sendable (Input) async throws -> Output
    ) {
        registerHandler(
            forMethod: method, deserializer: ProtobufDeserializer<Input>(), serializer: ProtobufSerializer<Output>()
        ) { request, _ in
            let single = try await ServerRequest(stream: request)
            return StreamingServerResponse(single: ServerResponse(message: try await handle(single.message)))
        }
    }
}

/// `interviewcoach.v1.TaskService` for the kinds this process owns (a task of another kind is
/// NOT_FOUND, so ids never leak across services).
public struct TaskGRPCService: Interviewcoach_V1_TaskService.SimpleServiceProtocol {
    private let kinds: [TaskKind: any KindOperations]

    /// Serves the tasks of `kinds` (one entry per kind).
    public init(kinds: [any KindOperations]) {
        self.kinds = Dictionary(kinds.map { ($0.taskKind, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func getTask(request: Interviewcoach_V1_GetTaskRequest, context: ServerContext) async throws -> Interviewcoach_V1_Task {
        for kind in kinds(request.kind) {
            guard let operations = self.kinds[kind] else { continue }
            do {
                return try await operations.task(tenant: RPCCaller.current.tenant, id: request.taskID).proto
            } catch let error as CoachError where error.code == .taskNotFound {
                continue
            }
        }
        throw Self.notFound(request.taskID)
    }

    public func listTasks(
        request: Interviewcoach_V1_ListTasksRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_ListTasksResponse {
        guard let kind = TaskKind(proto: request.kind) else {
            throw CoachError.badRequest("kind is required", field: "kind")
        }
        guard let operations = kinds[kind] else { throw CoachError(.notFound, "this server has no \(kind.rawValue) tasks") }
        let page = try await operations.listTasks(
            tenant: RPCCaller.current.tenant, state: TaskState(proto: request.state), pageSize: Int(request.pageSize), pageToken: request.pageToken)
        var response = Interviewcoach_V1_ListTasksResponse()
        response.tasks = page.items.map(\.proto)
        response.nextPageToken = page.next?.token ?? ""
        return response
    }

    /// Opens the watch before accepting the call, so an unknown task is rejected with NOT_FOUND
    /// before any message (clients see a rejected call, not a stream that fails later).
    public func watchTask(
        request: ServerRequest<Interviewcoach_V1_WatchTaskRequest>, context: ServerContext
    ) async throws -> StreamingServerResponse<Interviewcoach_V1_TaskEvent> {
        let events = try await openWatch(request.message)
        return StreamingServerResponse { writer in
            try await Self.relay(events, to: writer)
            return [:]
        }
    }

    public func watchTask(
        request: Interviewcoach_V1_WatchTaskRequest, response: RPCWriter<Interviewcoach_V1_TaskEvent>,
        context: ServerContext
    ) async throws {
        try await Self.relay(try await openWatch(request), to: response)
    }

    /// Writes events until the last one or until the client cancels the RPC. gRPC reports a
    /// client's cancellation through the RPC cancellation handle, not by cancelling this task,
    /// so the events are pumped through a relay that the handle can end.
    private static func relay(
        _ events: AsyncThrowingStream<TaskEvent, any Error>, to writer: RPCWriter<Interviewcoach_V1_TaskEvent>
    ) async throws {
        let (relay, continuation) = AsyncThrowingStream<TaskEvent, any Error>.makeStream()
        let pump = Task {
            do {
                for try await event in events { continuation.yield(event) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        defer { pump.cancel() }
        try await withRPCCancellationHandler {
            for try await event in relay {
                try await writer.write(event.proto)
            }
        } onCancelRPC: {
            continuation.finish()
            pump.cancel()
        }
    }

    private func openWatch(_ request: Interviewcoach_V1_WatchTaskRequest) async throws -> AsyncThrowingStream<TaskEvent, any Error> {
        let after = max(0, request.afterSequence)
        var events: AsyncThrowingStream<TaskEvent, any Error>?
        for kind in kinds(request.kind) where events == nil {
            guard let operations = self.kinds[kind] else { continue }
            do {
                events = try await operations.watch(tenant: RPCCaller.current.tenant, taskID: request.taskID, afterSequence: after)
            } catch let error as CoachError where error.code == .taskNotFound {
                continue
            }
        }
        guard let events else { throw Self.notFound(request.taskID) }
        return events
    }

    private func kinds(_ proto: Interviewcoach_V1_TaskKind) -> [TaskKind] {
        TaskKind(proto: proto).map { [$0] } ?? TaskKind.allCases
    }

    private static func notFound(_ id: String) -> CoachError {
        let shown = String(id.prefix(64))
        return CoachError(.taskNotFound, "task not found: \(shown)", details: ["task_id": .string(shown)])
    }
}
