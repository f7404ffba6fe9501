import CoachCore
import CoachProtos
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf

/// The gRPC face of one generation kind: its methods and where its messages keep each value.
/// The server (`GenerationGRPCService`), the edge and the CLI are written once over it; adding
/// a kind to the wire is one conformance (a table of descriptors and key paths, no logic).
public protocol GenerationWire: Sendable {
    /// The request options (`QuestionOptions`) and the stored result (`QuestionSet`).
    associatedtype Options: Sendable
    associatedtype Result: Sendable
    associatedtype OptionsMessage: SwiftProtobuf.Message
    associatedtype ResultMessage: SwiftProtobuf.Message
    associatedtype GenerateRequest: SwiftProtobuf.Message
    associatedtype LatestRequest: SwiftProtobuf.Message
    associatedtype ListRequest: SwiftProtobuf.Message
    associatedtype ListResponse: SwiftProtobuf.Message
    associatedtype StartRequest: SwiftProtobuf.Message

    static var taskKind: TaskKind { get }
    static var service: ServiceDescriptor { get }
    static var methods: GenerationMethods { get }

    static var generateKey: Field<GenerateRequest, String> { get }
    static var generateOptions: Field<GenerateRequest, OptionsMessage> { get }
    static var latestKey: Field<LatestRequest, String> { get }
    static var listKey: Field<ListRequest, String> { get }
    static var listPageSize: Field<ListRequest, Int32> { get }
    static var listPageToken: Field<ListRequest, String> { get }
    static var listItems: Field<ListResponse, [ResultMessage]> { get }
    static var listNextPageToken: Field<ListResponse, String> { get }
    static var startKey: Field<StartRequest, String> { get }
    static var startOptions: Field<StartRequest, OptionsMessage> { get }
    static var startIdempotencyKey: Field<StartRequest, String> { get }

    /// The options of a request, validated (a `VALIDATION_ERROR` names every bad field).
    static func options(_ message: OptionsMessage) throws(CoachError) -> Options
    static func message(_ options: Options) -> OptionsMessage
    static func result(_ message: ResultMessage) -> Result
    static func message(_ result: Result) -> ResultMessage
}

/// Where a message keeps one value (a key-path literal such as `\.uniqueKey`).
public typealias Field<Message, Value> = WritableKeyPath<Message, Value> & Sendable

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

    public static let generateKey = \GenerateRequest.uniqueKey
    public static let generateOptions = \GenerateRequest.options
    public static let latestKey = \LatestRequest.uniqueKey
    public static let listKey = \ListRequest.uniqueKey
    public static let listPageSize = \ListRequest.pageSize
    public static let listPageToken = \ListRequest.pageToken
    public static let listItems = \ListResponse.sets
    public static let listNextPageToken = \ListResponse.nextPageToken
    public static let startKey = \StartRequest.uniqueKey
    public static let startOptions = \StartRequest.options
    public static let startIdempotencyKey = \StartRequest.idempotencyKey

    public static func options(_ message: Interviewcoach_V1_QuestionOptions) throws(CoachError) -> QuestionOptions {
        try QuestionOptions(proto: message).validated()
    }
    public static func message(_ options: QuestionOptions) -> Interviewcoach_V1_QuestionOptions { options.proto }
    public static func result(_ message: Interviewcoach_V1_QuestionSet) -> QuestionSet { QuestionSet(proto: message) }
    public static func message(_ result: QuestionSet) -> Interviewcoach_V1_QuestionSet { result.proto }
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

    public static let generateKey = \GenerateRequest.uniqueKey
    public static let generateOptions = \GenerateRequest.options
    public static let latestKey = \LatestRequest.uniqueKey
    public static let listKey = \ListRequest.uniqueKey
    public static let listPageSize = \ListRequest.pageSize
    public static let listPageToken = \ListRequest.pageToken
    public static let listItems = \ListResponse.paths
    public static let listNextPageToken = \ListResponse.nextPageToken
    public static let startKey = \StartRequest.uniqueKey
    public static let startOptions = \StartRequest.options
    public static let startIdempotencyKey = \StartRequest.idempotencyKey

    public static func options(_ message: Interviewcoach_V1_LearningOptions) throws(CoachError) -> LearningOptions {
        try LearningOptions(proto: message).validated()
    }
    public static func message(_ options: LearningOptions) -> Interviewcoach_V1_LearningOptions { options.proto }
    public static func result(_ message: Interviewcoach_V1_LearningPath) -> LearningPath { LearningPath(proto: message) }
    public static func message(_ result: LearningPath) -> Interviewcoach_V1_LearningPath { result.proto }
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
        request[keyPath: Wire.generateKey] = uniqueKey
        request[keyPath: Wire.generateOptions] = Wire.message(options)
        return Wire.result(try await call(Wire.methods.generate, request, metadata, callOptions))
    }

    public func latest(uniqueKey: String, metadata: Metadata = [:], callOptions: CallOptions) async throws -> Wire.Result {
        var request = Wire.LatestRequest()
        request[keyPath: Wire.latestKey] = uniqueKey
        return Wire.result(try await call(Wire.methods.latest, request, metadata, callOptions))
    }

    /// One page of results, newest first, and the token of the next page ("" on the last).
    public func history(uniqueKey: String, pageSize: Int, pageToken: String = "", metadata: Metadata = [:], callOptions: CallOptions)
        async throws -> (results: [Wire.Result], nextPageToken: String)
    {
        var request = Wire.ListRequest()
        request[keyPath: Wire.listKey] = uniqueKey
        request[keyPath: Wire.listPageSize] = Int32(clamping: pageSize)
        request[keyPath: Wire.listPageToken] = pageToken
        let response: Wire.ListResponse = try await call(Wire.methods.list, request, metadata, callOptions)
        return (response[keyPath: Wire.listItems].map(Wire.result), response[keyPath: Wire.listNextPageToken])
    }

    public func start(
        uniqueKey: String, options: Wire.Options, idempotencyKey: String, metadata: Metadata = [:], callOptions: CallOptions
    ) async throws -> TaskView {
        var request = Wire.StartRequest()
        request[keyPath: Wire.startKey] = uniqueKey
        request[keyPath: Wire.startOptions] = Wire.message(options)
        request[keyPath: Wire.startIdempotencyKey] = idempotencyKey
        let task: Interviewcoach_V1_Task = try await call(Wire.methods.start, request, metadata, callOptions)
        return TaskView(proto: task)
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
