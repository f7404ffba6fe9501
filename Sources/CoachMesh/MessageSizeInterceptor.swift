import GRPCCore
import SwiftProtobuf

/// Refuses request messages over `limit` bytes with RESOURCE_EXHAUSTED, a status a client can
/// act on. The transport has a hard cap too (`MeshTransport.maxTransportMessageBytes`), but past
/// it the stream is reset and the client sees only CANCELLED.
public struct MessageSizeInterceptor: ServerInterceptor {
    public let limit: Int

    public init(limit: Int = MeshTransport.maxRequestMessageBytes) {
        self.limit = limit
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let limit = self.limit
        let checked = request.messages.map { message -> Input in
            if let message = message as? any SwiftProtobuf.Message {
                let bytes: [UInt8] = try message.serializedBytes()
                if bytes.count > limit {
                    throw RPCError(code: .resourceExhausted, message: "request message exceeds \(limit) bytes")
                }
            }
            return message
        }
        return try await next(StreamingServerRequest(metadata: request.metadata, messages: RPCAsyncSequence(wrapping: checked)), context)
    }
}
