import CoachCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CoachEdge

/// A route's deadline, as the route table installs it: a handler that outlives it is answered
/// 504 `UPSTREAM_TIMEOUT` with the error body, and everything else is untouched.
@Suite struct RouteDeadlineTests {
    /// A router with the edge's middleware and two routes: one that waits far longer than its
    /// 200 ms deadline, and one that echoes its JSON body.
    static func router() -> Router<EdgeRequestContext> {
        var table = RouteTable()
        table.add(
            EdgeRoute(method: .get, path: "/slow", tag: "test", summary: "Waits for ever", deadline: .milliseconds(200))
        ) { _, _ in
            try await Task.sleep(for: .seconds(600))
            return Response(status: .ok)
        }
        table.add(
            EdgeRoute(method: .post, path: "/echo", tag: "test", summary: "Echoes its body", requestSchema: "Any", deadline: .milliseconds(200))
        ) { request, context in
            // Read twice: the route table has read the body before the clock started.
            let first = try await request.bodyData(context: context)
            let second = try await request.bodyData(context: context)
            #expect(first == second)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: second)))
        }
        let router = Router(context: EdgeRequestContext.self)
        table.install(on: router)
        return router
    }

    // The limit only turns a hang (no deadline applied) into a failure.
    @Test(.timeLimit(.minutes(1))) func aHandlerPastItsDeadlineIsAnswered504UpstreamTimeout() async throws {
        try await Application(router: Self.router()).test(.live) { client in
            let response = try await client.execute(uri: "/slow", method: .get)
            #expect(response.status == .gatewayTimeout)
            let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
            #expect(body?["error_code"] as? String == "UPSTREAM_TIMEOUT")
        }
    }

    /// Over a real connection, where a body arrives as a stream that can be read once.
    @Test func aBodyIsReadBeforeTheDeadlineStartsAndCanBeReadAgain() async throws {
        try await Application(router: Self.router()).test(.live) { client in
            let payload = #"{"answer":"\#(String(repeating: "a", count: 100_000))"}"#
            let response = try await client.execute(
                uri: "/echo", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: payload))
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == payload)
        }
    }

    @Test func aBodyOverTheLimitIsStill413() async throws {
        try await Application(router: Self.router()).test(.router) { client in
            let payload = String(repeating: "x", count: ResumeLimits.maxBodyBytes + 1)
            let response = try await client.execute(
                uri: "/echo", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: payload))
            #expect(response.status == .contentTooLarge)
        }
    }
}
