import CoachCore
import CoachProtos
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf

/// The gRPC face of one generation kind: its methods and messages. The server
/// (`GenerationGRPCService`), the edge and the CLI are written once over it; adding a kind to
/// the wire is one conformance (descriptors and message types, no logic) and one line per
/// message type that says which shape it has.
public protocol GenerationWire: Sendable {
    /// The request options (`QuestionOptions`) and the stored result (`QuestionSet`).
    associatedtype Options: Sendable
    associatedtype Result: Sendable
    associatedtype OptionsMessage: SwiftProtobuf.Message
    associatedtype ResultMessage: SwiftProtobuf.Message
    associatedtype GenerateRequest: GenerateMessage where GenerateRequest.OptionsMessage == OptionsMessage
    associatedtype LatestRequest: KeyMessage
    associatedtype ListRequest: PageRequestMessage
    associatedtype ListResponse: PageResponseMessage where ListResponse.Item == ResultMessage
    associatedtype StartRequest: StartMessage where StartRequest.OptionsMessage == OptionsMessage

    static var taskKind: TaskKind { get }
    static var service: ServiceDescriptor { get }
    static var methods: GenerationMethods { get }

    /// The options of a request, validated (a `VALIDATION_ERROR` names every bad field).
    static func options(_ message: OptionsMessage) throws(CoachError) -> Options
    static func message(_ options: Options) -> OptionsMessage
    static func result(_ message: ResultMessage) -> Result
    static func message(_ result: Result) -> ResultMessage
}

// The shapes of the generation messages, shared by every kind's service.

/// A request for one resume.
public protocol KeyMessage: SwiftProtobuf.Message {
    var uniqueKey: String { get set }
}

/// A request to generate for one resume with options.
public protocol GenerateMessage: KeyMessage {
    associatedtype OptionsMessage: SwiftProtobuf.Message
    var options: OptionsMessage { get set }
}

/// A request to start a background generation.
public protocol StartMessage: GenerateMessage {
    var idempotencyKey: String { get set }
}

/// A request for one page of a resume's results.
public protocol PageRequestMessage: KeyMessage {
    var pageSize: Int32 { get set }
    var pageToken: String { get set }
}

/// One page of results.
public protocol PageResponseMessage: SwiftProtobuf.Message {
    associatedtype Item: SwiftProtobuf.Message
    var items: [Item] { get set }
    var nextPageToken: String { get set }
}

/// The five methods every generation service has.
public struct GenerationMethods: Sendable {
    public var generate: MethodDescriptor
    public var latest: MethodDescriptor
    public var list: MethodDescriptor
    public var start: MethodDescriptor
    public var purge: MethodDescriptor

    public init(
        generate: MethodDescriptor, latest: MethodDescriptor, list: MethodDescriptor, start: MethodDescriptor,
        purge: MethodDescriptor
    ) {
        self.generate = generate
        self.latest = latest
        self.list = list
        self.start = start
        self.purge = purge
    }
}

/// `InterviewService`: question sets.
public enum InterviewWire: GenerationWire {
    public typealias Service = Interviewcoach_V1_InterviewService
    public typealias GenerateRequest = Interviewcoach_V1_GenerateQuestionsRequest
    public typealias LatestRequest = Interviewcoach_V1_GetLatestQuestionsRequest
    public typealias ListRequest = Interviewcoach_V1_ListQuestionSetsRequest
    public typealias ListResponse = Interviewcoach_V1_ListQuestionSetsResponse
    public typealias StartRequest = Interviewcoach_V1_StartQuestionGenerationRequest

    public static let taskKind = TaskKind.interview
    public static let service = Service.descriptor
    public static let methods = GenerationMethods(
        generate: Service.Method.GenerateQuestions.descriptor, latest: Service.Method.GetLatestQuestions.descriptor,
        list: Service.Method.ListQuestionSets.descriptor, start: Service.Method.StartQuestionGeneration.descriptor,
        purge: Service.Method.DeleteQuestionData.descriptor)

    public static func options(_ message: Interviewcoach_V1_QuestionOptions) throws(CoachError) -> QuestionOptions {
        try QuestionOptions(proto: message).validated()
    }
    public static func message(_ options: QuestionOptions) -> Interviewcoach_V1_QuestionOptions { options.proto }
    public static func result(_ message: Interviewcoach_V1_QuestionSet) -> QuestionSet { QuestionSet(proto: message) }
    public static func message(_ result: QuestionSet) -> Interviewcoach_V1_QuestionSet { result.proto }
}

extension Interviewcoach_V1_GenerateQuestionsRequest: GenerateMessage {}
extension Interviewcoach_V1_GetLatestQuestionsRequest: KeyMessage {}
extension Interviewcoach_V1_ListQuestionSetsRequest: PageRequestMessage {}
extension Interviewcoach_V1_StartQuestionGenerationRequest: StartMessage {}
extension Interviewcoach_V1_ListQuestionSetsResponse: PageResponseMessage {
    public var items: [Interviewcoach_V1_QuestionSet] {
        get { sets }
        set { sets = newValue }
    }
}

