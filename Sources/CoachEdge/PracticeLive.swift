import CoachCore
import CoachProtos
import CoachWire
import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import SwiftProtobuf

/// The browser's live channel onto the bidirectional `PracticeService/Practice` stream
/// (docs/REST-API.md, "Live practice"): a WebSocket at `path`. The client sends the stream's
/// `PracticeClientMessage`s in protobuf's JSON mapping (`{"answer": {"text": "…"}}`); every
/// event comes back the moment the service sends it, shaped like a REST `PracticeStep` with one
/// member set. One socket is one stream.
///
/// The key travels as `Authorization`/`X-API-Key` on the upgrade request, or — browsers cannot set
/// headers on a WebSocket — as the subprotocol `bearer.<key>` next to `subprotocol`. An upgrade
/// whose `Origin` is not the page's own host is refused: no other site can drive a session with
/// the browser's network position.
public struct PracticeLiveChannel<Transport: ClientTransport>: Sendable {
    public static var path: String { "/api/v1/practice/live" }
    /// The subprotocol the server speaks (and answers with).
    public static var subprotocol: String { "interviewcoach.practice.v1" }
    /// An answer is at most 10,000 characters; a frame (and a message) has room for its JSON.
    public static var maxFrameBytes: Int { 64 * 1024 }
    /// Messages received and not yet taken by the stream.
    static var maxFramesAhead: Int { 16 }

    let client: Interviewcoach_V1_PracticeService.Client<Transport>
    let settings: EdgeSettings
    let streams: StreamCount

    public init(client: GRPCClient<Transport>, settings: EdgeSettings) {
        self.client = .init(wrapping: client)
        self.settings = settings
        self.streams = StreamCount(stream: "practice_live")
    }

    /// The upgrade decision for `http1WebSocketUpgrade`: only this path, same origin, allowed host,
    /// our subprotocol if any is offered. A request that is not an upgrade goes on to the router
    /// (426 at this path); a refused upgrade is answered 400 by the upgrade handler.
    public func shouldUpgrade(
        _ request: HTTPRequest, logger: Logger
    ) -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        guard request.path.map({ String($0.prefix { $0 != "?" }) }) == Self.path, request.method == .get,
            Self.sameOrigin(request.headerFields[.origin], host: request.headerFields[.hostHeader] ?? request.authority), settings.allowedHosts.map({ Self.hostAllowed(request, $0) }) ?? true
        else { return .dontUpgrade }
        let offered = Self.offeredProtocols(request.headerFields)
        let requestID = EdgeErrorMiddleware.requestID(request.headerFields)
        var metadata: Metadata = ["x-request-id": "\(requestID)"]
        if let key = EdgeErrorMiddleware.apiKey(request.headerFields) ?? offered.compactMap(Self.bearer).first {
            metadata.addString("Bearer \(key)", forKey: "authorization")
        }
        var headers: HTTPFields = [:]
        // A browser that offered subprotocols fails the handshake unless one is chosen.
        if !offered.isEmpty {
            guard offered.contains(Self.subprotocol) else { return .dontUpgrade }
            headers[.secWebSocketProtocol] = Self.subprotocol
        }
        let client = self.client
        let streams = self.streams
        let upstreamMetadata = metadata
        let maxStreams = settings.maxStreams
        return .upgrade(headers) { inbound, outbound, context in
            var logger = context.logger
            logger[metadataKey: "request_id"] = "\(requestID)"
            // One reader for the socket's whole life, apart from the stream: when the stream
            // ends first (a refusal, an error), the reader is still there to take the client's
            // Close, so the closing handshake completes instead of the connection being reset.
            // A client sends one move per prompt; one that runs far ahead of the session is
            // stopped rather than buffered without bound.
            let (frames, sink) = AsyncThrowingStream<WebSocketMessage, any Error>.makeStream(
                bufferingPolicy: .bufferingOldest(Self.maxFramesAhead))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        var flooded = false
                        for try await message in inbound.messages(maxSize: Self.maxFrameBytes) where !flooded {
                            if case .dropped = sink.yield(message) {
                                flooded = true
                                sink.finish(throwing: CoachError.badRequest("more than \(Self.maxFramesAhead) messages ahead of the session"))
                            }
                        }
                        sink.finish()
                    } catch {
                        sink.finish(throwing: error)
                    }
                }
                var outcome: CoachError?
                if let place = streams.reserve(max: maxStreams) {
                    outcome = await Self.converse(client: client, metadata: upstreamMetadata, frames: frames, outbound: outbound)
                    place.release()
                } else {
                    outcome = CoachError(.serviceUnavailable, "too many live streams on this edge; retry shortly")
                }
                logger.info("practice live stream ended", metadata: ["outcome": "\(outcome?.code.rawValue ?? "ok")"])
                if let outcome {
                    try await Self.fail(outcome, requestID: requestID, outbound: outbound)
                } else {
                    // A stream cancelled by shutdown is "going away"; one the client ended is done.
                    try await outbound.close(Task.isCancelled ? .goingAway : .normalClosure, reason: nil)
                }
                try await group.waitForAll()
            }
        }
    }

    /// Pipes frames to the stream and events back until either side ends; the error that ended
    /// it, if any.
    static func converse(
        client: Interviewcoach_V1_PracticeService.Client<Transport>, metadata: Metadata,
        frames: AsyncThrowingStream<WebSocketMessage, any Error>, outbound: WebSocketOutboundWriter
    ) async -> CoachError? {
        var options = CallOptions.defaults
        // A session may last as long as the candidate takes; the socket's end ends the stream.
        options.timeout = nil
        do {
            try await client.practice(
                metadata: metadata, options: options,
                requestProducer: { writer in
                    for try await message in frames {
                        guard case .text(let text) = message else {
                            throw CoachError.badRequest("messages are JSON text frames")
                        }
                        try await writer.write(try clientMessage(text))
                    }
                },
                onResponse: { response in
                    for try await event in response.messages {
                        try await outbound.write(.text(try eventJSON(event)))
                        // A report means the session is over: the socket closes (1000).
                        if case .report? = event.event { return }
                    }
                })
            return nil
        } catch let error as CoachError {
            return error
        } catch let error as RPCError {
            return CoachError(rpcError: error)
        } catch {
            // The socket went away (or sent something that is not a WebSocket message).
            return Task.isCancelled ? nil : CoachError.badRequest("the live connection failed")
        }
    }

    static func clientMessage(_ text: String) throws(CoachError) -> Interviewcoach_V1_PracticeClientMessage {
        do {
            return try Interviewcoach_V1_PracticeClientMessage(jsonString: text)
        } catch {
            throw CoachError.badRequest(
                "a message is one JSON object: start, resume, answer, skip, dont_know or end (practice_service.proto, JSON mapping)")
        }
    }

    /// An event as the REST practice routes answer a step (`PracticeStep`), with one member set.
    static func eventJSON(_ event: Interviewcoach_V1_PracticeEvent) throws -> String {
        String(decoding: try JSONEncoder.coach.encode(PracticeStepBody([event], after: 0)), as: UTF8.self)
    }

    /// The REST error body as a last message, then a close code of 4000 + the HTTP status.
    static func fail(_ error: CoachError, requestID: String, outbound: WebSocketOutboundWriter) async throws {
        let body = ErrorBody(error, requestID: requestID)
        let data = (try? JSONEncoder.coach.encode(["error": body])) ?? Data("{}".utf8)
        try await outbound.write(.text(String(decoding: data, as: UTF8.self)))
        try await outbound.close(.unknown(UInt16(4000 + Int(error.code.httpStatus.code))), reason: error.code.rawValue)
    }

    // MARK: - The upgrade request

    static func offeredProtocols(_ headers: HTTPFields) -> [String] {
        headers[values: .secWebSocketProtocol].flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The key carried as the subprotocol `bearer.<key>`.
    static func bearer(_ offered: String) -> String? {
        guard offered.hasPrefix("bearer."), offered.count > 7 else { return nil }
        return String(offered.dropFirst(7))
    }

    /// No `Origin` (not a browser), or an origin whose host and port are the request's own.
    static func sameOrigin(_ origin: String?, host: String?) -> Bool {
        guard let origin else { return true }
        guard let host, let url = URL(string: origin), let originHost = url.host else { return false }
        let port = url.port.map { ":\($0)" } ?? ""
        let authority = originHost.contains(":") ? "[\(originHost)]\(port)" : "\(originHost)\(port)"
        let requested = host.lowercased()
        // A default port may be left out on either side.
        let defaultPort = url.scheme == "https" ? ":443" : ":80"
        return [authority.lowercased(), authority.lowercased() + defaultPort].contains(requested)
            || requested + defaultPort == authority.lowercased()
    }

    static func hostAllowed(_ request: HTTPRequest, _ allowed: Set<String>) -> Bool {
        guard let authority = request.headerFields[.hostHeader] ?? request.authority else { return true }
        return EdgeErrorMiddleware.host(ofAuthority: authority).map(allowed.contains) ?? false
    }
}