/// `LearningService`: learning paths.
public enum LearningWire: GenerationWire {
    public typealias Service = Interviewcoach_V1_LearningService
    public typealias GenerateRequest = Interviewcoach_V1_GenerateLearningPathRequest
    public typealias LatestRequest = Interviewcoach_V1_GetLatestLearningPathRequest
    public typealias ListRequest = Interviewcoach_V1_ListLearningPathsRequest
    public typealias ListResponse = Interviewcoach_V1_ListLearningPathsResponse
    public typealias StartRequest = Interviewcoach_V1_StartLearningPathGenerationRequest

    public static let taskKind = TaskKind.learning
    public static let service = Service.descriptor
    public static let methods = GenerationMethods(
        generate: Service.Method.GenerateLearningPath.descriptor, latest: Service.Method.GetLatestLearningPath.descriptor,
        list: Service.Method.ListLearningPaths.descriptor, start: Service.Method.StartLearningPathGeneration.descriptor,
        purge: Service.Method.DeleteLearningData.descriptor)

    public static func options(_ message: Interviewcoach_V1_LearningOptions) throws(CoachError) -> LearningOptions {
        try LearningOptions(proto: message).validated()
    }
    public static func message(_ options: LearningOptions) -> Interviewcoach_V1_LearningOptions { options.proto }
    public static func result(_ message: Interviewcoach_V1_LearningPath) -> LearningPath { LearningPath(proto: message) }
    public static func message(_ result: LearningPath) -> Interviewcoach_V1_LearningPath { result.proto }
}

extension Interviewcoach_V1_GenerateLearningPathRequest: GenerateMessage {}
extension Interviewcoach_V1_GetLatestLearningPathRequest: KeyMessage {}
extension Interviewcoach_V1_ListLearningPathsRequest: PageRequestMessage {}
extension Interviewcoach_V1_StartLearningPathGenerationRequest: StartMessage {}
extension Interviewcoach_V1_ListLearningPathsResponse: PageResponseMessage {
    public var items: [Interviewcoach_V1_LearningPath] {
        get { paths }
        set { paths = newValue }
    }
}

/// Calls of one generation service over any gRPC client, written once for every kind.
public struct GenerationClient<Wire: GenerationWire, Transport: ClientTransport>: Sendable {
    private let client: GRPCClient<Transport>

    public init(wrapping client: GRPCClient<Transport>) {
        self.client = client
    }

    public func generate(uniqueKey: String, options: Wire.Options, metadata: Metadata = [:], callOptions: CallOptions) async throws
        -> Wire.Result
    {
        var request = Wire.GenerateRequest()
        request.uniqueKey = uniqueKey
        request.options = Wire.message(options)
        return Wire.result(try await call(Wire.methods.generate, request, metadata, callOptions))
    }

    public func latest(uniqueKey: String, metadata: Metadata = [:], callOptions: CallOptions) async throws -> Wire.Result {
        var request = Wire.LatestRequest()
        request.uniqueKey = uniqueKey
        return Wire.result(try await call(Wire.methods.latest, request, metadata, callOptions))
    }

    /// One page of results, newest first, and the token of the next page ("" on the last).
    public func history(uniqueKey: String, pageSize: Int, pageToken: String = "", metadata: Metadata = [:], callOptions: CallOptions)
        async throws -> (results: [Wire.Result], nextPageToken: String)
    {
        var request = Wire.ListRequest()
        request.uniqueKey = uniqueKey
        request.pageSize = Int32(clamping: pageSize)
        request.pageToken = pageToken
        let response: Wire.ListResponse = try await call(Wire.methods.list, request, metadata, callOptions)
        return (response.items.map(Wire.result), response.nextPageToken)
    }

    public func start(
        uniqueKey: String, options: Wire.Options, idempotencyKey: String, metadata: Metadata = [:], callOptions: CallOptions
    ) async throws -> TaskView {
        var request = Wire.StartRequest()
        request.uniqueKey = uniqueKey
        request.options = Wire.message(options)
        request.idempotencyKey = idempotencyKey
        let task: Interviewcoach_V1_Task = try await call(Wire.methods.start, request, metadata, callOptions)
        return TaskView(proto: task)
    }

    /// Deletes the results and tasks kept for a resume; returns how many of each.
    @discardableResult
    public func purge(uniqueKey: String, metadata: Metadata = [:], callOptions: CallOptions) async throws -> (results: Int, tasks: Int) {
        var request = Interviewcoach_V1_DeleteResumeDataRequest()
        request.uniqueKey = uniqueKey
        let response: Interviewcoach_V1_DeleteResumeDataResponse = try await call(Wire.methods.purge, request, metadata, callOptions)
        return (Int(response.deletedResults), Int(response.deletedTasks))
    }

    private func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: MethodDescriptor, _ request: Request, _ metadata: Metadata, _ options: CallOptions
    ) async throws -> Response {
        do {
            return try await client.unary(
                request: ClientRequest(message: request, metadata: metadata), descriptor: method,
                serializer: ProtobufSerializer<Request>(), deserializer: ProtobufDeserializer<Response>(), options: options
            ) { try $0.message }
        } catch let error as RPCError {
            throw CoachError(rpcError: error)
        }
    }
}
